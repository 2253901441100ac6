package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** Matrix products with float32 weights; activations in natural order. */
public final class F32Kernels {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final int TOKEN_CHUNK = 32;

    private F32Kernels() {}

    /** {@code y[yOff + r] = Σ_k W[r, k]·x[xOff + k]} for rows {@code [r0, r1)}. */
    public static void matvec(MemorySegment w, int cols, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        final int full = cols / L * L;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * cols * 4;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int k = 0;
            for (; k + 4 * L <= full; k += 4 * L) {
                a0 = FloatVector.fromMemorySegment(F, w, rowOff + 4L * k, LE).fma(FloatVector.fromArray(F, x, xOff + k), a0);
                a1 = FloatVector.fromMemorySegment(F, w, rowOff + 4L * (k + L), LE).fma(FloatVector.fromArray(F, x, xOff + k + L), a1);
                a2 = FloatVector.fromMemorySegment(F, w, rowOff + 4L * (k + 2 * L), LE).fma(FloatVector.fromArray(F, x, xOff + k + 2 * L), a2);
                a3 = FloatVector.fromMemorySegment(F, w, rowOff + 4L * (k + 3 * L), LE).fma(FloatVector.fromArray(F, x, xOff + k + 3 * L), a3);
            }
            for (; k < full; k += L) {
                a0 = FloatVector.fromMemorySegment(F, w, rowOff + 4L * k, LE).fma(FloatVector.fromArray(F, x, xOff + k), a0);
            }
            float sum = Vectors.sum(a0.add(a1).add(a2.add(a3)));
            for (; k < cols; k++) sum += w.get(FLOAT, rowOff + 4L * k) * x[xOff + k];
            y[yOff + r] = sum;
        }
    }

    /** As {@link BF16Kernels#matmul}, for float32 weights and activations in natural order. */
    public static void matmul(MemorySegment w, int cols, int r0, int r1, float[] x, int n, float[] out, int outStride) {
        for (int tc = 0; tc < n; tc += TOKEN_CHUNK) {
            int tEnd = Math.min(n, tc + TOKEN_CHUNK);
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                int t = tc;
                for (; t + 4 <= tEnd; t += 4) tile4x4(w, cols, r, x, t, out, outStride);
                for (; t < tEnd; t++) matvec(w, cols, r, r + 4, x, t * cols, out, t * outStride);
            }
            for (int t = tc; t < tEnd; t++) matvec(w, cols, r, r1, x, t * cols, out, t * outStride);
        }
    }

    private static void tile4x4(MemorySegment w, int cols, int r, float[] x, int t, float[] out, int outStride) {
        final int full = cols / L * L;
        final long o0 = (long) r * cols * 4, o1 = o0 + cols * 4L, o2 = o1 + cols * 4L, o3 = o2 + cols * 4L;
        final int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int k = 0; k < full; k += L) {
            FloatVector w0 = FloatVector.fromMemorySegment(F, w, o0 + 4L * k, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(F, w, o1 + 4L * k, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(F, w, o2 + 4L * k, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(F, w, o3 + 4L * k, LE);
            FloatVector xv = FloatVector.fromArray(F, x, x0 + k);
            c00 = w0.fma(xv, c00);
            c10 = w1.fma(xv, c10);
            c20 = w2.fma(xv, c20);
            c30 = w3.fma(xv, c30);
            xv = FloatVector.fromArray(F, x, x1 + k);
            c01 = w0.fma(xv, c01);
            c11 = w1.fma(xv, c11);
            c21 = w2.fma(xv, c21);
            c31 = w3.fma(xv, c31);
            xv = FloatVector.fromArray(F, x, x2 + k);
            c02 = w0.fma(xv, c02);
            c12 = w1.fma(xv, c12);
            c22 = w2.fma(xv, c22);
            c32 = w3.fma(xv, c32);
            xv = FloatVector.fromArray(F, x, x3 + k);
            c03 = w0.fma(xv, c03);
            c13 = w1.fma(xv, c13);
            c23 = w2.fma(xv, c23);
            c33 = w3.fma(xv, c33);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        float[] s;
        if (L <= 16) {
            if (L > 8) {
                c00 = c00.add(c00.rearrange(Vectors.SWAP8)); c01 = c01.add(c01.rearrange(Vectors.SWAP8)); c02 = c02.add(c02.rearrange(Vectors.SWAP8)); c03 = c03.add(c03.rearrange(Vectors.SWAP8));
                c10 = c10.add(c10.rearrange(Vectors.SWAP8)); c11 = c11.add(c11.rearrange(Vectors.SWAP8)); c12 = c12.add(c12.rearrange(Vectors.SWAP8)); c13 = c13.add(c13.rearrange(Vectors.SWAP8));
                c20 = c20.add(c20.rearrange(Vectors.SWAP8)); c21 = c21.add(c21.rearrange(Vectors.SWAP8)); c22 = c22.add(c22.rearrange(Vectors.SWAP8)); c23 = c23.add(c23.rearrange(Vectors.SWAP8));
                c30 = c30.add(c30.rearrange(Vectors.SWAP8)); c31 = c31.add(c31.rearrange(Vectors.SWAP8)); c32 = c32.add(c32.rearrange(Vectors.SWAP8)); c33 = c33.add(c33.rearrange(Vectors.SWAP8));
            }
            if (L > 4) {
                c00 = c00.add(c00.rearrange(Vectors.SWAP4)); c01 = c01.add(c01.rearrange(Vectors.SWAP4)); c02 = c02.add(c02.rearrange(Vectors.SWAP4)); c03 = c03.add(c03.rearrange(Vectors.SWAP4));
                c10 = c10.add(c10.rearrange(Vectors.SWAP4)); c11 = c11.add(c11.rearrange(Vectors.SWAP4)); c12 = c12.add(c12.rearrange(Vectors.SWAP4)); c13 = c13.add(c13.rearrange(Vectors.SWAP4));
                c20 = c20.add(c20.rearrange(Vectors.SWAP4)); c21 = c21.add(c21.rearrange(Vectors.SWAP4)); c22 = c22.add(c22.rearrange(Vectors.SWAP4)); c23 = c23.add(c23.rearrange(Vectors.SWAP4));
                c30 = c30.add(c30.rearrange(Vectors.SWAP4)); c31 = c31.add(c31.rearrange(Vectors.SWAP4)); c32 = c32.add(c32.rearrange(Vectors.SWAP4)); c33 = c33.add(c33.rearrange(Vectors.SWAP4));
            }
            if (L > 2) {
                c00 = c00.add(c00.rearrange(Vectors.SWAP2)); c01 = c01.add(c01.rearrange(Vectors.SWAP2)); c02 = c02.add(c02.rearrange(Vectors.SWAP2)); c03 = c03.add(c03.rearrange(Vectors.SWAP2));
                c10 = c10.add(c10.rearrange(Vectors.SWAP2)); c11 = c11.add(c11.rearrange(Vectors.SWAP2)); c12 = c12.add(c12.rearrange(Vectors.SWAP2)); c13 = c13.add(c13.rearrange(Vectors.SWAP2));
                c20 = c20.add(c20.rearrange(Vectors.SWAP2)); c21 = c21.add(c21.rearrange(Vectors.SWAP2)); c22 = c22.add(c22.rearrange(Vectors.SWAP2)); c23 = c23.add(c23.rearrange(Vectors.SWAP2));
                c30 = c30.add(c30.rearrange(Vectors.SWAP2)); c31 = c31.add(c31.rearrange(Vectors.SWAP2)); c32 = c32.add(c32.rearrange(Vectors.SWAP2)); c33 = c33.add(c33.rearrange(Vectors.SWAP2));
            }
            if (L > 1) {
                c00 = c00.add(c00.rearrange(Vectors.SWAP1)); c01 = c01.add(c01.rearrange(Vectors.SWAP1)); c02 = c02.add(c02.rearrange(Vectors.SWAP1)); c03 = c03.add(c03.rearrange(Vectors.SWAP1));
                c10 = c10.add(c10.rearrange(Vectors.SWAP1)); c11 = c11.add(c11.rearrange(Vectors.SWAP1)); c12 = c12.add(c12.rearrange(Vectors.SWAP1)); c13 = c13.add(c13.rearrange(Vectors.SWAP1));
                c20 = c20.add(c20.rearrange(Vectors.SWAP1)); c21 = c21.add(c21.rearrange(Vectors.SWAP1)); c22 = c22.add(c22.rearrange(Vectors.SWAP1)); c23 = c23.add(c23.rearrange(Vectors.SWAP1));
                c30 = c30.add(c30.rearrange(Vectors.SWAP1)); c31 = c31.add(c31.rearrange(Vectors.SWAP1)); c32 = c32.add(c32.rearrange(Vectors.SWAP1)); c33 = c33.add(c33.rearrange(Vectors.SWAP1));
            }
            s = new float[] {
                c00.lane(0), c01.lane(0), c02.lane(0), c03.lane(0),
                c10.lane(0), c11.lane(0), c12.lane(0), c13.lane(0),
                c20.lane(0), c21.lane(0), c22.lane(0), c23.lane(0),
                c30.lane(0), c31.lane(0), c32.lane(0), c33.lane(0)};
        } else {
            s = new float[] {
                Vectors.sum(c00), Vectors.sum(c01), Vectors.sum(c02), Vectors.sum(c03),
                Vectors.sum(c10), Vectors.sum(c11), Vectors.sum(c12), Vectors.sum(c13),
                Vectors.sum(c20), Vectors.sum(c21), Vectors.sum(c22), Vectors.sum(c23),
                Vectors.sum(c30), Vectors.sum(c31), Vectors.sum(c32), Vectors.sum(c33)};
        }
        Tiles.finish4x4(s, full, cols, (row, k) -> w.get(FLOAT, (long) (r + row) * cols * 4 + 4L * k), x, x0, t, r, out, outStride);
    }

    /**
     * {@code out[t·outStride + r] = Σ_k W[r, k]·x_t[k]} for rows {@code [r0, r1)} and the
     * {@code nt} ≤ 32 tokens {@code t0 …} of one {@link TokenPanels} block {@code xt}: the
     * compute-bound path of prefill and batched decoding. The caller loops over blocks, so a
     * block's panel stays in L2 while this thread's rows stream past it; each tile of 8 rows ×
     * up to 32 tokens is summed in 16 registers over the whole row, then written out once
     * through {@code tile} (at least {@code ROWS·WIDTH} floats).
     */
    public static void gemm(MemorySegment w, int cols, int r0, int r1, float[] xt, int t0, int nt, float[] out, int outStride, float[] tile) {
        final int nv = TokenPanels.vectors(nt);
        int r = r0;
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            tile(w, cols, r, nv, xt, tile);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) {
            for (int j = 0; j < nt; j++) {
                float s = 0;
                for (int k = 0; k < cols; k++) s += w.get(FLOAT, ((long) r * cols + k) * 4) * xt[k * TokenPanels.WIDTH + j];
                out[(t0 + j) * outStride + r] = s;
            }
        }
    }

    /** Rows {@code [r, r + 8)} against {@code nv} vectors of tokens into {@code tile}. */
    private static void tile(MemorySegment w, int cols, int r, int nv, float[] xt, float[] tile) {
        if (nv == 2) tile8x2(w, cols, r, xt, tile);
        else tile8x1(w, cols, r, xt, tile);
    }

    /*
     * The microkernels: 8 rows × 1 or 2 vectors of tokens. Written out in full because C2
     * stops inlining helper methods past NodeCountInliningCutoff (see rows8 of BF16Kernels).
     */
    private static void tile8x2(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 4L;
        final long o = r * rb;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k < cols; k++) {
            final long a = o + 4L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + 1 * L);
            FloatVector e;
            e = FloatVector.broadcast(F, w.get(FLOAT, a));
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + rb));
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 2 * rb));
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 3 * rb));
            c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 4 * rb));
            c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 5 * rb));
            c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 6 * rb));
            c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 7 * rb));
            c70 = e.fma(x0, c70); c71 = e.fma(x1, c71);
        }
        c00.intoArray(tile, 0 * WIDTH); c01.intoArray(tile, 0 * WIDTH + 1 * L);
        c10.intoArray(tile, 1 * WIDTH); c11.intoArray(tile, 1 * WIDTH + 1 * L);
        c20.intoArray(tile, 2 * WIDTH); c21.intoArray(tile, 2 * WIDTH + 1 * L);
        c30.intoArray(tile, 3 * WIDTH); c31.intoArray(tile, 3 * WIDTH + 1 * L);
        c40.intoArray(tile, 4 * WIDTH); c41.intoArray(tile, 4 * WIDTH + 1 * L);
        c50.intoArray(tile, 5 * WIDTH); c51.intoArray(tile, 5 * WIDTH + 1 * L);
        c60.intoArray(tile, 6 * WIDTH); c61.intoArray(tile, 6 * WIDTH + 1 * L);
        c70.intoArray(tile, 7 * WIDTH); c71.intoArray(tile, 7 * WIDTH + 1 * L);
    }

    private static void tile8x1(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 4L;
        final long o = r * rb;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int k = 0; k < cols; k++) {
            final long a = o + 4L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector e;
            e = FloatVector.broadcast(F, w.get(FLOAT, a));
            c00 = e.fma(x0, c00);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + rb));
            c10 = e.fma(x0, c10);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 2 * rb));
            c20 = e.fma(x0, c20);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 3 * rb));
            c30 = e.fma(x0, c30);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 4 * rb));
            c40 = e.fma(x0, c40);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 5 * rb));
            c50 = e.fma(x0, c50);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 6 * rb));
            c60 = e.fma(x0, c60);
            e = FloatVector.broadcast(F, w.get(FLOAT, a + 7 * rb));
            c70 = e.fma(x0, c70);
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

}
