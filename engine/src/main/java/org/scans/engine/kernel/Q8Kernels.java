package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.tensor.Q8Matrix;

/**
 * Matrix products with Q8_0 weights (llama.cpp's layout: blocks of 32 int8 after an F16 scale,
 * 34 bytes) and float32 activations. A decode step reads 1.06 bytes per weight instead of BF16's
 * 2, so at batch 1 the kernel must convert bytes to floats fast enough to keep up with memory.
 */
public final class Q8Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Bytes with as many lanes as a float vector, widened one byte per float lane. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
    /** Whether a block is exactly two float vectors (true for 512-bit vectors), as {@link #rows8} assumes. */
    private static final boolean TWO_VECTORS_PER_BLOCK = 2 * L == Q8Matrix.BLOCK;

    private Q8Kernels() {}

    /** {@code y[yOff + r] = Σ_k W[r, k]·x[xOff + k]} for rows {@code [r0, r1)}. */
    public static void matvec(Q8Matrix m, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        int r = r0;
        if (TWO_VECTORS_PER_BLOCK) {
            int blocks = m.cols() / Q8Matrix.BLOCK;
            for (; r + 8 <= r1; r += 8) rows8(m.data(), m.rowBytes(), blocks, r, x, xOff, y, yOff);
        }
        if (r < r1) rowByRow(m, r, r1, x, xOff, y, yOff);
    }

    /** One row at a time, any vector width. */
    private static void rowByRow(Q8Matrix m, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        MemorySegment w = m.data();
        int blocks = m.cols() / Q8Matrix.BLOCK;
        long rowBytes = m.rowBytes();
        boolean vector = L <= Q8Matrix.BLOCK && Q8Matrix.BLOCK % L == 0;
        for (int r = r0; r < r1; r++) {
            long rowOff = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float tail = 0;
            for (int b = 0; b < blocks; b++) {
                long off = rowOff + (long) b * Q8Matrix.BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(SHORT, off));
                int xb = xOff + b * Q8Matrix.BLOCK;
                if (vector) {
                    FloatVector blockSum = FloatVector.zero(F);
                    for (int j = 0; j < Q8Matrix.BLOCK; j += L) {
                        FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, off + 2 + j, LE)
                                .convertShape(VectorOperators.B2F, F, 0);
                        blockSum = q.fma(FloatVector.fromArray(F, x, xb + j), blockSum);
                    }
                    acc = blockSum.fma(FloatVector.broadcast(F, d), acc);
                } else {
                    float s = 0;
                    for (int j = 0; j < Q8Matrix.BLOCK; j++) s += w.get(ValueLayout.JAVA_BYTE, off + 2 + j) * x[xb + j];
                    tail += d * s;
                }
            }
            y[yOff + r] = acc.reduceLanes(VectorOperators.ADD) + tail;
        }
    }

    /*
     * Eight rows at a time, as for BF16: each activation vector loaded serves eight rows, and the
     * loads of eight rows are in flight together. Per block of 32 and row: two 16-byte loads
     * sign-extended and converted to floats, one multiply and one FMA against the activations,
     * then one FMA by the block's scale. Written out in full (see BF16Kernels.rows8 for why).
     */
    private static void rows8(MemorySegment w, long rowBytes, int blocks, int r, float[] x, int xOff, float[] y, int yOff) {
        final long o0 = r * rowBytes;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * Q8Matrix.BLOCK_BYTES;
            final int xb = xOff + b * Q8Matrix.BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + L);
            long a;
            FloatVector s;
            a = o;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a0);
            a = o + rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a1 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a1);
            a = o + 2 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a2 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a2);
            a = o + 3 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a3 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a3);
            a = o + 4 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a4 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a4);
            a = o + 5 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a5 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a5);
            a = o + 6 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a6 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a6);
            a = o + 7 * rowBytes;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, a + 2 + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a7 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a))), a7);
        }
        y[yOff + r + 0] = a0.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 3] = a3.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 4] = a4.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 5] = a5.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 6] = a6.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 7] = a7.reduceLanes(VectorOperators.ADD);
    }

    private static void tile8x2(MemorySegment w, long rowBytes, int blocks, int r, float[] xt, float[] tile) {
        final long o = r * rowBytes;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int b = 0; b < blocks; b++) {
            final long ob = o + (long) b * Q8Matrix.BLOCK_BYTES;
            final float d0 = Float.float16ToFloat(w.get(SHORT, ob));
            final float d1 = Float.float16ToFloat(w.get(SHORT, ob + rowBytes));
            final float d2 = Float.float16ToFloat(w.get(SHORT, ob + 2 * rowBytes));
            final float d3 = Float.float16ToFloat(w.get(SHORT, ob + 3 * rowBytes));
            final float d4 = Float.float16ToFloat(w.get(SHORT, ob + 4 * rowBytes));
            final float d5 = Float.float16ToFloat(w.get(SHORT, ob + 5 * rowBytes));
            final float d6 = Float.float16ToFloat(w.get(SHORT, ob + 6 * rowBytes));
            final float d7 = Float.float16ToFloat(w.get(SHORT, ob + 7 * rowBytes));
            for (int j = 0; j < Q8Matrix.BLOCK; j++) {
                final long a = ob + 2 + j;
                final int xo = (b * Q8Matrix.BLOCK + j) * WIDTH;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + 1 * L);
                FloatVector e;
                e = FloatVector.broadcast(F, d0 * w.get(ValueLayout.JAVA_BYTE, a));
                c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
                e = FloatVector.broadcast(F, d1 * w.get(ValueLayout.JAVA_BYTE, a + rowBytes));
                c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
                e = FloatVector.broadcast(F, d2 * w.get(ValueLayout.JAVA_BYTE, a + 2 * rowBytes));
                c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
                e = FloatVector.broadcast(F, d3 * w.get(ValueLayout.JAVA_BYTE, a + 3 * rowBytes));
                c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
                e = FloatVector.broadcast(F, d4 * w.get(ValueLayout.JAVA_BYTE, a + 4 * rowBytes));
                c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
                e = FloatVector.broadcast(F, d5 * w.get(ValueLayout.JAVA_BYTE, a + 5 * rowBytes));
                c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
                e = FloatVector.broadcast(F, d6 * w.get(ValueLayout.JAVA_BYTE, a + 6 * rowBytes));
                c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
                e = FloatVector.broadcast(F, d7 * w.get(ValueLayout.JAVA_BYTE, a + 7 * rowBytes));
                c70 = e.fma(x0, c70); c71 = e.fma(x1, c71);
            }
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

    private static void tile8x1(MemorySegment w, long rowBytes, int blocks, int r, float[] xt, float[] tile) {
        final long o = r * rowBytes;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int b = 0; b < blocks; b++) {
            final long ob = o + (long) b * Q8Matrix.BLOCK_BYTES;
            final float d0 = Float.float16ToFloat(w.get(SHORT, ob));
            final float d1 = Float.float16ToFloat(w.get(SHORT, ob + rowBytes));
            final float d2 = Float.float16ToFloat(w.get(SHORT, ob + 2 * rowBytes));
            final float d3 = Float.float16ToFloat(w.get(SHORT, ob + 3 * rowBytes));
            final float d4 = Float.float16ToFloat(w.get(SHORT, ob + 4 * rowBytes));
            final float d5 = Float.float16ToFloat(w.get(SHORT, ob + 5 * rowBytes));
            final float d6 = Float.float16ToFloat(w.get(SHORT, ob + 6 * rowBytes));
            final float d7 = Float.float16ToFloat(w.get(SHORT, ob + 7 * rowBytes));
            for (int j = 0; j < Q8Matrix.BLOCK; j++) {
                final long a = ob + 2 + j;
                final int xo = (b * Q8Matrix.BLOCK + j) * WIDTH;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo);
                FloatVector e;
                e = FloatVector.broadcast(F, d0 * w.get(ValueLayout.JAVA_BYTE, a));
                c00 = e.fma(x0, c00);
                e = FloatVector.broadcast(F, d1 * w.get(ValueLayout.JAVA_BYTE, a + rowBytes));
                c10 = e.fma(x0, c10);
                e = FloatVector.broadcast(F, d2 * w.get(ValueLayout.JAVA_BYTE, a + 2 * rowBytes));
                c20 = e.fma(x0, c20);
                e = FloatVector.broadcast(F, d3 * w.get(ValueLayout.JAVA_BYTE, a + 3 * rowBytes));
                c30 = e.fma(x0, c30);
                e = FloatVector.broadcast(F, d4 * w.get(ValueLayout.JAVA_BYTE, a + 4 * rowBytes));
                c40 = e.fma(x0, c40);
                e = FloatVector.broadcast(F, d5 * w.get(ValueLayout.JAVA_BYTE, a + 5 * rowBytes));
                c50 = e.fma(x0, c50);
                e = FloatVector.broadcast(F, d6 * w.get(ValueLayout.JAVA_BYTE, a + 6 * rowBytes));
                c60 = e.fma(x0, c60);
                e = FloatVector.broadcast(F, d7 * w.get(ValueLayout.JAVA_BYTE, a + 7 * rowBytes));
                c70 = e.fma(x0, c70);
            }
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

    /** Token by token, for the few-token products below the panel threshold. */
    public static void matmul(Q8Matrix m, int r0, int r1, float[] x, int n, float[] out, int outStride) {
        for (int t = 0; t < n; t++) matvec(m, r0, r1, x, t * m.cols(), out, t * outStride);
    }

    /**
     * As {@link BF16Kernels#gemm}: activations in {@link TokenPanels} layout, tiles of 8 rows ×
     * up to 32 tokens. Each weight is dequantized once (exactly: an F16 scale times a byte fits a
     * float) and broadcast against the tokens.
     */
    public static void gemm(Q8Matrix m, int r0, int r1, float[] xt, int t0, int nt, float[] out, int outStride, float[] tile) {
        MemorySegment w = m.data();
        int cols = m.cols(), blocks = cols / Q8Matrix.BLOCK;
        long rowBytes = m.rowBytes();
        final int nv = TokenPanels.vectors(nt);
        int r = r0;
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            if (nv == 2) tile8x2(w, rowBytes, blocks, r, xt, tile);
            else tile8x1(w, rowBytes, blocks, r, xt, tile);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) {
            for (int j = 0; j < nt; j++) {
                float s = 0;
                for (int k = 0; k < cols; k++) s += m.get(r, k) * xt[k * TokenPanels.WIDTH + j];
                out[(t0 + j) * outStride + r] = s;
            }
        }
    }
}
