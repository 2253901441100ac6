package org.scans.engine.kernel;

/**
 * Activation layout for 16-bit weights. A vector load of {@code L} ints from a BF16/F16 row
 * yields {@code 2L} weights with the even-indexed ones in the low halves and the odd-indexed
 * ones in the high halves. Widening each half is one or two integer ops, so instead of shuffling
 * the weights we reorder the activations once per matmul: every block of {@code 2L} values
 * becomes {@code [x0, x2, …, x(2L−2), x1, x3, …, x(2L−1)]}. The tail that does not fill a block
 * keeps its natural order and is handled by scalar code.
 */
public final class PairedLayout {
    private PairedLayout() {}

    /** Values per block: two float vectors' worth. */
    public static int block() {
        return 2 * Vectors.L;
    }

    /** Copies {@code x[xOff, xOff+cols)} to {@code dst[dstOff, …)} in paired order. */
    public static void pair(float[] x, int xOff, int cols, float[] dst, int dstOff) {
        int b = 2 * Vectors.L;
        int full = cols / b * b;
        for (int k = 0; k < full; k += b) {
            for (int j = 0; j < Vectors.L; j++) {
                dst[dstOff + k + j] = x[xOff + k + 2 * j];
                dst[dstOff + k + Vectors.L + j] = x[xOff + k + 2 * j + 1];
            }
        }
        System.arraycopy(x, xOff + full, dst, dstOff + full, cols - full);
    }

    /**
     * {@code x[xOff, xOff+cols)} in paired order for rows read from {@code lead} columns before
     * their start ({@link RowLead}): {@code lead} zeros, the values, then zeros up to
     * {@link RowLead#span} values in {@code dst} from {@code dstOff}, every block paired.
     */
    public static void pairLed(float[] x, int xOff, int cols, int lead, float[] dst, int dstOff) {
        int b = 2 * Vectors.L, span = RowLead.span(cols, lead);
        for (int k = 0; k < span; k += b) {
            for (int j = 0; j < Vectors.L; j++) {
                dst[dstOff + k + j] = led(x, xOff, cols, k + 2 * j - lead);
                dst[dstOff + k + Vectors.L + j] = led(x, xOff, cols, k + 2 * j + 1 - lead);
            }
        }
    }

    private static float led(float[] x, int xOff, int cols, int k) {
        return k >= 0 && k < cols ? x[xOff + k] : 0f;
    }
}
