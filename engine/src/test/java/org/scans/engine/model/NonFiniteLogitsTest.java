package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.engine.EngineException;
import org.scans.engine.TestModels;
import org.scans.engine.generate.BatchGenerator;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.Generator;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.io.CheckpointFixtures;
import org.scans.engine.kernel.VectorOps;

/** A forward pass whose logits are not all finite is refused, on every path that reads logits. */
class NonFiniteLogitsTest {
    static final int[] IDS = {1, 403, 407};

    /** The bundled model with one NaN in layer 0's q_proj (F32, so 4 bytes per value). */
    static Path withNaNWeight(Path tmp) throws Exception {
        return CheckpointFixtures.rewritten(tmp, t -> {
            byte[] data = t.get("model.layers.0.self_attn.q_proj.weight").data();
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 5, Float.NaN);
        });
    }

    @Test
    void aNaNWeightIsRefusedByPrefillGenerationBatchesAndScoring(@TempDir Path tmp) throws Exception {
        try (LlamaModel m = LlamaModel.load(withNaNWeight(tmp), LoadOptions.defaults())) {
            EngineException e = assertThrows(EngineException.class, () -> m.prefill(m.newSequence(), IDS));
            assertTrue(e.getMessage().startsWith("the forward pass gave non-finite logits at position 2 "), e.getMessage());
            assertThrows(EngineException.class,
                    () -> new Generator(m).generate(m.newSequence(), IDS, GenerationConfig.greedy(3), id -> {}));
            assertThrows(EngineException.class, () -> new BatchGenerator(m, 2).generate(List.of(
                    BatchGenerator.Request.of(IDS, GenerationConfig.greedy(3)), BatchGenerator.Request.of(new int[] {1}, GenerationConfig.greedy(3)))));
            // Scoring asks for every position: the first one already fails, and the sink sees none.
            int[] delivered = {0};
            EngineException all = assertThrows(EngineException.class, () -> m.forward(
                    List.of(new Step(m.newSequence(), IDS, Logits.ALL)), (s, t, logits, off) -> delivered[0]++));
            assertTrue(all.getMessage().contains("at position 0 "), all.getMessage());
            assertEquals(0, delivered[0]);
        }
    }

    /** Adds {@code scale} times a fixed direction to every row after one layer, as steering does. */
    record Push(int layer, float scale) implements ResidualHook {
        @Override
        public void afterLayer(int l, Residual r) {
            if (l != layer) return;
            float[] v = new float[r.dim()];
            for (int i = 0; i < v.length; i++) v[i] = i % 3 - 1;
            for (int row = 0; row < r.rows(); row++) r.add(row, v, scale);
        }
    }

    @Test
    void aResidualPushedPastFloatRangeIsRefused() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            Sequence seq = m.newSequence();
            seq.addHook(new Push(1, Float.MAX_VALUE));
            seq.addHook(new Push(1, Float.MAX_VALUE));
            EngineException e = assertThrows(EngineException.class, () -> m.prefill(seq, IDS));
            assertTrue(e.getMessage().contains("steering multiplier too large"), e.getMessage());
        }
    }

    /**
     * A residual of about 1e30 is still finite, but its float sum of squares is not: RMSNorm must
     * not turn it into zeros (uniform logits, id 0 forever), and agrees with the double reference.
     */
    @Test
    void aHugeButFiniteResidualIsNormalisedAsTheReferenceDoes() {
        float[] fast, reference;
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            Sequence seq = m.newSequence();
            seq.addHook(new Push(1, 1e30f));
            fast = m.prefill(seq, IDS);
        }
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults().withReference(true))) {
            Sequence seq = m.newSequence();
            seq.addHook(new Push(1, 1e30f));
            reference = m.prefill(seq, IDS);
        }
        float max = 0;
        for (float f : fast) max = Math.max(max, Math.abs(f));
        assertTrue(max > 0.1f, "logits not flattened to zero: max |logit| " + max);
        for (int i = 0; i < fast.length; i++) assertEquals(reference[i], fast[i], 1e-3f * Math.max(1, Math.abs(reference[i])), "logit " + i);
    }

    @Test
    void allFiniteFindsOneBadValueAnywhereInTheRow() {
        for (int n : new int[] {1, 7, 16, 33, 512}) {
            float[] x = new float[n + 2];
            for (int i = 0; i < x.length; i++) x[i] = (i % 5 - 2) * 1e37f;
            assertTrue(VectorOps.allFinite(x, 1, n));
            for (int bad = 0; bad < n; bad++) {
                for (float v : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                    float[] y = x.clone();
                    y[1 + bad] = v;
                    assertFalse(VectorOps.allFinite(y, 1, n), "n " + n + ", " + v + " at " + bad);
                }
            }
            // Outside the range does not count.
            float[] z = x.clone();
            z[0] = Float.NaN;
            z[n + 1] = Float.NaN;
            assertTrue(VectorOps.allFinite(z, 1, n));
        }
    }
}
