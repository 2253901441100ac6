package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PrecisionRecallCurveTest {

    private static boolean[] labels(int... ones) {
        boolean[] b = new boolean[ones.length];
        for (int i = 0; i < ones.length; i++) {
            b[i] = ones[i] == 1;
        }
        return b;
    }

    @Test
    void sklearnDocumentationExample() {
        // sklearn docs: y_true [0,0,1,1], scores [0.1,0.4,0.35,0.8]
        PrecisionRecallCurve c = PrecisionRecallCurve.of(labels(0, 0, 1, 1), new double[] {0.1, 0.4, 0.35, 0.8});
        assertArrayEquals(new double[] {0.5, 2.0 / 3, 0.5, 1, 1}, c.precision());
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0}, c.recall());
        assertArrayEquals(new double[] {0.1, 0.35, 0.4, 0.8}, c.thresholds());
        // (1→1): 0; (1→.5): .5·(2/3+.5)/2; (.5→.5): 0; (.5→0): .5·(1+1)/2
        assertEquals(0.7916666666666666, c.auc(), 0.0);
    }

    @Test
    void tiedScoresEnterTogether() {
        // Sorted: 0.9 (neg), 0.5 (pos), 0.5 (neg), 0.2 (pos). The 0.5 pair is one threshold.
        PrecisionRecallCurve c = PrecisionRecallCurve.of(labels(1, 0, 1, 0), new double[] {0.5, 0.5, 0.2, 0.9});
        assertArrayEquals(new double[] {0.5, 1.0 / 3, 0, 1}, c.precision());
        assertArrayEquals(new double[] {1, 0.5, 0, 0}, c.recall());
        assertArrayEquals(new double[] {0.2, 0.5, 0.9}, c.thresholds());
        assertEquals(0.29166666666666663, c.auc(), 0.0);
    }

    @Test
    void allTiedIsOnePoint() {
        PrecisionRecallCurve c = PrecisionRecallCurve.of(labels(0, 1, 1, 0, 1), new double[] {0.5, 0.5, 0.5, 0.5, 0.5});
        assertArrayEquals(new double[] {0.6, 1}, c.precision());
        assertArrayEquals(new double[] {1, 0}, c.recall());
        assertEquals(0.8, c.auc(), 0.0);
    }

    @Test
    void noPositiveSampleGivesRecallOne() {
        PrecisionRecallCurve c = PrecisionRecallCurve.of(labels(0, 0, 0), new double[] {0.1, 0.4, 0.35});
        assertArrayEquals(new double[] {0, 0, 0, 1}, c.precision());
        assertArrayEquals(new double[] {1, 1, 1, 0}, c.recall());
        assertEquals(0.5, c.auc(), 0.0);
    }

    @Test
    void badInput() {
        assertThrows(IllegalArgumentException.class, () -> PrecisionRecallCurve.of(labels(1), new double[] {Double.NaN}));
        assertThrows(IllegalArgumentException.class, () -> PrecisionRecallCurve.of(labels(1, 0), new double[] {1}));
        assertThrows(IllegalArgumentException.class, () -> PrecisionRecallCurve.of(new boolean[0], new double[0]));
        assertThrows(IllegalArgumentException.class,
                () -> PrecisionRecallCurve.Trapezoid.auc(new double[] {0, 1, 0.5}, new double[] {1, 1, 1}));
    }

    @Test
    void pairwiseSumFollowsNumpyBlocks() {
        double[] a = new double[1000];
        Arrays.fill(a, 0.1);
        double sequential = 0;
        for (double v : a) {
            sequential += v;
        }
        // Pairwise summation is more exact than the plain loop, and differs from it here.
        assertEquals(100.0, PrecisionRecallCurve.Trapezoid.pairwiseSum(a, 0, a.length), 1e-12);
        assertEquals(100.0, sequential, 1e-11);
        double[] small = {1e16, 1, -1e16, 1, 1, 1, 1};   // under 8 values: left-to-right
        assertEquals(((((1e16 + 1) - 1e16) + 1 + 1) + 1) + 1, PrecisionRecallCurve.Trapezoid.pairwiseSum(small, 0, 7), 0.0);
    }
}
