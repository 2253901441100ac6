package org.scans.eval;

/**
 * Teacher-forced cross-entropy of one token sequence, summed as a forward pass hands out its
 * logits row by row: row t predicts token t+1, and its loss is {@code logsumexp(logits) −
 * logits[ids[t+1]]} (natural log, computed in double). Only targets at positions ≥
 * {@code firstTarget} count, which is how a sliding window scores just its new tokens; with
 * {@code firstTarget = 1} it is Hugging Face's {@code model(ids, labels=ids).loss} times the count.
 */
public final class TokenLoss {
    private final int[] ids;
    private final int firstTarget;
    private double sum;
    private int count;

    public TokenLoss(int[] ids, int firstTarget) {
        if (firstTarget < 1 || firstTarget > ids.length) {
            throw new IllegalArgumentException("first scored position must be in 1.." + ids.length + ", got " + firstTarget);
        }
        this.ids = ids;
        this.firstTarget = firstTarget;
    }

    /** Takes row {@code t} of the logits ({@code vocab} floats from {@code offset}). */
    public void accept(int t, float[] logits, int offset, int vocab) {
        int target = t + 1;
        if (target < firstTarget || target >= ids.length) return;
        sum += nll(logits, offset, vocab, ids[target]);
        count++;
    }

    /** {@code −log softmax(logits)[target]}. */
    public static double nll(float[] logits, int offset, int vocab, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) max = Math.max(max, logits[offset + i]);
        double s = 0;
        for (int i = 0; i < vocab; i++) s += Math.exp(logits[offset + i] - max);
        return max + Math.log(s) - logits[offset + target];
    }

    public double sum() {
        return sum;
    }

    public int count() {
        return count;
    }

    /** Mean NLL over the scored tokens (NaN when none were scored). */
    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    /** The reference's chat-window perplexity: {@code exp} of the mean of per-window mean NLLs. */
    public static double perplexityOfMeans(double[] windowMeans) {
        if (windowMeans.length == 0) return Double.NaN;
        double s = 0;
        for (double m : windowMeans) s += m;
        return Math.exp(s / windowMeans.length);
    }

    /** The usual corpus perplexity: {@code exp(total NLL / scored tokens)}. */
    public static double perplexityOfTotals(double nllSum, long tokens) {
        return tokens == 0 ? Double.NaN : Math.exp(nllSum / tokens);
    }
}
