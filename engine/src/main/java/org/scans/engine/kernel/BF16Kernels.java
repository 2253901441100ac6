package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.I;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix products with bfloat16 weights and float32 activations in {@link PairedLayout}. One
 * int-vector load brings {@code 2L} weights; the even ones widen with a shift, the odd ones with
 * a mask, and both meet their activations in an FMA. Rows are reduced once, at the end.
 */
public final class BF16Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Token tile kept hot in cache while every row block of a thread passes over it. */
    private static final int TOKEN_CHUNK = 32;

    private BF16Kernels() {}

    static FloatVector even(IntVector pair) {
        return pair.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    static FloatVector odd(IntVector pair) {
        return pair.and(0xFFFF0000).reinterpretAsFloats();
    }

    static float scalar(MemorySegment w, long rowOff, int k) {
        return Float.intBitsToFloat(w.get(SHORT, rowOff + 2L * k) << 16);
    }

    /**
     * {@code y[yOff + r] = Σ_k W[r, k]·x[k]} for rows {@code [r0, r1)}; {@code xp} holds x in paired
     * layout from {@code xOff}.
     */
    public static void matvec(MemorySegment w, int cols, int r0, int r1, float[] xp, int xOff, float[] y, int yOff) {
        final int b = 2 * L;
        final int full = cols / b * b;
        for (int r = r0; r < r1; r++) {
            long rowOff = (long) r * cols * 2;
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
            int k = 0;
            for (; k + 2 * b <= full; k += 2 * b) {
                IntVector v0 = IntVector.fromMemorySegment(I, w, rowOff + 2L * k, LE);
                IntVector v1 = IntVector.fromMemorySegment(I, w, rowOff + 2L * (k + b), LE);
                a0 = even(v0).fma(FloatVector.fromArray(F, xp, xOff + k), a0);
                a1 = odd(v0).fma(FloatVector.fromArray(F, xp, xOff + k + L), a1);
                a2 = even(v1).fma(FloatVector.fromArray(F, xp, xOff + k + b), a2);
                a3 = odd(v1).fma(FloatVector.fromArray(F, xp, xOff + k + b + L), a3);
            }
            for (; k < full; k += b) {
                IntVector v0 = IntVector.fromMemorySegment(I, w, rowOff + 2L * k, LE);
                a0 = even(v0).fma(FloatVector.fromArray(F, xp, xOff + k), a0);
                a1 = odd(v0).fma(FloatVector.fromArray(F, xp, xOff + k + L), a1);
            }
            float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
            for (; k < cols; k++) sum += scalar(w, rowOff, k) * xp[xOff + k];
            y[yOff + r] = sum;
        }
    }

    /**
     * {@code out[t·outStride + r] = Σ_k W[r, k]·x_t[k]} for rows {@code [r0, r1)} and tokens
     * {@code [0, n)}, with {@code x_t} at {@code xp[t·cols …]} in paired layout. Tiles of 4 rows ×
     * 4 tokens keep 16 accumulators in registers, so each weight vector loaded feeds 4 tokens.
     */
    public static void matmul(MemorySegment w, int cols, int r0, int r1, float[] xp, int n, float[] out, int outStride) {
        for (int tc = 0; tc < n; tc += TOKEN_CHUNK) {
            int tEnd = Math.min(n, tc + TOKEN_CHUNK);
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                int t = tc;
                for (; t + 4 <= tEnd; t += 4) tile4x4(w, cols, r, xp, t, out, outStride);
                for (; t < tEnd; t++) matvec(w, cols, r, r + 4, xp, t * cols, out, t * outStride);
            }
            for (int t = tc; t < tEnd; t++) matvec(w, cols, r, r1, xp, t * cols, out, t * outStride);
        }
    }

    private static void tile4x4(MemorySegment w, int cols, int r, float[] xp, int t, float[] out, int outStride) {
        final int b = 2 * L;
        final int full = cols / b * b;
        final long o0 = (long) r * cols * 2, o1 = o0 + cols * 2L, o2 = o1 + cols * 2L, o3 = o2 + cols * 2L;
        final int x0 = t * cols, x1 = x0 + cols, x2 = x1 + cols, x3 = x2 + cols;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int k = 0; k < full; k += b) {
            IntVector p0 = IntVector.fromMemorySegment(I, w, o0 + 2L * k, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, o1 + 2L * k, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, o2 + 2L * k, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, o3 + 2L * k, LE);
            FloatVector e0 = even(p0), e1 = even(p1), e2 = even(p2), e3 = even(p3);
            FloatVector d0 = odd(p0), d1 = odd(p1), d2 = odd(p2), d3 = odd(p3);
            FloatVector xe = FloatVector.fromArray(F, xp, x0 + k), xo = FloatVector.fromArray(F, xp, x0 + k + L);
            c00 = d0.fma(xo, e0.fma(xe, c00));
            c10 = d1.fma(xo, e1.fma(xe, c10));
            c20 = d2.fma(xo, e2.fma(xe, c20));
            c30 = d3.fma(xo, e3.fma(xe, c30));
            xe = FloatVector.fromArray(F, xp, x1 + k);
            xo = FloatVector.fromArray(F, xp, x1 + k + L);
            c01 = d0.fma(xo, e0.fma(xe, c01));
            c11 = d1.fma(xo, e1.fma(xe, c11));
            c21 = d2.fma(xo, e2.fma(xe, c21));
            c31 = d3.fma(xo, e3.fma(xe, c31));
            xe = FloatVector.fromArray(F, xp, x2 + k);
            xo = FloatVector.fromArray(F, xp, x2 + k + L);
            c02 = d0.fma(xo, e0.fma(xe, c02));
            c12 = d1.fma(xo, e1.fma(xe, c12));
            c22 = d2.fma(xo, e2.fma(xe, c22));
            c32 = d3.fma(xo, e3.fma(xe, c32));
            xe = FloatVector.fromArray(F, xp, x3 + k);
            xo = FloatVector.fromArray(F, xp, x3 + k + L);
            c03 = d0.fma(xo, e0.fma(xe, c03));
            c13 = d1.fma(xo, e1.fma(xe, c13));
            c23 = d2.fma(xo, e2.fma(xe, c23));
            c33 = d3.fma(xo, e3.fma(xe, c33));
        }
        float[] s = {
            c00.reduceLanes(VectorOperators.ADD), c01.reduceLanes(VectorOperators.ADD),
            c02.reduceLanes(VectorOperators.ADD), c03.reduceLanes(VectorOperators.ADD),
            c10.reduceLanes(VectorOperators.ADD), c11.reduceLanes(VectorOperators.ADD),
            c12.reduceLanes(VectorOperators.ADD), c13.reduceLanes(VectorOperators.ADD),
            c20.reduceLanes(VectorOperators.ADD), c21.reduceLanes(VectorOperators.ADD),
            c22.reduceLanes(VectorOperators.ADD), c23.reduceLanes(VectorOperators.ADD),
            c30.reduceLanes(VectorOperators.ADD), c31.reduceLanes(VectorOperators.ADD),
            c32.reduceLanes(VectorOperators.ADD), c33.reduceLanes(VectorOperators.ADD)};
        Tiles.finish4x4(s, full, cols, (row, k) -> scalar(w, (long) (r + row) * cols * 2, k), xp, x0, t, r, out, outStride);
    }
}
