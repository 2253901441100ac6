package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;

import jdk.incubator.vector.FloatVector;

/**
 * The microkernels over one group of 8 weight rows already widened to float32 in a scratch
 * ({@code d[i·cols + k]} = row i, column k), against a {@link TokenPanels} block of up to two
 * vectors of tokens: the second half of {@link Q8Kernels#gemm} (after its dequantization) and of
 * {@link F16Kernels#gemmWidened} (after its conversion). Every row's sum takes the columns in
 * order, one FMA each, so the sums are those of {@link F32Kernels#gemm} on the same floats, bit
 * for bit, whichever tile runs. {@code cols} must be even (the tiles take two columns a pass).
 */
final class GroupTiles {
    private GroupTiles() {}

    /** Rows {@code [0, 8)} of a widened group against {@code nv} vectors of tokens into {@code tile}. */
    static void tile(float[] d, int cols, int nv, float[] xt, float[] tile) {
        if (nv == 2 && Vectors.FEW_REGISTERS) {
            tile4x2(d, cols, 0, xt, tile);
            tile4x2(d, cols, 4, xt, tile);
        } else if (nv == 2) tile8x2(d, cols, xt, tile);
        else tile8x1(d, cols, xt, tile);
    }

    /* F32Kernels' tiles with the weights from an array. Written out in full (see BF16Kernels.rows8). */
    private static void tile8x2(float[] d, int cols, float[] xt, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k < cols; k++) {
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + L);
            FloatVector e;
            e = FloatVector.broadcast(F, d[k]);
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = FloatVector.broadcast(F, d[k + cols]);
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = FloatVector.broadcast(F, d[k + 2 * cols]);
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = FloatVector.broadcast(F, d[k + 3 * cols]);
            c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = FloatVector.broadcast(F, d[k + 4 * cols]);
            c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
            e = FloatVector.broadcast(F, d[k + 5 * cols]);
            c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
            e = FloatVector.broadcast(F, d[k + 6 * cols]);
            c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
            e = FloatVector.broadcast(F, d[k + 7 * cols]);
            c70 = e.fma(x0, c70); c71 = e.fma(x1, c71);
        }
        c00.intoArray(tile, 0 * WIDTH); c01.intoArray(tile, 0 * WIDTH + L);
        c10.intoArray(tile, 1 * WIDTH); c11.intoArray(tile, 1 * WIDTH + L);
        c20.intoArray(tile, 2 * WIDTH); c21.intoArray(tile, 2 * WIDTH + L);
        c30.intoArray(tile, 3 * WIDTH); c31.intoArray(tile, 3 * WIDTH + L);
        c40.intoArray(tile, 4 * WIDTH); c41.intoArray(tile, 4 * WIDTH + L);
        c50.intoArray(tile, 5 * WIDTH); c51.intoArray(tile, 5 * WIDTH + L);
        c60.intoArray(tile, 6 * WIDTH); c61.intoArray(tile, 6 * WIDTH + L);
        c70.intoArray(tile, 7 * WIDTH); c71.intoArray(tile, 7 * WIDTH + L);
    }

    private static void tile8x1(float[] d, int cols, float[] xt, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int k = 0; k < cols; k += 2) { // cols is a multiple of 32; pairs of columns: see tile4x2
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), y0 = FloatVector.fromArray(F, xt, xo + WIDTH);
            FloatVector e;
            e = FloatVector.broadcast(F, d[k]); c00 = e.fma(x0, c00);
            e = FloatVector.broadcast(F, d[k + 1]); c00 = e.fma(y0, c00);
            e = FloatVector.broadcast(F, d[k + cols]); c10 = e.fma(x0, c10);
            e = FloatVector.broadcast(F, d[k + cols + 1]); c10 = e.fma(y0, c10);
            e = FloatVector.broadcast(F, d[k + 2 * cols]); c20 = e.fma(x0, c20);
            e = FloatVector.broadcast(F, d[k + 2 * cols + 1]); c20 = e.fma(y0, c20);
            e = FloatVector.broadcast(F, d[k + 3 * cols]); c30 = e.fma(x0, c30);
            e = FloatVector.broadcast(F, d[k + 3 * cols + 1]); c30 = e.fma(y0, c30);
            e = FloatVector.broadcast(F, d[k + 4 * cols]); c40 = e.fma(x0, c40);
            e = FloatVector.broadcast(F, d[k + 4 * cols + 1]); c40 = e.fma(y0, c40);
            e = FloatVector.broadcast(F, d[k + 5 * cols]); c50 = e.fma(x0, c50);
            e = FloatVector.broadcast(F, d[k + 5 * cols + 1]); c50 = e.fma(y0, c50);
            e = FloatVector.broadcast(F, d[k + 6 * cols]); c60 = e.fma(x0, c60);
            e = FloatVector.broadcast(F, d[k + 6 * cols + 1]); c60 = e.fma(y0, c60);
            e = FloatVector.broadcast(F, d[k + 7 * cols]); c70 = e.fma(x0, c70);
            e = FloatVector.broadcast(F, d[k + 7 * cols + 1]); c70 = e.fma(y0, c70);
        }
        c00.intoArray(tile, 0 * WIDTH);
        c10.intoArray(tile, 1 * WIDTH);
        c20.intoArray(tile, 2 * WIDTH);
        c30.intoArray(tile, 3 * WIDTH);
        c40.intoArray(tile, 4 * WIDTH);
        c50.intoArray(tile, 5 * WIDTH);
        c60.intoArray(tile, 6 * WIDTH);
        c70.intoArray(tile, 7 * WIDTH);
    }

    /**
     * Rows {@code [row0, row0 + 4)} of {@link #tile8x2}, for 16 vector registers (AVX2), where 16
     * accumulators, two activation vectors and a broadcast do not fit; the activations are read
     * twice per group, from the caches. 16 Q8_0 sequences of the 1.1B model on the Zen 3 VM, 2
     * threads: 35.2-37.3 tok/s against 29.9-32.4 with tile8x2 ({@code -Dscans.vectorRegisters=32};
     * bench/README.md, round 48).
     *
     * <p>Two columns per iteration (every row's sum keeps its order, so the results are the same
     * bit for bit). One column per iteration gave 8 FMAs against some 15 other instructions, the
     * index arithmetic of each broadcast among them, more than the front end issues in the FMAs'
     * four cycles; two columns share it. Same VM: 39.9 and 42.0 tok/s against 27.3 and 35.4; four
     * columns spilled and ran at 23.8-24.5 (round 49). {@link #tile8x1} takes pairs of columns too.
     */
    private static void tile4x2(float[] d, int cols, int row0, float[] xt, float[] tile) {
        final int o = row0 * cols;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        for (int k = 0; k < cols; k += 2) {
            final int a = o + k, xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + L);
            FloatVector y0 = FloatVector.fromArray(F, xt, xo + WIDTH), y1 = FloatVector.fromArray(F, xt, xo + WIDTH + L);
            FloatVector e;
            e = FloatVector.broadcast(F, d[a]); c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = FloatVector.broadcast(F, d[a + 1]); c00 = e.fma(y0, c00); c01 = e.fma(y1, c01);
            e = FloatVector.broadcast(F, d[a + cols]); c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = FloatVector.broadcast(F, d[a + cols + 1]); c10 = e.fma(y0, c10); c11 = e.fma(y1, c11);
            e = FloatVector.broadcast(F, d[a + 2 * cols]); c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = FloatVector.broadcast(F, d[a + 2 * cols + 1]); c20 = e.fma(y0, c20); c21 = e.fma(y1, c21);
            e = FloatVector.broadcast(F, d[a + 3 * cols]); c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = FloatVector.broadcast(F, d[a + 3 * cols + 1]); c30 = e.fma(y0, c30); c31 = e.fma(y1, c31);
        }
        c00.intoArray(tile, (row0 + 0) * WIDTH); c01.intoArray(tile, (row0 + 0) * WIDTH + L);
        c10.intoArray(tile, (row0 + 1) * WIDTH); c11.intoArray(tile, (row0 + 1) * WIDTH + L);
        c20.intoArray(tile, (row0 + 2) * WIDTH); c21.intoArray(tile, (row0 + 2) * WIDTH + L);
        c30.intoArray(tile, (row0 + 3) * WIDTH); c31.intoArray(tile, (row0 + 3) * WIDTH + L);
    }
}
