package org.scans.engine.kernel;

/** The scalar end of a 4×4 tile, shared by every weight type. */
final class Tiles {
    private Tiles() {}

    /** Weight (row r + i, column k) widened to float, for the columns no vector covered. */
    @FunctionalInterface
    interface TailWeight {
        float get(int i, int k);
    }

    /**
     * Adds the columns {@code [full, cols)} to the 16 reduced sums {@code s[4·i + j]} (row i,
     * token j), then stores them at {@code out[(t + j)·outStride + r + i]}. Tail activations are
     * in natural order in both layouts.
     */
    static void finish4x4(float[] s, int full, int cols, TailWeight w, float[] x, int x0, int t, int r,
                          float[] out, int outStride) {
        for (int k = full; k < cols; k++) {
            for (int i = 0; i < 4; i++) {
                float wik = w.get(i, k);
                for (int j = 0; j < 4; j++) s[4 * i + j] += wik * x[x0 + j * cols + k];
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) out[(t + j) * outStride + r + i] = s[4 * i + j];
        }
    }
}
