package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scans.engine.TestModels;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.kernel.ScalarOps;

class HookTest {
    static LlamaModel model;
    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @BeforeAll
    static void load() {
        model = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Records every layer's rows and the final-norm rows. */
    static final class Capture implements ResidualHook {
        final List<float[]> layers = new ArrayList<>();
        final List<Integer> firstPositions = new ArrayList<>();
        float[] normed;

        @Override
        public void afterLayer(int layer, Residual r) {
            assertEquals(layers.size(), layer);
            float[] all = new float[r.rows() * r.dim()];
            for (int i = 0; i < r.rows(); i++) r.read(i, all, i * r.dim());
            layers.add(all);
            firstPositions.add(r.firstPosition());
        }

        @Override
        public boolean wantsFinalNorm() {
            return true;
        }

        @Override
        public void afterFinalNorm(Residual r) {
            normed = new float[r.rows() * r.dim()];
            for (int i = 0; i < r.rows(); i++) r.read(i, normed, i * r.dim());
        }
    }

    @Test
    void captureSeesEveryLayerAndTheFinalNormOfTheLast() {
        Sequence seq = model.newSequence();
        Capture c = new Capture();
        seq.addHook(c);
        model.prefill(seq, IDS);
        int dim = model.config().hiddenSize();
        assertEquals(model.config().numLayers(), c.layers.size());
        assertTrue(c.firstPositions.stream().allMatch(p -> p == 0));
        float[] last = c.layers.get(c.layers.size() - 1);
        float[] expect = new float[last.length];
        for (int t = 0; t < IDS.length; t++) {
            ScalarOps.rmsnorm(last, t * dim, model.weights().finalNorm(), model.config().rmsNormEps(), expect, t * dim, dim);
        }
        for (int i = 0; i < expect.length; i++) assertEquals(expect[i], c.normed[i], 1e-5f);
    }

    @Test
    void aHookThatDoesNothingChangesNothing() {
        float[] plain = model.prefill(model.newSequence(), IDS);
        Sequence seq = model.newSequence();
        seq.addHook(new ResidualHook() {});
        assertArrayEquals(plain, model.prefill(seq, IDS));
    }

    @Test
    void addingFromPositionPLeavesEarlierPositionsAndCacheUnchanged() {
        int p = 5;
        float[] v = new float[model.config().hiddenSize()];
        Arrays.fill(v, 0.5f);
        Sequence plain = model.newSequence();
        Capture cPlain = new Capture();
        plain.addHook(cPlain);
        float[] plainLogits = model.prefill(plain, IDS);

        Sequence steered = model.newSequence();
        steered.addHook(new ResidualHook() {
            @Override
            public void afterLayer(int layer, Residual r) {
                if (layer == 1 || layer == 2) r.addFrom(p, v, 3f);
            }
        });
        Capture cSteer = new Capture();
        steered.addHook(cSteer);
        float[] steeredLogits = model.prefill(steered, IDS);

        assertFalse(Arrays.equals(plainLogits, steeredLogits), "steering must change the last position");
        int dim = model.config().hiddenSize();
        for (int l = 0; l < model.config().numLayers(); l++) {
            float[] a = cPlain.layers.get(l), b = cSteer.layers.get(l);
            assertArrayEquals(Arrays.copyOf(a, p * dim), Arrays.copyOf(b, p * dim), "layer " + l + " before p");
            if (l >= 1) assertFalse(Arrays.equals(Arrays.copyOfRange(a, p * dim, a.length), Arrays.copyOfRange(b, p * dim, b.length)));
        }
        int kvDim = model.config().kvDim();
        for (int l = 0; l < model.config().numLayers(); l++) {
            for (int pos = 0; pos < IDS.length; pos++) {
                for (int i = 0; i < kvDim; i++) {
                    float k1 = plain.cache().key(l, pos, i), k2 = steered.cache().key(l, pos, i);
                    float v1 = plain.cache().value(l, pos, i), v2 = steered.cache().value(l, pos, i);
                    if (pos < p || l <= 1) {
                        // Layers ≤ 1 compute K/V from inputs that no hook has touched yet.
                        assertEquals(k1, k2, "K layer " + l + " pos " + pos);
                        assertEquals(v1, v2, "V layer " + l + " pos " + pos);
                    }
                }
            }
        }
    }

    @Test
    void batchedDecodeKeepsEachSequencesHooksApart() {
        // Two sequences in one call; only the first is steered. The second must equal a solo run.
        Sequence a = model.newSequence(), b = model.newSequence(), solo = model.newSequence();
        model.prefill(a, IDS);
        model.prefill(b, IDS);
        model.prefill(solo, IDS);
        float[] v = new float[model.config().hiddenSize()];
        Arrays.fill(v, 1f);
        a.addHook(new ResidualHook() {
            @Override
            public void afterLayer(int layer, Residual r) {
                r.addFrom(0, v, 1f);
            }
        });
        float[][] both = model.decode(List.of(a, b), new int[] {432, 432});
        float[] alone = model.decode(List.of(solo), new int[] {432})[0];
        assertArrayEquals(alone, both[1]);
        assertFalse(Arrays.equals(alone, both[0]));
    }
}
