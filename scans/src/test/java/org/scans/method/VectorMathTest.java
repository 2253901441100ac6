package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** SCANS.md §4 and §5 on vectors small enough to do by hand. */
class VectorMathTest {
    @Test
    void refusalDirectionIsTheNormalisedDifferenceOfMeans() {
        VectorMath.Sum harmful = new VectorMath.Sum(2), harmless = new VectorMath.Sum(2);
        harmful.add(new float[] {1, 0});
        harmful.add(new float[] {3, 0}); // mean (2, 0)
        harmless.add(new float[] {0, 1});
        harmless.add(new float[] {0, 3}); // mean (0, 2)
        double[] u = VectorMath.difference(harmful.mean(), harmless.mean());
        assertArrayEquals(new double[] {2, -2}, u, 0);
        assertEquals(2 * Math.sqrt(2), VectorMath.norm(u), 1e-12);
        float h = (float) (1 / Math.sqrt(2));
        assertArrayEquals(new float[] {h, -h}, VectorMath.unit(u), 1e-7f);
    }

    @Test
    void transitionVectorIsTheMeanOfEndMinusSure() {
        VectorMath.Sum t = new VectorMath.Sum(2);
        t.addDifference(new float[] {2, 2}, new float[] {1, 1}); // (1, 1)
        t.addDifference(new float[] {4, 0}, new float[] {1, 1}); // (3, -1)
        assertArrayEquals(new double[] {2, 0}, t.mean(), 0);
        assertEquals(2, t.count());
    }

    @Test
    void aZeroDifferenceStaysZero() {
        assertArrayEquals(new float[] {0, 0}, VectorMath.unit(new double[] {0, 0}), 0);
    }

    @Test
    void layerRangesIncludeLayerZeroAndStopBeforeTheCount() {
        assertArrayEquals(new int[] {0, 1, 2}, Layers.parse("0-2", 4, "--layers"));
        assertArrayEquals(new int[] {3}, Layers.parse("3", 4, "--layers"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Layers.parse("4", 4, "--layers"));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> Layers.parse("2-4", 4, "--layers"));
    }

    @Test
    void theVectorsDigestSeesEveryNumber() {
        float[][] v = {{1, 2}, {3, 4}}, t = {{5, 6}, {7, 8}};
        ScansVectors a = new ScansVectors(v, new float[] {1, 1}, t, java.util.Map.of());
        String d = a.digest();
        assertEquals(64, d.length());
        float[][] t2 = {{5, 6}, {7, 8.000001f}};
        org.junit.jupiter.api.Assertions.assertNotEquals(d, new ScansVectors(v, new float[] {1, 1}, t2, java.util.Map.of()).digest());
        org.junit.jupiter.api.Assertions.assertNotEquals(d, new ScansVectors(v, new float[] {1, 2}, t, java.util.Map.of()).digest());
        assertEquals(d, new ScansVectors(v, new float[] {1, 1}, t, java.util.Map.of("note", "x")).digest(), "metadata is not the numbers");
    }
}
