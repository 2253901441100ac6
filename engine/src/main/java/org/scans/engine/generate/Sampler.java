package org.scans.engine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Turns logits into the next token, in Hugging Face's order: repetition penalty, then (unless
 * greedy) temperature, top-k, top-p, and a draw from the renormalised distribution. Greedy picks
 * the largest logit, the lowest id on ties. One sampler per sequence; its random stream comes
 * from the seed alone.
 */
public final class Sampler {
    private final GenerationConfig config;
    private final SplittableRandom random;
    private final boolean[] seenMark;
    private int[] seen = new int[64];
    private int seenCount;
    private Integer[] order = new Integer[0];

    public Sampler(GenerationConfig config, int vocabSize) {
        this.config = config;
        this.random = new SplittableRandom(config.seed());
        this.seenMark = new boolean[vocabSize];
    }

    /** Records an id as part of the sequence (prompt or generated), for the repetition penalty. */
    public void observe(int id) {
        if (seenMark[id]) return;
        seenMark[id] = true;
        if (seenCount == seen.length) seen = Arrays.copyOf(seen, 2 * seen.length);
        seen[seenCount++] = id;
    }

    public void observe(int[] ids) {
        for (int id : ids) observe(id);
    }

    /** Picks the next id; {@code logits} is modified (penalised, scaled). */
    public int sample(float[] logits) {
        applyRepetitionPenalty(logits, config.repetitionPenalty());
        if (config.isGreedy()) return argmax(logits);
        int n = logits.length;
        scale(logits, config.temperature());
        if (order.length != n) {
            order = new Integer[n];
        }
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Float.compare(logits[b], logits[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int keep = n;
        if (config.topK() > 0 && config.topK() < n) {
            // Ties with the k-th value survive, as with Hugging Face's `scores < kth` test.
            float kth = logits[order[config.topK() - 1]];
            keep = config.topK();
            while (keep < n && logits[order[keep]] == kth) keep++;
        }
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp(logits[order[i]] - max);
            sum += p[i];
        }
        if (config.topP() < 1f) {
            // Keep a token while the mass strictly before it is below top-p (at least one).
            double before = 0;
            int cut = keep;
            for (int i = 0; i < keep; i++) {
                if (i > 0 && before >= config.topP()) {
                    cut = i;
                    break;
                }
                before += p[i] / sum;
            }
            keep = cut;
            sum = 0;
            for (int i = 0; i < keep; i++) sum += p[i];
        }
        double u = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < keep; i++) {
            acc += p[i];
            if (u < acc) return order[i];
        }
        return order[keep - 1];
    }

    /**
     * Divides by the temperature. Where the largest logit divided by {@code t} is not finite (a
     * tiny t, or a penalty that pushed a logit to ∞), the quotients would tie at ±∞ and the
     * softmax turn to NaN (a near-zero temperature picked the last id): then the largest logit is
     * subtracted first, so that it maps to 0 and every other to a negative value or −∞, and a
     * tiny t is greedy, as its limit is. Otherwise the plain quotients, which the sampling below
     * shifts by their largest anyway.
     */
    static void scale(float[] logits, float t) {
        float max = Float.NEGATIVE_INFINITY;
        for (float l : logits) max = Math.max(max, l);
        if (Float.isFinite(max / t)) {
            for (int i = 0; i < logits.length; i++) logits[i] /= t;
        } else {
            for (int i = 0; i < logits.length; i++) logits[i] = logits[i] == max ? 0f : (logits[i] - max) / t;
        }
    }

    /** Hugging Face's rule: a positive logit is divided by the penalty, a negative one multiplied. */
    void applyRepetitionPenalty(float[] logits, float penalty) {
        if (penalty == 1f) return;
        for (int i = 0; i < seenCount; i++) {
            int id = seen[i];
            float l = logits[id];
            logits[id] = l < 0 ? l * penalty : l / penalty;
        }
    }

    public static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }
}
