package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ClassifierRuleTest {
    static ClassifierSettings mean(double t) {
        return new ClassifierSettings(new int[] {0, 1}, t, ClassifierSettings.Rule.MEAN_AT_LEAST);
    }

    @Test
    void cosineFollowsTorchIncludingDegenerateVectors() {
        assertEquals(1, Cosine.of(new float[] {1, 2}, new float[] {2, 4}), 1e-12);
        assertEquals(-1, Cosine.of(new float[] {1, 0}, new float[] {-3, 0}), 1e-12);
        assertEquals(0, Cosine.of(new float[] {1, 0}, new float[] {0, 5}), 1e-12);
        // A zero transition vector (marker missing) gives 0, not NaN: norms are clamped to eps.
        assertEquals(0, Cosine.of(new float[] {0, 0}, new float[] {1, 1}), 0);
        assertEquals(0, Cosine.of(new float[] {Float.NaN, 0}, new float[] {1, 1}), 0);
    }

    @Test
    void unsafeWhenTheMeanCosineReachesTheThreshold() {
        // c(q) = mean of the per-layer cosines; c ≥ T is unsafe (+1), below is safe (−1).
        assertEquals(1, HarmfulnessClassifier.decide(0.75, new double[] {0.7, 0.8}, mean(0.75)));
        assertEquals(-1, HarmfulnessClassifier.decide(0.7499, new double[] {0.7, 0.7998}, mean(0.75)));
        assertEquals(1, HarmfulnessClassifier.decide(0.9, new double[] {0.9, 0.9}, mean(0.75)));
    }

    @Test
    void vicunaXstestRuleIsSafeIfAnyLayerIsBelow() {
        ClassifierSettings any = new ClassifierSettings(new int[] {0, 1, 2}, 0.6, ClassifierSettings.Rule.SAFE_IF_ANY_BELOW);
        assertEquals(-1, HarmfulnessClassifier.decide(0.9, new double[] {0.95, 0.59, 0.99}, any));
        assertEquals(1, HarmfulnessClassifier.decide(0.61, new double[] {0.6, 0.61, 0.62}, any));
    }

    @Test
    void settingsRejectEmptyOrUnorderedLayers() {
        assertThrows(IllegalArgumentException.class, () -> new ClassifierSettings(new int[0], 0.5, ClassifierSettings.Rule.MEAN_AT_LEAST));
        assertThrows(IllegalArgumentException.class, () -> new ClassifierSettings(new int[] {3, 2}, 0.5, ClassifierSettings.Rule.MEAN_AT_LEAST));
    }
}
