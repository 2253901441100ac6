package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;
import org.scans.eval.EvalFixture;

/**
 * What the classifier and the extraction read (gaps mutation testing found: with
 * {@code --fix raw-last-layer} a capture that never copied the last layer, zeros, passed every
 * test; and no test captured a position in a later forward call than the first).
 */
class HiddenStateCaptureTest {
    static final LlamaModel MODEL = EvalFixture.shared().model();
    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 407, 260};

    /** Every layer's raw output at every position, as a plain hook reads it. */
    static final class Raw implements ResidualHook {
        final float[][][] states;

        Raw(int layers, int positions, int dim) {
            states = new float[layers][positions][dim];
        }

        @Override
        public void afterLayer(int layer, Residual r) {
            for (int row = 0; row < r.rows(); row++) r.read(row, states[layer][r.position(row)], 0);
        }
    }

    @Test
    void theLastLayerIsNormedOrRawAsAskedAndTheOthersAreTheLayerOutputs() {
        int layers = MODEL.config().numLayers(), dim = MODEL.config().hiddenSize(), last = IDS.length - 1;
        HiddenStateCapture normed = new HiddenStateCapture(layers, dim, true, 2, last);
        HiddenStateCapture raw = new HiddenStateCapture(layers, dim, false, 2, last);
        Raw reference = new Raw(layers, IDS.length, dim);
        try (Sequence seq = MODEL.newSequence()) {
            seq.addHook(normed);
            seq.addHook(raw);
            seq.addHook(reference);
            MODEL.prefill(seq, IDS);
        }
        for (int l = 0; l < layers; l++) {
            assertArrayEquals(reference.states[l][2], raw.state(l, 0), "raw, layer " + l);
            assertArrayEquals(reference.states[l][last], raw.state(l, 1), "raw, layer " + l);
            if (l < layers - 1) assertArrayEquals(reference.states[l][last], normed.state(l, 1), "layer " + l);
        }
        float[] top = normed.state(layers - 1, 1), rawTop = reference.states[layers - 1][last];
        assertFalse(Arrays.equals(top, rawTop), "the last layer is read after the final norm");
        // The final RMSNorm of the raw state, with the model's weights (float32 rounding of the sum).
        float[] w = MODEL.weights().finalNorm();
        double ms = 0;
        for (float x : rawTop) ms += (double) x * x;
        double inv = 1 / Math.sqrt(ms / dim + MODEL.config().rmsNormEps());
        for (int i = 0; i < dim; i++) {
            double want = rawTop[i] * inv * w[i];
            org.junit.jupiter.api.Assertions.assertEquals(want, top[i], 1e-5 * Math.max(1, Math.abs(want)), "normed at " + i);
        }
    }

    @Test
    void aPositionInALaterForwardCallIsCapturedThere() {
        int layers = MODEL.config().numLayers(), dim = MODEL.config().hiddenSize(), p = IDS.length - 1;
        HiddenStateCapture whole = new HiddenStateCapture(layers, dim, false, p);
        HiddenStateCapture stepped = new HiddenStateCapture(layers, dim, false, p);
        try (Sequence a = MODEL.newSequence(); Sequence b = MODEL.newSequence()) {
            a.addHook(whole);
            MODEL.prefill(a, IDS);
            b.addHook(stepped);
            MODEL.prefill(b, Arrays.copyOf(IDS, p)); // positions 0 .. p−1: nothing to capture yet
            for (int l = 0; l < layers; l++) assertTrue(isZero(stepped.state(l, 0)), "layer " + l + " before its position came");
            MODEL.decode(List.of(b), new int[] {IDS[p]});   // position p, in a call whose first position is p
        }
        for (int l = 0; l < layers; l++) {
            float[] x = whole.state(l, 0), y = stepped.state(l, 0);
            assertFalse(isZero(y), "layer " + l);
            // One pass against a prefill and a decode step: another summation order (5e-5 bound, as elsewhere).
            for (int i = 0; i < dim; i++) org.junit.jupiter.api.Assertions.assertEquals(x[i], y[i], 5e-5 * Math.max(1, Math.abs(x[i])));
        }
    }

    static boolean isZero(float[] v) {
        for (float x : v) if (x != 0) return false;
        return true;
    }
}
