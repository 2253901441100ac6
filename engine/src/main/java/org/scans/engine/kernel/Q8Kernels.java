package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.tensor.Q8Matrix.BLOCK;
import static org.scans.engine.tensor.Q8Matrix.GROUP;
import static org.scans.engine.tensor.Q8Matrix.GROUP_BLOCK_BYTES;
import static org.scans.engine.tensor.Q8Matrix.QUANTS;
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
 * Matrix products with Q8_0 weights (blocks of 32 int8 with an F16 scale, grouped 8 rows at a
 * time as {@link Q8Matrix} describes) and float32 activations. A decode step reads 1.06 bytes
 * per weight instead of BF16's 2, so at batch 1 the kernel must convert bytes to floats fast
 * enough to keep up with memory. Whole groups go through the 8-row kernels; the rows of a thread's
 * range that only cover part of a group go one at a time.
 */
public final class Q8Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Bytes with as many lanes as a float vector, widened one byte per float lane. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
    /** Whether a block is exactly two float vectors (true for 512-bit vectors), as {@link #group} assumes. */
    private static final boolean TWO_VECTORS_PER_BLOCK = 2 * L == BLOCK;

    private Q8Kernels() {}

    /** {@code y[yOff + r] = Σ_k W[r, k]·x[xOff + k]} for rows {@code [r0, r1)}. */
    public static void matvec(Q8Matrix m, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        int r = r0;
        if (TWO_VECTORS_PER_BLOCK) {
            for (; r < r1 && r % GROUP != 0; r++) row(m, r, x, xOff, y, yOff);
            for (; r + GROUP <= r1; r += GROUP) group(m.data(), m.blocks(), m.groupBlock(r, 0), r, x, xOff, y, yOff);
        }
        for (; r < r1; r++) row(m, r, x, xOff, y, yOff);
    }

    /** One row, any vector width. */
    private static void row(Q8Matrix m, int r, float[] x, int xOff, float[] y, int yOff) {
        MemorySegment w = m.data();
        boolean vector = L <= BLOCK && BLOCK % L == 0;
        FloatVector acc = FloatVector.zero(F);
        float tail = 0;
        for (int b = 0; b < m.blocks(); b++) {
            long q = m.quantOffset(r, b);
            float d = m.scale(r, b);
            int xb = xOff + b * BLOCK;
            if (vector) {
                FloatVector blockSum = FloatVector.zero(F);
                for (int j = 0; j < BLOCK; j += L) {
                    FloatVector v = (FloatVector) ByteVector.fromMemorySegment(B, w, q + j, LE).convertShape(VectorOperators.B2F, F, 0);
                    blockSum = v.fma(FloatVector.fromArray(F, x, xb + j), blockSum);
                }
                acc = blockSum.fma(FloatVector.broadcast(F, d), acc);
            } else {
                float s = 0;
                for (int j = 0; j < BLOCK; j++) s += w.get(ValueLayout.JAVA_BYTE, q + j) * x[xb + j];
                tail += d * s;
            }
        }
        y[yOff + r] = acc.reduceLanes(VectorOperators.ADD) + tail;
    }

    /*
     * The 8 rows of group r / 8, block by block: each activation vector loaded serves eight rows,
     * and the group's blocks are one sequential stream. Per block and row: two 16-byte loads
     * sign-extended and converted to floats, one multiply and one FMA against the activations,
     * then one FMA by the block's scale. Written out in full (see BF16Kernels.rows8 for why).
     */
    private static void group(MemorySegment w, int blocks, long o0, int r, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * GROUP_BLOCK_BYTES, q = o + QUANTS;
            final int xb = xOff + b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + L);
            FloatVector s;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o))), a0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a1 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 2))), a1);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a2 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 4))), a2);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a3 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 6))), a3);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a4 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 8))), a4);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a5 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 10))), a5);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a6 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 12))), a6);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a7 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, o + 14))), a7);
        }
        y[yOff + r] = a0.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 1] = a1.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 2] = a2.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 3] = a3.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 4] = a4.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 5] = a5.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 6] = a6.reduceLanes(VectorOperators.ADD);
        y[yOff + r + 7] = a7.reduceLanes(VectorOperators.ADD);
    }

    private static void tile8x2(MemorySegment w, int blocks, long o, float[] xt, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int b = 0; b < blocks; b++) {
            final long ob = o + (long) b * GROUP_BLOCK_BYTES;
            final float d0 = Float.float16ToFloat(w.get(SHORT, ob));
            final float d1 = Float.float16ToFloat(w.get(SHORT, ob + 2));
            final float d2 = Float.float16ToFloat(w.get(SHORT, ob + 4));
            final float d3 = Float.float16ToFloat(w.get(SHORT, ob + 6));
            final float d4 = Float.float16ToFloat(w.get(SHORT, ob + 8));
            final float d5 = Float.float16ToFloat(w.get(SHORT, ob + 10));
            final float d6 = Float.float16ToFloat(w.get(SHORT, ob + 12));
            final float d7 = Float.float16ToFloat(w.get(SHORT, ob + 14));
            for (int j = 0; j < BLOCK; j++) {
                final long a = ob + QUANTS + j;
                final int xo = (b * BLOCK + j) * WIDTH;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + 1 * L);
                FloatVector e;
                e = FloatVector.broadcast(F, d0 * w.get(ValueLayout.JAVA_BYTE, a));
                c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
                e = FloatVector.broadcast(F, d1 * w.get(ValueLayout.JAVA_BYTE, a + BLOCK));
                c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
                e = FloatVector.broadcast(F, d2 * w.get(ValueLayout.JAVA_BYTE, a + 2 * BLOCK));
                c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
                e = FloatVector.broadcast(F, d3 * w.get(ValueLayout.JAVA_BYTE, a + 3 * BLOCK));
                c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
                e = FloatVector.broadcast(F, d4 * w.get(ValueLayout.JAVA_BYTE, a + 4 * BLOCK));
                c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
                e = FloatVector.broadcast(F, d5 * w.get(ValueLayout.JAVA_BYTE, a + 5 * BLOCK));
                c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
                e = FloatVector.broadcast(F, d6 * w.get(ValueLayout.JAVA_BYTE, a + 6 * BLOCK));
                c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
                e = FloatVector.broadcast(F, d7 * w.get(ValueLayout.JAVA_BYTE, a + 7 * BLOCK));
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

    private static void tile8x1(MemorySegment w, int blocks, long o, float[] xt, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int b = 0; b < blocks; b++) {
            final long ob = o + (long) b * GROUP_BLOCK_BYTES;
            final float d0 = Float.float16ToFloat(w.get(SHORT, ob));
            final float d1 = Float.float16ToFloat(w.get(SHORT, ob + 2));
            final float d2 = Float.float16ToFloat(w.get(SHORT, ob + 4));
            final float d3 = Float.float16ToFloat(w.get(SHORT, ob + 6));
            final float d4 = Float.float16ToFloat(w.get(SHORT, ob + 8));
            final float d5 = Float.float16ToFloat(w.get(SHORT, ob + 10));
            final float d6 = Float.float16ToFloat(w.get(SHORT, ob + 12));
            final float d7 = Float.float16ToFloat(w.get(SHORT, ob + 14));
            for (int j = 0; j < BLOCK; j++) {
                final long a = ob + QUANTS + j;
                final int xo = (b * BLOCK + j) * WIDTH;
                FloatVector x0 = FloatVector.fromArray(F, xt, xo);
                FloatVector e;
                e = FloatVector.broadcast(F, d0 * w.get(ValueLayout.JAVA_BYTE, a));
                c00 = e.fma(x0, c00);
                e = FloatVector.broadcast(F, d1 * w.get(ValueLayout.JAVA_BYTE, a + BLOCK));
                c10 = e.fma(x0, c10);
                e = FloatVector.broadcast(F, d2 * w.get(ValueLayout.JAVA_BYTE, a + 2 * BLOCK));
                c20 = e.fma(x0, c20);
                e = FloatVector.broadcast(F, d3 * w.get(ValueLayout.JAVA_BYTE, a + 3 * BLOCK));
                c30 = e.fma(x0, c30);
                e = FloatVector.broadcast(F, d4 * w.get(ValueLayout.JAVA_BYTE, a + 4 * BLOCK));
                c40 = e.fma(x0, c40);
                e = FloatVector.broadcast(F, d5 * w.get(ValueLayout.JAVA_BYTE, a + 5 * BLOCK));
                c50 = e.fma(x0, c50);
                e = FloatVector.broadcast(F, d6 * w.get(ValueLayout.JAVA_BYTE, a + 6 * BLOCK));
                c60 = e.fma(x0, c60);
                e = FloatVector.broadcast(F, d7 * w.get(ValueLayout.JAVA_BYTE, a + 7 * BLOCK));
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
     * As {@link BF16Kernels#gemm}: activations in {@link TokenPanels} layout, tiles of one group
     * (8 rows) × up to 32 tokens. Each weight is dequantized once (exactly: an F16 scale times a
     * byte fits a float) and broadcast against the tokens.
     */
    public static void gemm(Q8Matrix m, int r0, int r1, float[] xt, int t0, int nt, float[] out, int outStride, float[] tile) {
        MemorySegment w = m.data();
        final int nv = TokenPanels.vectors(nt);
        int r = r0;
        for (; r < r1 && r % GROUP != 0; r++) rowByTokens(m, r, xt, t0, nt, out, outStride);
        for (; r + GROUP <= r1; r += GROUP) {
            if (nv == 2) tile8x2(w, m.blocks(), m.groupBlock(r, 0), xt, tile);
            else tile8x1(w, m.blocks(), m.groupBlock(r, 0), xt, tile);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) rowByTokens(m, r, xt, t0, nt, out, outStride);
    }

    /** One row against the panel's tokens, scalar: only the rows of a partly covered group. */
    private static void rowByTokens(Q8Matrix m, int r, float[] xt, int t0, int nt, float[] out, int outStride) {
        for (int j = 0; j < nt; j++) {
            float s = 0;
            for (int k = 0; k < m.cols(); k++) s += m.get(r, k) * xt[k * TokenPanels.WIDTH + j];
            out[(t0 + j) * outStride + r] = s;
        }
    }
}
