package org.scans.eval;

/**
 * {@code count} of {@code total}, e.g. refusals among the safe prompts.
 * {@link #value()} is NaN for an empty set (the reference would divide by zero).
 */
public record Rate(int count, int total) {

    public Rate {
        if (count < 0 || total < 0 || count > total) {
            throw new IllegalArgumentException("rate " + count + "/" + total);
        }
    }

    public double value() {
        return total == 0 ? Double.NaN : (double) count / total;
    }

    @Override
    public String toString() {
        return count + "/" + total;
    }
}
