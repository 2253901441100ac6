package org.scans.engine.kernel;

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
            float sum = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
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
        float[] s = {
            c00.reduceLanes(VectorOperators.ADD), c01.reduceLanes(VectorOperators.ADD),
            c02.reduceLanes(VectorOperators.ADD), c03.reduceLanes(VectorOperators.ADD),
            c10.reduceLanes(VectorOperators.ADD), c11.reduceLanes(VectorOperators.ADD),
            c12.reduceLanes(VectorOperators.ADD), c13.reduceLanes(VectorOperators.ADD),
            c20.reduceLanes(VectorOperators.ADD), c21.reduceLanes(VectorOperators.ADD),
            c22.reduceLanes(VectorOperators.ADD), c23.reduceLanes(VectorOperators.ADD),
            c30.reduceLanes(VectorOperators.ADD), c31.reduceLanes(VectorOperators.ADD),
            c32.reduceLanes(VectorOperators.ADD), c33.reduceLanes(VectorOperators.ADD)};
        Tiles.finish4x4(s, full, cols, (row, k) -> w.get(FLOAT, (long) (r + row) * cols * 4 + 4L * k), x, x0, t, r, out, outStride);
    }
}
