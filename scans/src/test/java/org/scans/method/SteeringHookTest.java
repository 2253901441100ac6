package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scans.engine.hook.Residual;

/** §6: h̃_l[p] = h_l[p] + σ·α·v_l for p ≥ p_end, on the steering layers only. */
class SteeringHookTest {
    static ScansVectors vectors() {
        float[][] v = {{1, 0}, {0, 1}, {1, 1}};
        return new ScansVectors(v, new float[] {1, 1, 1}, new float[3][2], Map.of());
    }

    /** Five rows at positions 3..7, all zero. */
    static float[] run(int layer, SteeringHook hook) {
        float[] data = new float[5 * 2];
        hook.afterLayer(layer, new Residual(data, 0, 5, 2, 3));
        return data;
    }

    @Test
    void addsSignedScaledVectorFromPEndOn() {
        SteeringHook up = new SteeringHook(vectors(), new int[] {1, 2}, 2.0, +1, 5);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0, 2, 0, 2, 0, 2}, run(1, up));
        SteeringHook down = new SteeringHook(vectors(), new int[] {1, 2}, 2.0, -1, 5);
        assertArrayEquals(new float[] {0, 0, 0, 0, -2, -2, -2, -2, -2, -2}, run(2, down));
    }

    @Test
    void leavesOtherLayersAlone() {
        SteeringHook h = new SteeringHook(vectors(), new int[] {1}, 2.0, +1, 5);
        assertArrayEquals(new float[10], run(0, h));
        assertArrayEquals(new float[10], run(2, h));
    }

    @Test
    void negativePEndSteersEveryPosition() {
        SteeringHook h = new SteeringHook(vectors(), new int[] {0}, 1.5, +1, -1);
        assertArrayEquals(new float[] {1.5f, 0, 1.5f, 0, 1.5f, 0, 1.5f, 0, 1.5f, 0}, run(0, h));
    }

    @Test
    void decodingStepsAfterPEndAreSteered() {
        // A decode step holds one row at position 9 > p_end = 5.
        SteeringHook h = new SteeringHook(vectors(), new int[] {1}, 3.0, -1, 5);
        float[] data = new float[2];
        h.afterLayer(1, new Residual(data, 0, 1, 2, 9));
        assertArrayEquals(new float[] {0, -3}, data);
    }
}
