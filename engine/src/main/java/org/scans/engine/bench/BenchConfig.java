package org.scans.engine.bench;

/**
 * What {@link EngineBench} measures, in llama-bench's terms.
 *
 * @param promptTokens P for pp: one forward of P tokens (the first is BOS) into an empty cache;
 *     0 skips the phase
 * @param genTokens G for tg: G single-token decode steps from an empty cache; 0 skips tg and
 *     batched tg
 * @param reps timed runs per phase, after one warm-up run
 * @param batch B for batched tg (B sequences, one token each per step); 0 skips the phase
 * @param seed for the random token ids
 */
public record BenchConfig(int promptTokens, int genTokens, int reps, int batch, long seed) {
    public BenchConfig {
        if (promptTokens < 0) throw new IllegalArgumentException("prompt tokens must be >= 0, got " + promptTokens);
        if (genTokens < 0) throw new IllegalArgumentException("generated tokens must be >= 0, got " + genTokens);
        if (reps < 1) throw new IllegalArgumentException("reps must be >= 1, got " + reps);
        if (batch < 0) throw new IllegalArgumentException("batch must be >= 0, got " + batch);
    }

    /** llama-bench's defaults: pp512, tg128, 3 reps, no batched phase. */
    public static BenchConfig defaults() {
        return new BenchConfig(512, 128, 3, 0, 12345L);
    }
}
