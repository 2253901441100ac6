package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.scans.engine.TestModels;
import org.scans.engine.tensor.DType;

/**
 * An F16 KV cache against llama.cpp's, over 64 teacher-forced positions of stories260K (the same
 * F32 weights as llama.cpp's stories260K.gguf). Both round keys and values to F16; llama.cpp also
 * rounds the queries and the attention weights to F16 for its F16 products, which we keep in
 * float32, so the two differ by F16 rounding, not by float32 rounding.
 */
class HalfKvCacheTest {
    /**
     * Measured (largest |Δ log-prob| over 64 × 512): our F16 cache against llama.cpp's F16 cache
     * 0.037; llama.cpp's own F16 cache against its F32 cache 0.025; our F16 cache against our F32
     * cache 0.018 (logits). The first is about the sum of the other two, as expected when both
     * sides round differently. 0.075 is twice the measured: F16 rounding passes, a key or value
     * read at a wrong offset or widened wrong does not (that moves log-probs by whole units).
     * On its own this bound would also pass a float32 cache (0.025 from llama.cpp's F16 one), so
     * {@link #anF16CacheChangesTheLogitsSlightly} checks that the F16 cache is what ran.
     */
    static final double HALF_CACHE_TOLERANCE = 0.075;

    @Test
    void logProbsFollowLlamaCppWithAnF16Cache() {
        float[][] ref = TestModels.readRows("reference/stories260K_llamacpp_kvf16_logprobs.txt");
        double worst = worstDifference(ref, DType.F16);
        assertTrue(worst <= HALF_CACHE_TOLERANCE, "largest |Δ log-prob| against llama.cpp's F16 cache: " + worst);
    }

    /**
     * The same golden run with float32 caches on both sides: float32 rounding only (measured
     * 6.3e-5; 2e-4 is about three times that).
     */
    @Test
    void logProbsFollowLlamaCppWithAnF32Cache() {
        float[][] ref = TestModels.readRows("reference/stories260K_llamacpp_kvf32_logprobs.txt");
        double worst = worstDifference(ref, DType.F32);
        assertTrue(worst <= 2e-4, "largest |Δ log-prob| against llama.cpp's F32 cache: " + worst);
    }

    /** The cache's type is used: an F16 cache's log-probs are not the float32 cache's bits. */
    @Test
    void anF16CacheChangesTheLogitsSlightly() {
        int[] ids = ids();
        float[][] f32, f16;
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            f32 = GoldenForwardTest.scoreAll(m, ids);
        }
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults().withKvCache(DType.F16))) {
            f16 = GoldenForwardTest.scoreAll(m, ids);
        }
        double worst = 0;
        for (int p = 0; p < ids.length; p++) {
            for (int i = 0; i < f32[p].length; i++) worst = Math.max(worst, Math.abs(f32[p][i] - f16[p][i]));
        }
        assertTrue(worst > 0 && worst <= HALF_CACHE_TOLERANCE, "largest |Δ logit| F16 against F32 cache: " + worst);
    }

    private static double worstDifference(float[][] ref, DType kv) {
        int[] ids = ids();
        double worst = 0;
        for (boolean reference : new boolean[] {false, true}) {
            LoadOptions o = LoadOptions.defaults().withKvCache(kv).withReference(reference);
            try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), o)) {
                float[][] logits = GoldenForwardTest.scoreAll(m, ids);
                for (int p = 0; p < ref.length; p++) {
                    double[] lp = Bf16ForwardTest.logSoftmax(logits[p]);
                    for (int i = 0; i < lp.length; i++) worst = Math.max(worst, Math.abs(lp[i] - ref[p][i]));
                }
            }
        }
        return worst;
    }

    /** The 64 ids of the golden files: run.c's greedy prompt and continuation. */
    private static int[] ids() {
        int[][] g = TestModels.runcGreedy();
        int[] ids = new int[64];
        System.arraycopy(g[0], 0, ids, 0, g[0].length);
        System.arraycopy(g[1], 0, ids, g[0].length, 64 - g[0].length);
        return ids;
    }
}
