package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.tensor.Q8Matrix.BLOCK;
import static org.scans.engine.tensor.Q8Matrix.GROUP;
import static org.scans.engine.tensor.Q8Matrix.GROUP_BLOCK_BYTES;
import static org.scans.engine.tensor.Q8Matrix.QUANTS;
import static org.scans.engine.tensor.Q8Matrix.SCALE;
import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;
import static org.scans.engine.kernel.Vectors.NATIVE;
import static org.scans.engine.kernel.Vectors.VBYTES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.tensor.Q8Matrix;

/**
 * Matrix products with Q8_0 weights (blocks of 32 int8 with an F16 scale, grouped 8 rows at a
 * time as {@link Q8Matrix} describes, the scales widened to float32) and float32 activations. A
 * decode step reads 1.125 bytes per weight instead of BF16's 2, so at batch 1 the kernel must
 * convert bytes to floats fast enough to keep up with memory. Whole groups go through the 8-row
 * kernels; the rows of a thread's range that only cover part of a group go one at a time.
 */
public final class Q8Kernels {
    /**
     * Bytes with as many lanes as a float vector, widened one byte per float lane; at least 64
     * bits, the narrowest byte vector there is, so with 128-bit float vectors (NEON, SSE) it has
     * twice the lanes, and each load gives two float vectors (conversion parts 0 and 1).
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));
    /** Whether {@link #B} has exactly {@code L} lanes (256 bits and up); C2 folds the choice. */
    private static final boolean EXACT_BYTES = B.length() == L;
    /** Whether a block is exactly eight float vectors (128-bit vectors: NEON), as {@link #group8} assumes. */
    private static final boolean EIGHT_VECTORS_PER_BLOCK = 8 * L == BLOCK && B.length() == 2 * L;
    /** Whether a block is exactly two float vectors (true for 512-bit vectors), as {@link #group} assumes. */
    private static final boolean TWO_VECTORS_PER_BLOCK = 2 * L == BLOCK;
    /** Whether a block is four float vectors (256-bit vectors), as {@link #group4} assumes. */
    private static final boolean FOUR_VECTORS_PER_BLOCK = 4 * L == BLOCK;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /** Longs of the float vectors' width: a 64-bit broadcast is two dequantized weights. */
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, VectorShape.forBitSize(F.vectorBitSize()));
    /**
     * Columns of a group that {@link #gemmPairs} dequantizes at a time: 8 rows × 256 floats, 8 KB,
     * stay in L1 for the microkernel. A whole group at once (64 KB for 2048 columns, out in L2)
     * made the dequantization a third of the time.
     */
    private static final int PAIRS_CHUNK = 256;
    /** Longs per row in a pair scratch: a whole chunk's, whatever the chunk's width. */
    static final int PAIR_ROW_LONGS = PAIRS_CHUNK / 2;
    /** Within every four lanes, the order 0, 2, 1, 3: see {@link #gemmPairs}. */
    private static final VectorShuffle<Float> PAIR_ORDER = VectorShuffle.fromOp(F, i -> (i & ~3) | (i & 1) << 1 | (i & 2) >> 1);

    private Q8Kernels() {}

    /** {@code y[yOff + r] = Σ_k W[r, k]·x[xOff + k]} for rows {@code [r0, r1)}. */
    public static void matvec(Q8Matrix m, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        int r = r0;
        if (FOUR_VECTORS_PER_BLOCK && SHIFTS) {
            float[] xs = inShiftOrder(x, xOff, m.cols());
            for (; r < r1 && r % GROUP != 0; r++) rowShifted(m, r, xs, y, yOff);
            for (; r + GROUP <= r1; r += GROUP) group4(m.data(), m.blocks(), m.groupBlock(r, 0), r, xs, y, yOff);
            for (; r < r1; r++) rowShifted(m, r, xs, y, yOff);
            return;
        }
        if (TWO_VECTORS_PER_BLOCK || FOUR_VECTORS_PER_BLOCK || EIGHT_VECTORS_PER_BLOCK) {
            for (; r < r1 && r % GROUP != 0; r++) row(m, r, x, xOff, y, yOff);
            for (; r + GROUP <= r1; r += GROUP) {
                if (TWO_VECTORS_PER_BLOCK) group(m.data(), m.blocks(), m.groupBlock(r, 0), r, x, xOff, y, yOff);
                else if (FOUR_VECTORS_PER_BLOCK) group4Widened(m.data(), m.blocks(), m.groupBlock(r, 0), r, x, xOff, y, yOff);
                else group8(m.data(), m.blocks(), m.groupBlock(r, 0), r, x, xOff, y, yOff);
            }
        }
        for (; r < r1; r++) row(m, r, x, xOff, y, yOff);
    }

    /**
     * Whether 256-bit matvecs take {@link #group4} (weights shifted into place within each int)
     * or {@link #group4Widened} (each 8 bytes sign-extended across the vector). Shifted on all
     * but Intel cores: on the Zen 3 VM the 1.1B Q8_0 decode ran 12-31% faster at 1 thread and
     * 16-25% at 2 (bench/README.md, round 48). On Intel cores the sign extension has a port of its own, which
     * the shifts and conversions do not use, and no Intel AVX2 machine was at hand to measure, so
     * they keep the widened form. {@code -Dscans.q8Shifts=true} or {@code false} overrides it.
     */
    public static final boolean SHIFTS = Vectors.flagWhere(FOUR_VECTORS_PER_BLOCK, "scans.q8Shifts", !Vectors.INTEL);

    /** The top byte of an int: where {@link #group4} shifts each of an int's four weights. */
    private static final IntVector TOP_BYTE = IntVector.broadcast(Vectors.I, 0xFF000000);
    /** 2^-24, which undoes the 2^24 of a weight in an int's top byte, exactly (a power of two). */
    private static final float UNSHIFT = 0x1p-24f;
    /** Per thread, {@link #inShiftOrder}'s copy of the activations; grown, never shrunk. */
    private static final ThreadLocal<float[]> SHIFTED = ThreadLocal.withInitial(() -> new float[0]);

    /**
     * The activations of a 256-bit matvec in the order {@link #group4} takes a block's weights:
     * reading 32 bytes as 8 ints, lane j of its k-th vector is byte 4j + k of the block, so column
     * {@code 4j + k} of each block of 32 goes to place {@code 8k + j}, times {@link #UNSHIFT}.
     * One pass over the columns per call, against a pass over all the call's rows of weights.
     */
    static float[] inShiftOrder(float[] x, int xOff, int cols) {
        float[] xs = SHIFTED.get();
        if (xs.length < cols) SHIFTED.set(xs = new float[cols]);
        for (int b = 0; b < cols; b += BLOCK) {
            for (int k = 0; k < 4; k++) {
                for (int j = 0; j < 8; j++) xs[b + 8 * k + j] = x[xOff + b + 4 * j + k] * UNSHIFT;
            }
        }
        return xs;
    }

    /** {@link #group4}'s arithmetic for one row: the rows of a thread's range outside whole groups. */
    private static void rowShifted(Q8Matrix m, int r, float[] xs, float[] y, int yOff) {
        MemorySegment w = m.data();
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < m.blocks(); b++) {
            final int xb = b * BLOCK;
            IntVector v = IntVector.fromMemorySegment(Vectors.I, w, m.quantOffset(r, b), LE);
            FloatVector s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(FloatVector.fromArray(F, xs, xb));
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xs, xb + L), s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xs, xb + 2 * L), s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(FloatVector.fromArray(F, xs, xb + 3 * L), s);
            acc = s.fma(FloatVector.broadcast(F, m.scale(r, b)), acc);
        }
        y[yOff + r] = Vectors.sum(acc);
    }

    /** One row, any vector width. */
    private static void row(Q8Matrix m, int r, float[] x, int xOff, float[] y, int yOff) {
        MemorySegment w = m.data();
        boolean vector = B.length() <= BLOCK && BLOCK % B.length() == 0;
        FloatVector acc = FloatVector.zero(F);
        float tail = 0;
        for (int b = 0; b < m.blocks(); b++) {
            long q = m.quantOffset(r, b);
            float d = m.scale(r, b);
            int xb = xOff + b * BLOCK;
            if (vector) {
                FloatVector blockSum = FloatVector.zero(F);
                for (int j = 0; j < BLOCK; j += B.length()) {
                    ByteVector bytes = ByteVector.fromMemorySegment(B, w, q + j, LE);
                    blockSum = ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + j), blockSum);
                    if (!EXACT_BYTES) blockSum = ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 1)).fma(FloatVector.fromArray(F, x, xb + j + L), blockSum);
                }
                acc = blockSum.fma(FloatVector.broadcast(F, d), acc);
            } else {
                float s = 0;
                for (int j = 0; j < BLOCK; j++) s += w.get(ValueLayout.JAVA_BYTE, q + j) * x[xb + j];
                tail += d * s;
            }
        }
        y[yOff + r] = Vectors.sum(acc) + tail;
    }

    private static final long PAGE = 4096;

    /**
     * Bytes ahead of a group's stream at which {@link #group} and its narrower forms read one byte
     * of the page there, {@code -Dscans.q8TouchAhead} (whole 4 KiB pages up to 1 MiB; 0 turns it
     * off). The hardware prefetchers follow a stream only within a 4 KiB page, so each new page of
     * a group's blocks began with misses that the kernel waited on: on the Zen 5 VM the Q8_0 decode
     * read at 61-65% of a plain read's rate (bench/Q8Rates.java) while from L2 it ran faster than
     * that. One load a block at the page 16 KiB ahead starts each page early: the kernel from
     * memory went from 24-28 to 30-32 GB/s (86% of the read) and the 1.1B decode at 1 thread from
     * 19.1-19.5 to 23.0-24.7 tok/s (bench/README.md, round 46). The default is that distance with
     * 512-bit vectors on AMD cores, the one place it was measured to help; on the Zen 3 VM (256-bit
     * vectors, {@link #group4}) every distance from 4 to 64 KiB made its decode slower, 7.4 to
     * 5.6 tok/s, and Intel and ARM cores were not measured, so it is off there.
     */
    public static final long TOUCH_AHEAD = touchAhead(TWO_VECTORS_PER_BLOCK && !Vectors.INTEL ? 4 * PAGE : 0);

    private static long touchAhead(long otherwise) {
        String given = System.getProperty("scans.q8TouchAhead", "");
        if (given.isEmpty()) return otherwise;
        try {
            long bytes = Long.parseLong(given);
            if (bytes >= 0 && bytes <= 256 * PAGE && bytes % PAGE == 0) return bytes;
        } catch (NumberFormatException e) {
            // refused below, with the same message as a number out of range
        }
        throw new IllegalArgumentException("scans.q8TouchAhead must be a multiple of 4096 from 0 to 1048576, not " + given);
    }

    /**
     * The offset of the first byte of the page {@link #TOUCH_AHEAD} bytes past offset {@code o}
     * of a segment at address {@code base}, or the segment's last byte where that page lies past
     * it. At least {@code o}, as the distance is a page or more.
     */
    private static long pageAhead(long base, long o, long lastByte) {
        return Math.min(((base + o + TOUCH_AHEAD) & -PAGE) - base, lastByte);
    }

    /**
     * -0f, the one float that leaves every sum unchanged when added (+0f turns -0f into +0f), made
     * from the touched bytes so that the JIT keeps their loads: it cannot fold a float product by
     * zero, which is NaN for an infinite factor.
     */
    private static float unseen(int touched) {
        return -Math.abs(touched * 0f);
    }

    /*
     * The 8 rows of group r / 8, block by block: each activation vector loaded serves eight rows,
     * and the group's blocks are one sequential stream. Per block and row: two 16-byte loads
     * sign-extended and converted to floats, one multiply and one FMA against the activations,
     * then one FMA by the block's scale, broadcast from its float32. Written out in full (see
     * BF16Kernels.rows8 for why).
     */
    private static void group(MemorySegment w, int blocks, long o0, int r, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        final long base = w.address(), lastByte = w.byteSize() - 1;
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * GROUP_BLOCK_BYTES, q = o + QUANTS;
            if (TOUCH_AHEAD > 0) touched += w.get(ValueLayout.JAVA_BYTE, pageAhead(base, o, lastByte));
            final int xb = xOff + b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + L);
            FloatVector s;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a0 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o)), a0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a1 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 4)), a1);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a2 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 8)), a2);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a3 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 12)), a3);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a4 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 16)), a4);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a5 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 20)), a5);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a6 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 24)), a6);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            a7 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 28)), a7);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0, s1 = a1, s2 = a2, s3 = a3, s4 = a4, s5 = a5, s6 = a6, s7 = a7;
        if (L <= 16) {
            if (L > 8) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP8)); s1 = s1.add(s1.rearrange(Vectors.SWAP8));
                s2 = s2.add(s2.rearrange(Vectors.SWAP8)); s3 = s3.add(s3.rearrange(Vectors.SWAP8));
                s4 = s4.add(s4.rearrange(Vectors.SWAP8)); s5 = s5.add(s5.rearrange(Vectors.SWAP8));
                s6 = s6.add(s6.rearrange(Vectors.SWAP8)); s7 = s7.add(s7.rearrange(Vectors.SWAP8));
            }
            if (L > 4) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP4)); s1 = s1.add(s1.rearrange(Vectors.SWAP4));
                s2 = s2.add(s2.rearrange(Vectors.SWAP4)); s3 = s3.add(s3.rearrange(Vectors.SWAP4));
                s4 = s4.add(s4.rearrange(Vectors.SWAP4)); s5 = s5.add(s5.rearrange(Vectors.SWAP4));
                s6 = s6.add(s6.rearrange(Vectors.SWAP4)); s7 = s7.add(s7.rearrange(Vectors.SWAP4));
            }
            if (L > 2) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP2)); s1 = s1.add(s1.rearrange(Vectors.SWAP2));
                s2 = s2.add(s2.rearrange(Vectors.SWAP2)); s3 = s3.add(s3.rearrange(Vectors.SWAP2));
                s4 = s4.add(s4.rearrange(Vectors.SWAP2)); s5 = s5.add(s5.rearrange(Vectors.SWAP2));
                s6 = s6.add(s6.rearrange(Vectors.SWAP2)); s7 = s7.add(s7.rearrange(Vectors.SWAP2));
            }
            if (L > 1) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP1)); s1 = s1.add(s1.rearrange(Vectors.SWAP1));
                s2 = s2.add(s2.rearrange(Vectors.SWAP1)); s3 = s3.add(s3.rearrange(Vectors.SWAP1));
                s4 = s4.add(s4.rearrange(Vectors.SWAP1)); s5 = s5.add(s5.rearrange(Vectors.SWAP1));
                s6 = s6.add(s6.rearrange(Vectors.SWAP1)); s7 = s7.add(s7.rearrange(Vectors.SWAP1));
            }
            y[yOff + r] = s0.lane(0) + unseen(touched);
            y[yOff + r + 1] = s1.lane(0);
            y[yOff + r + 2] = s2.lane(0);
            y[yOff + r + 3] = s3.lane(0);
            y[yOff + r + 4] = s4.lane(0);
            y[yOff + r + 5] = s5.lane(0);
            y[yOff + r + 6] = s6.lane(0);
            y[yOff + r + 7] = s7.lane(0);
        } else {
            y[yOff + r] = Vectors.sum(s0) + unseen(touched);
            y[yOff + r + 1] = Vectors.sum(s1);
            y[yOff + r + 2] = Vectors.sum(s2);
            y[yOff + r + 3] = Vectors.sum(s3);
            y[yOff + r + 4] = Vectors.sum(s4);
            y[yOff + r + 5] = Vectors.sum(s5);
            y[yOff + r + 6] = Vectors.sum(s6);
            y[yOff + r + 7] = Vectors.sum(s7);
        }
    }

    /**
     * {@link #group} for blocks of four float vectors (256-bit vectors: AVX2 laptops), over the
     * activations in {@link #inShiftOrder}. A block's 32 weights are one 32-byte load as 8 ints,
     * and each of an int's four bytes goes to the top byte (a shift, a mask: {@code v << 24} for
     * byte 0, {@code v & TOP_BYTE} for byte 3), where the conversion to float gives the weight
     * times 2^24 exactly; the activations carry the 2^-24. So a block row is one load, six
     * in-lane integer operations and four conversions. The form before this one sign-extended
     * each 8 bytes with {@code vpmovsxbd}, which crosses the vector's 128-bit halves, after an
     * 8-byte load with a bounds check of its own: on the Zen 3 VM it ran at 9.8-10.5 GB/s from L2
     * (bench/Q8Rates.java), this one at 12.5-14.0, and the 1.1B Q8_0 decode went from 6.75-7.60
     * to 7.81-9.32 tok/s at 1 thread, 12.6-12.9 to 14.9-15.8 at 2 (bench/README.md, round 48).
     * Written out in full, as {@link #group} is. The mask is a static vector: broadcast from an
     * int at each use, it took C2's inlining past its node limit, and the scale loads became
     * calls. Each row's sum is {@link #rowShifted}'s, bit for bit.
     */
    private static void group4(MemorySegment w, int blocks, long o0, int r, float[] xs, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        final long base = w.address(), lastByte = w.byteSize() - 1;
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * GROUP_BLOCK_BYTES, q = o + QUANTS;
            if (TOUCH_AHEAD > 0) touched += w.get(ValueLayout.JAVA_BYTE, pageAhead(base, o, lastByte));
            final int xb = b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, xs, xb), x1 = FloatVector.fromArray(F, xs, xb + L);
            FloatVector x2 = FloatVector.fromArray(F, xs, xb + 2 * L), x3 = FloatVector.fromArray(F, xs, xb + 3 * L);
            IntVector v;
            FloatVector s;
            v = IntVector.fromMemorySegment(Vectors.I, w, q, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a0 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o)), a0);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 1 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a1 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 4)), a1);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 2 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a2 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 8)), a2);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 3 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a3 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 12)), a3);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 4 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a4 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 16)), a4);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 5 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a5 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 20)), a5);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 6 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a6 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 24)), a6);
            v = IntVector.fromMemorySegment(Vectors.I, w, q + 7 * BLOCK, LE);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 24).convert(VectorOperators.I2F, 0)).mul(x0);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 16).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x1, s);
            s = ((FloatVector) v.lanewise(VectorOperators.LSHL, 8).and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x2, s);
            s = ((FloatVector) v.and(TOP_BYTE).convert(VectorOperators.I2F, 0)).fma(x3, s);
            a7 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 28)), a7);
        }
        // Vectors.sum's tree for 8 lanes written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0, s1 = a1, s2 = a2, s3 = a3, s4 = a4, s5 = a5, s6 = a6, s7 = a7;
        s0 = s0.add(s0.rearrange(Vectors.SWAP4)); s1 = s1.add(s1.rearrange(Vectors.SWAP4)); s2 = s2.add(s2.rearrange(Vectors.SWAP4)); s3 = s3.add(s3.rearrange(Vectors.SWAP4));
        s4 = s4.add(s4.rearrange(Vectors.SWAP4)); s5 = s5.add(s5.rearrange(Vectors.SWAP4)); s6 = s6.add(s6.rearrange(Vectors.SWAP4)); s7 = s7.add(s7.rearrange(Vectors.SWAP4));
        s0 = s0.add(s0.rearrange(Vectors.SWAP2)); s1 = s1.add(s1.rearrange(Vectors.SWAP2)); s2 = s2.add(s2.rearrange(Vectors.SWAP2)); s3 = s3.add(s3.rearrange(Vectors.SWAP2));
        s4 = s4.add(s4.rearrange(Vectors.SWAP2)); s5 = s5.add(s5.rearrange(Vectors.SWAP2)); s6 = s6.add(s6.rearrange(Vectors.SWAP2)); s7 = s7.add(s7.rearrange(Vectors.SWAP2));
        s0 = s0.add(s0.rearrange(Vectors.SWAP1)); s1 = s1.add(s1.rearrange(Vectors.SWAP1)); s2 = s2.add(s2.rearrange(Vectors.SWAP1)); s3 = s3.add(s3.rearrange(Vectors.SWAP1));
        s4 = s4.add(s4.rearrange(Vectors.SWAP1)); s5 = s5.add(s5.rearrange(Vectors.SWAP1)); s6 = s6.add(s6.rearrange(Vectors.SWAP1)); s7 = s7.add(s7.rearrange(Vectors.SWAP1));
        y[yOff + r] = s0.lane(0) + unseen(touched);
        y[yOff + r + 1] = s1.lane(0);
        y[yOff + r + 2] = s2.lane(0);
        y[yOff + r + 3] = s3.lane(0);
        y[yOff + r + 4] = s4.lane(0);
        y[yOff + r + 5] = s5.lane(0);
        y[yOff + r + 6] = s6.lane(0);
        y[yOff + r + 7] = s7.lane(0);
    }

    /**
     * {@link #group} for blocks of four float vectors (256-bit vectors: AVX2 laptops) where
     * {@link #SHIFTS} is off: each 8 bytes sign-extended ({@code vpmovsxbd}) and converted. Until
     * it came, every Q8_0 row there went through {@link #row} on its own, eight passes over each
     * group's interleaved blocks: the decode ran at 21% of the read, 0.40× the BF16 decode beside
     * it (4.66 against 11.54 tok/s at 1 thread, `-XX:UseAVX=2`). Each row's sum is row()'s, bit for
     * bit.
     */
    private static void group4Widened(MemorySegment w, int blocks, long o0, int r, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        final long base = w.address(), lastByte = w.byteSize() - 1;
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * GROUP_BLOCK_BYTES, q = o + QUANTS;
            if (TOUCH_AHEAD > 0) touched += w.get(ValueLayout.JAVA_BYTE, pageAhead(base, o, lastByte));
            final int xb = xOff + b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + L);
            FloatVector x2 = FloatVector.fromArray(F, x, xb + 2 * L), x3 = FloatVector.fromArray(F, x, xb + 3 * L);
            FloatVector s;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a0 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 0)), a0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a1 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 4)), a1);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a2 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 8)), a2);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a3 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 12)), a3);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a4 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 16)), a4);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a5 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 20)), a5);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a6 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 24)), a6);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            a7 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 28)), a7);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0, s1 = a1, s2 = a2, s3 = a3, s4 = a4, s5 = a5, s6 = a6, s7 = a7;
        if (L <= 16) {
            if (L > 8) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP8)); s1 = s1.add(s1.rearrange(Vectors.SWAP8));
                s2 = s2.add(s2.rearrange(Vectors.SWAP8)); s3 = s3.add(s3.rearrange(Vectors.SWAP8));
                s4 = s4.add(s4.rearrange(Vectors.SWAP8)); s5 = s5.add(s5.rearrange(Vectors.SWAP8));
                s6 = s6.add(s6.rearrange(Vectors.SWAP8)); s7 = s7.add(s7.rearrange(Vectors.SWAP8));
            }
            if (L > 4) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP4)); s1 = s1.add(s1.rearrange(Vectors.SWAP4));
                s2 = s2.add(s2.rearrange(Vectors.SWAP4)); s3 = s3.add(s3.rearrange(Vectors.SWAP4));
                s4 = s4.add(s4.rearrange(Vectors.SWAP4)); s5 = s5.add(s5.rearrange(Vectors.SWAP4));
                s6 = s6.add(s6.rearrange(Vectors.SWAP4)); s7 = s7.add(s7.rearrange(Vectors.SWAP4));
            }
            if (L > 2) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP2)); s1 = s1.add(s1.rearrange(Vectors.SWAP2));
                s2 = s2.add(s2.rearrange(Vectors.SWAP2)); s3 = s3.add(s3.rearrange(Vectors.SWAP2));
                s4 = s4.add(s4.rearrange(Vectors.SWAP2)); s5 = s5.add(s5.rearrange(Vectors.SWAP2));
                s6 = s6.add(s6.rearrange(Vectors.SWAP2)); s7 = s7.add(s7.rearrange(Vectors.SWAP2));
            }
            if (L > 1) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP1)); s1 = s1.add(s1.rearrange(Vectors.SWAP1));
                s2 = s2.add(s2.rearrange(Vectors.SWAP1)); s3 = s3.add(s3.rearrange(Vectors.SWAP1));
                s4 = s4.add(s4.rearrange(Vectors.SWAP1)); s5 = s5.add(s5.rearrange(Vectors.SWAP1));
                s6 = s6.add(s6.rearrange(Vectors.SWAP1)); s7 = s7.add(s7.rearrange(Vectors.SWAP1));
            }
            y[yOff + r] = s0.lane(0) + unseen(touched);
            y[yOff + r + 1] = s1.lane(0);
            y[yOff + r + 2] = s2.lane(0);
            y[yOff + r + 3] = s3.lane(0);
            y[yOff + r + 4] = s4.lane(0);
            y[yOff + r + 5] = s5.lane(0);
            y[yOff + r + 6] = s6.lane(0);
            y[yOff + r + 7] = s7.lane(0);
        } else {
            y[yOff + r] = Vectors.sum(s0) + unseen(touched);
            y[yOff + r + 1] = Vectors.sum(s1);
            y[yOff + r + 2] = Vectors.sum(s2);
            y[yOff + r + 3] = Vectors.sum(s3);
            y[yOff + r + 4] = Vectors.sum(s4);
            y[yOff + r + 5] = Vectors.sum(s5);
            y[yOff + r + 6] = Vectors.sum(s6);
            y[yOff + r + 7] = Vectors.sum(s7);
        }
    }

    /**
     * {@link #group} for blocks of eight float vectors (128-bit vectors: NEON on Apple silicon and
     * other ARM machines). Until it came, every Q8_0 row there went through {@link #row} alone, as
     * with 256-bit vectors before {@link #group4}: on this x86 machine with 128-bit vectors
     * ({@code -XX:MaxVectorSize=16}) the Q8_0 decode of the 1.1B model ran at 0.70 tok/s against
     * 8.9 for BF16 on 1 thread (bench/README.md, round 21). A 64-bit load gives 8 bytes, of which
     * conversion part 0 widens the first four; so each four columns get a load of their own
     * (overlapping the next four, which come from the cache), and only the last four of a row's
     * block, whose load would run past it, take part 1 of the load before. With part 1 for every
     * second four instead, 6.7 against 7.8–7.9 tok/s. Each row's sum is row()'s, bit for bit.
     */
    private static void group8(MemorySegment w, int blocks, long o0, int r, float[] x, int xOff, float[] y, int yOff) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        final long base = w.address(), lastByte = w.byteSize() - 1;
        int touched = 0;
        for (int b = 0; b < blocks; b++) {
            final long o = o0 + (long) b * GROUP_BLOCK_BYTES, q = o + QUANTS;
            if (TOUCH_AHEAD > 0) touched += w.get(ValueLayout.JAVA_BYTE, pageAhead(base, o, lastByte));
            final int xb = xOff + b * BLOCK;
            FloatVector x0 = FloatVector.fromArray(F, x, xb), x1 = FloatVector.fromArray(F, x, xb + L);
            FloatVector x2 = FloatVector.fromArray(F, x, xb + 2 * L), x3 = FloatVector.fromArray(F, x, xb + 3 * L);
            FloatVector x4 = FloatVector.fromArray(F, x, xb + 4 * L), x5 = FloatVector.fromArray(F, x, xb + 5 * L);
            FloatVector x6 = FloatVector.fromArray(F, x, xb + 6 * L), x7 = FloatVector.fromArray(F, x, xb + 7 * L);
            ByteVector v;
            FloatVector s;
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a0 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o)), a0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 1 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a1 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 4)), a1);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 2 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a2 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 8)), a2);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 3 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a3 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 12)), a3);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 4 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a4 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 16)), a4);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 5 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a5 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 20)), a5);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 6 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a6 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 24)), a6);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK, LE).convertShape(VectorOperators.B2F, F, 0)).mul(x0);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 1 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x1, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 2 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x2, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 3 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x3, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 4 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x4, s);
            s = ((FloatVector) ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 5 * L, LE).convertShape(VectorOperators.B2F, F, 0)).fma(x5, s);
            v = ByteVector.fromMemorySegment(B, w, q + 7 * BLOCK + 6 * L, LE);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 0)).fma(x6, s);
            s = ((FloatVector) v.convertShape(VectorOperators.B2F, F, 1)).fma(x7, s);
            a7 = s.fma(FloatVector.broadcast(F, w.get(SCALE, o + 28)), a7);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0, s1 = a1, s2 = a2, s3 = a3, s4 = a4, s5 = a5, s6 = a6, s7 = a7;
        if (L <= 16) {
            if (L > 8) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP8)); s1 = s1.add(s1.rearrange(Vectors.SWAP8));
                s2 = s2.add(s2.rearrange(Vectors.SWAP8)); s3 = s3.add(s3.rearrange(Vectors.SWAP8));
                s4 = s4.add(s4.rearrange(Vectors.SWAP8)); s5 = s5.add(s5.rearrange(Vectors.SWAP8));
                s6 = s6.add(s6.rearrange(Vectors.SWAP8)); s7 = s7.add(s7.rearrange(Vectors.SWAP8));
            }
            if (L > 4) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP4)); s1 = s1.add(s1.rearrange(Vectors.SWAP4));
                s2 = s2.add(s2.rearrange(Vectors.SWAP4)); s3 = s3.add(s3.rearrange(Vectors.SWAP4));
                s4 = s4.add(s4.rearrange(Vectors.SWAP4)); s5 = s5.add(s5.rearrange(Vectors.SWAP4));
                s6 = s6.add(s6.rearrange(Vectors.SWAP4)); s7 = s7.add(s7.rearrange(Vectors.SWAP4));
            }
            if (L > 2) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP2)); s1 = s1.add(s1.rearrange(Vectors.SWAP2));
                s2 = s2.add(s2.rearrange(Vectors.SWAP2)); s3 = s3.add(s3.rearrange(Vectors.SWAP2));
                s4 = s4.add(s4.rearrange(Vectors.SWAP2)); s5 = s5.add(s5.rearrange(Vectors.SWAP2));
                s6 = s6.add(s6.rearrange(Vectors.SWAP2)); s7 = s7.add(s7.rearrange(Vectors.SWAP2));
            }
            if (L > 1) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP1)); s1 = s1.add(s1.rearrange(Vectors.SWAP1));
                s2 = s2.add(s2.rearrange(Vectors.SWAP1)); s3 = s3.add(s3.rearrange(Vectors.SWAP1));
                s4 = s4.add(s4.rearrange(Vectors.SWAP1)); s5 = s5.add(s5.rearrange(Vectors.SWAP1));
                s6 = s6.add(s6.rearrange(Vectors.SWAP1)); s7 = s7.add(s7.rearrange(Vectors.SWAP1));
            }
            y[yOff + r] = s0.lane(0) + unseen(touched);
            y[yOff + r + 1] = s1.lane(0);
            y[yOff + r + 2] = s2.lane(0);
            y[yOff + r + 3] = s3.lane(0);
            y[yOff + r + 4] = s4.lane(0);
            y[yOff + r + 5] = s5.lane(0);
            y[yOff + r + 6] = s6.lane(0);
            y[yOff + r + 7] = s7.lane(0);
        } else {
            y[yOff + r] = Vectors.sum(s0) + unseen(touched);
            y[yOff + r + 1] = Vectors.sum(s1);
            y[yOff + r + 2] = Vectors.sum(s2);
            y[yOff + r + 3] = Vectors.sum(s3);
            y[yOff + r + 4] = Vectors.sum(s4);
            y[yOff + r + 5] = Vectors.sum(s5);
            y[yOff + r + 6] = Vectors.sum(s6);
            y[yOff + r + 7] = Vectors.sum(s7);
        }
    }

    /** Token by token, for the few-token products below the panel threshold. */
    public static void matmul(Q8Matrix m, int r0, int r1, float[] x, int n, float[] out, int outStride) {
        for (int t = 0; t < n; t++) matvec(m, r0, r1, x, t * m.cols(), out, t * outStride);
    }

    /**
     * A scratch for {@link #gemm} with matrices up to {@code cols} wide: one group's rows as
     * floats. On the heap, not off it: C2 keeps a segment's liveness and bounds checks around
     * every store into it, which made {@link #dequantize} half of a batched step on the Zen 3 VM
     * (bench/README.md, round 48); array stores it checks once before the loop.
     */
    public static float[] newScratch(int cols) {
        return new float[scratchLength(cols)];
    }

    /** Floats of the scratch for matrices {@code cols} wide. */
    public static int scratchLength(int cols) {
        return GROUP * cols;
    }

    /**
     * As {@link BF16Kernels#gemm}: activations in {@link TokenPanels} layout, tiles of one group
     * (8 rows) × up to 32 tokens. Each group is first dequantized into {@code d} (from
     * {@link #newScratch}; exactly: an F16 scale times a byte fits a float), a vector
     * conversion per 16 weights, and the float32 microkernels then reuse every weight across the
     * block's tokens from the caches. Broadcasting {@code scale·byte} straight from the mapped
     * groups cost a scalar load, conversion and multiply per weight and ran prefill at a tenth of
     * BF16's speed.
     */
    public static void gemm(Q8Matrix m, int r0, int r1, float[] xt, int t0, int nt, float[] out, int outStride, float[] tile, float[] d) {
        MemorySegment w = m.data();
        final int nv = TokenPanels.vectors(nt);
        int r = r0;
        for (; r < r1 && r % GROUP != 0; r++) rowByTokens(m, r, xt, t0, nt, out, outStride);
        for (; r + GROUP <= r1; r += GROUP) {
            dequantize(w, m.groupBlock(r, 0), m.blocks(), d, m.cols());
            GroupTiles.tile(d, m.cols(), nv, xt, tile);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) rowByTokens(m, r, xt, t0, nt, out, outStride);
    }

    /**
     * {@code blocks} blocks of the group of 8 rows starting at byte {@code o} as floats:
     * {@code deq[i·stride + k]} = row i, column k. The eight rows are written out, not looped
     * over: with a loop over them, C2 kept a bounds computation of some twenty instructions
     * (saturating the long offsets with cmovs) around every load and store, read in its code with
     * bench/hsdis; written out, a compare and a branch. 16 Q8_0 sequences of the 1.1B model on
     * the Zen 3 VM, 2 threads: 42.9 and 44.5 tok/s against 38.1 and 38.6 (bench/README.md, round 49).
     */
    static void dequantize(MemorySegment w, long o, int blocks, float[] deq, int stride) {
        for (int b = 0; b < blocks; b++) {
            final long ob = o + (long) b * GROUP_BLOCK_BYTES;
            final int kb = BLOCK * b;
            dequantizeRow(w, ob, 0, deq, kb);
            dequantizeRow(w, ob, 1, deq, stride + kb);
            dequantizeRow(w, ob, 2, deq, 2 * stride + kb);
            dequantizeRow(w, ob, 3, deq, 3 * stride + kb);
            dequantizeRow(w, ob, 4, deq, 4 * stride + kb);
            dequantizeRow(w, ob, 5, deq, 5 * stride + kb);
            dequantizeRow(w, ob, 6, deq, 6 * stride + kb);
            dequantizeRow(w, ob, 7, deq, 7 * stride + kb);
        }
    }

    /** Row {@code i} of the group block at {@code ob} into {@code deq[at …]}: a scale times 32 bytes. */
    private static void dequantizeRow(MemorySegment w, long ob, int i, float[] deq, int at) {
        FloatVector d = FloatVector.broadcast(F, w.get(SCALE, ob + 4L * i));
        final long q = ob + QUANTS + (long) i * BLOCK;
        for (int j = 0; j < BLOCK; j += B.length()) {
            ByteVector bytes = ByteVector.fromMemorySegment(B, w, q + j, LE);
            ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(deq, at + j);
            if (!EXACT_BYTES) ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 1)).mul(d).intoArray(deq, at + j + L);
        }
    }

    /**
     * A scratch for {@link #gemmPairs}: one chunk of a group's columns, two floats per long, and
     * two cache lines spare at the end, so that the scratches of two threads allocated one after
     * the other never share a line.
     */
    public static long[] newPairScratch() {
        return new long[GROUP * PAIRS_CHUNK / 2 + 16];
    }

    /**
     * {@code blocks} blocks (at most a chunk's) of the group of 8 rows starting at byte {@code o}
     * as float pairs in {@code deq}, row i from {@code i·PAIR_ROW_LONGS}, every four columns in
     * the order (k, k+2, k+1, k+3), two floats per long, as {@link #pairTile4x16} broadcasts them.
     * Into a {@code long[]}, not an off-heap segment: stores to a segment may alias anything for
     * C2, which then kept the segments' class, liveness and bounds checks around every 16-weight
     * vector (about 40 scalar instructions); with typed array stores it hoists most of them. 16
     * sequences of the 1.1B model with Q8_0 weights, 10 runs each: median 54 → 69 tok/s
     * (bench/README.md, "Q8_0", round 9). The rows are a whole chunk apart whatever the chunk's
     * width, so every store's index is the row loop's counter times a constant plus an invariant:
     * with the chunk's width as the stride, C2 unrolled the row loop by two and kept a range check
     * and a multiply before every store; now its main loop runs four rows with none. 16 sequences,
     * one thread: 40.5–42.1 tok/s against 36.5–37.7 (bench/README.md, round 42). {@link
     * #dequantize} keeps a segment target because {@link #gemm}'s float32 tiles read a segment.
     */
    static void dequantizePairs(MemorySegment w, long o, int blocks, long[] deq) {
        for (int b = 0; b < blocks; b++) {
            // Every offset and index the loop counter times a constant plus an invariant, so that C2
            // can check them before the loop: with o stepped and (at + j) halved, a 2048 × 2048
            // matrix took 0.41–0.45 ms to dequantize, then 0.37 (bench/README.md, round 26).
            final long ob = o + (long) b * GROUP_BLOCK_BYTES;
            final int lb = b * (BLOCK / 2);
            for (int i = 0; i < GROUP; i++) {
                FloatVector d = FloatVector.broadcast(F, w.get(SCALE, ob + 4L * i));
                final long q = ob + QUANTS + (long) i * BLOCK;
                final int at = i * PAIR_ROW_LONGS + lb;
                for (int j = 0; j < BLOCK; j += B.length()) {
                    ByteVector bytes = ByteVector.fromMemorySegment(B, w, q + j, LE);
                    ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 0)).mul(d).rearrange(PAIR_ORDER).reinterpretAsLongs().intoArray(deq, at + j / 2);
                    if (!EXACT_BYTES) ((FloatVector) bytes.convertShape(VectorOperators.B2F, F, 1)).mul(d).rearrange(PAIR_ORDER).reinterpretAsLongs().intoArray(deq, at + (j + L) / 2);
                }
            }
        }
    }

    /**
     * As {@link #gemm} for a block of at most {@link TokenPanels#PAIR_TOKENS} tokens packed by
     * {@link TokenPanels#packPairs} (a batched-decoding step), as {@link BF16Kernels#gemmPairs}
     * does for BF16: each group is dequantized ({@link #dequantizePairs}, into {@code d} from
     * {@link #newPairScratch}) with every four columns in the order (k, k+2, k+1, k+3), so that
     * one 64-bit broadcast brings a row's two weights in the order the packed activations pair
     * them, and one broadcast serves two FMAs with no widening at all.
     */
    public static void gemmPairs(Q8Matrix m, int r0, int r1, MemorySegment xq, int t0, int nt, float[] out, int outStride, float[] tile, long[] d) {
        MemorySegment w = m.data();
        int r = r0;
        for (; r < r1 && r % GROUP != 0; r++) rowByPairs(m, r, xq, t0, nt, out, outStride);
        for (; r + GROUP <= r1; r += GROUP) {
            java.util.Arrays.fill(tile, 0, 2 * GROUP * L, 0f);
            for (int k0 = 0; k0 < m.cols(); k0 += PAIRS_CHUNK) {
                int kc = Math.min(PAIRS_CHUNK, m.cols() - k0);
                dequantizePairs(w, m.groupBlock(r, k0 / BLOCK), kc / BLOCK, d);
                if (Vectors.FEW_REGISTERS) pairTile8x16(d, kc, xq, VBYTES * k0, tile);
                else {
                    pairTile4x16(d, kc, 0, xq, VBYTES * k0, tile);
                    pairTile4x16(d, kc, 4, xq, VBYTES * k0, tile);
                }
            }
            TokenPanels.storePairs(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) rowByPairs(m, r, xq, t0, nt, out, outStride);
    }

    /**
     * Whether a block of at most {@link TokenPanels#PAIR_TOKENS} tokens of Q8_0 matrices (a
     * batched-decoding step) takes {@link #gemmPairs} (true) or {@link #gemm}: yes with 32 vector
     * registers, no with 16 (AVX2). There the pair tiles spill (see {@link #pairTile8x16}) and
     * {@link #gemm}'s 8-row tile over one vector of tokens does not: 8 sequences of the 1.1B model
     * on the Zen 3 VM, 2 threads, 29.8-32.8 tok/s against 14.6-15.2 (bench/README.md, round 49).
     * {@code -Dscans.q8Pairs=true} or {@code false} overrides it.
     */
    public static final boolean PAIRS = Vectors.flag("scans.q8Pairs", !Vectors.FEW_REGISTERS);

    /**
     * Whether full blocks of 16 tokens of Q8_0 matrices take {@link #gemmQuads} (true) or
     * {@link #gemmPairs}: yes on Intel cores with 16 lanes and byte permutes
     * ({@link Vectors#BYTE_PERMUTE}), where 16 sequences of the 1.1B model ran 12% faster with
     * it at 1 thread and 38% at 2 (bench/README.md, round 34). {@code -Dscans.q8Quads=true} or {@code false} overrides it;
     * true needs 16 lanes.
     */
    public static final boolean QUADS = Vectors.flagWhere(Vectors.LANES16, "scans.q8Quads", Vectors.INTEL && Vectors.BYTE_PERMUTE);

    /**
     * As {@link #gemmPairs} for a full block of 16 tokens packed by {@link TokenPanels#packQuads16}
     * ({@code xq}), straight from the quants, as BF16Kernels.gemmQuads runs its products: rows
     * {@code [r0, r1)} in 4-row tiles ({@link #tile4x16}), any rows left over one by one.
     */
    public static void gemmQuads(Q8Matrix m, int r0, int r1, MemorySegment xq, int t0, float[] out, int outStride) {
        if (!Vectors.LANES16) throw new IllegalStateException("gemmQuads needs 16 lanes, not " + L);
        final int cols = m.cols();
        Tiles.RowWeight weight = m::get;
        final int first = Math.min(r1, (r0 + 3) & ~3); // tiles start at rows 0 or 4 of a group
        Tiles.quadEdges(weight, cols, r0, r0, first, xq, t0, out, outStride);
        int r = first;
        for (; r + 4 <= r1; r += 4) tile4x16(m.data(), m.blocks(), m.groupBlock(r, 0), r % GROUP, xq, out, t0 * outStride + r, outStride);
        Tiles.quadEdges(weight, cols, r, r, r1, xq, t0, out, outStride);
    }

    /**
     * The microkernel of {@link #gemmQuads}: rows {@code i0 … i0 + 3} of the group whose first
     * group block is at {@code o0}, × the 16 tokens, sums written from {@code out[at]} (token j,
     * row i0 + i at {@code at + j·outStride + i}). Per row and eight columns: an 8-byte load of
     * the quants, zero-extended; one {@code vpermb} puts quant i & 7 in the top byte of int lane
     * i (zeros below: the int is q·2^24, sign and all); one conversion and one multiply by the
     * block's scale give q·d·2^24 exactly; two {@code vpermps} repeat the even and the odd ones
     * into each 128-bit lane. Five ops per eight FMAs, with no pass through a dequantized copy
     * ({@link #gemmPairs} dequantizes every group first and then broadcasts float pairs, one load
     * per two FMAs). The sums come out scaled by 2^-24. Written out in full (see BF16Kernels.rows8).
     */
    private static void tile4x16(MemorySegment w, int blocks, long o0, int i0, MemorySegment xq, float[] out, int at, int outStride) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int b = 0; b < blocks; b++) {
            final long ob = o0 + (long) b * GROUP_BLOCK_BYTES, sc = ob + 4L * i0, q = ob + QUANTS + (long) BLOCK * i0;
            final float s0 = w.get(SCALE, sc), s1 = w.get(SCALE, sc + 4), s2 = w.get(SCALE, sc + 8), s3 = w.get(SCALE, sc + 12);
            for (int c = 0; c < BLOCK; c += 8) {
                final long xb = VBYTES * ((long) BLOCK * b + c);
                FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xb + 0 * VBYTES, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xb + 1 * VBYTES, NATIVE), xe2 = FloatVector.fromMemorySegment(F, xq, xb + 2 * VBYTES, NATIVE), xe3 = FloatVector.fromMemorySegment(F, xq, xb + 3 * VBYTES, NATIVE);
                FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xb + 4 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xb + 5 * VBYTES, NATIVE), xo2 = FloatVector.fromMemorySegment(F, xq, xb + 6 * VBYTES, NATIVE), xo3 = FloatVector.fromMemorySegment(F, xq, xb + 7 * VBYTES, NATIVE);
                FloatVector v, e, d;
                v = ((FloatVector) ((ByteVector) ByteVector.fromMemorySegment(B64, w, q + 0 * BLOCK + c, LE).reinterpretShape(Vectors.B, 0))
                        .rearrange(TOP_BYTES).reinterpretAsInts().convert(VectorOperators.I2F, 0)).mul(s0);
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
                a00 = e.fma(xe0, a00); a00 = d.fma(xo0, a00); a01 = e.fma(xe1, a01); a01 = d.fma(xo1, a01); a02 = e.fma(xe2, a02); a02 = d.fma(xo2, a02); a03 = e.fma(xe3, a03); a03 = d.fma(xo3, a03);
                v = ((FloatVector) ((ByteVector) ByteVector.fromMemorySegment(B64, w, q + 1 * BLOCK + c, LE).reinterpretShape(Vectors.B, 0))
                        .rearrange(TOP_BYTES).reinterpretAsInts().convert(VectorOperators.I2F, 0)).mul(s1);
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
                a10 = e.fma(xe0, a10); a10 = d.fma(xo0, a10); a11 = e.fma(xe1, a11); a11 = d.fma(xo1, a11); a12 = e.fma(xe2, a12); a12 = d.fma(xo2, a12); a13 = e.fma(xe3, a13); a13 = d.fma(xo3, a13);
                v = ((FloatVector) ((ByteVector) ByteVector.fromMemorySegment(B64, w, q + 2 * BLOCK + c, LE).reinterpretShape(Vectors.B, 0))
                        .rearrange(TOP_BYTES).reinterpretAsInts().convert(VectorOperators.I2F, 0)).mul(s2);
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
                a20 = e.fma(xe0, a20); a20 = d.fma(xo0, a20); a21 = e.fma(xe1, a21); a21 = d.fma(xo1, a21); a22 = e.fma(xe2, a22); a22 = d.fma(xo2, a22); a23 = e.fma(xe3, a23); a23 = d.fma(xo3, a23);
                v = ((FloatVector) ((ByteVector) ByteVector.fromMemorySegment(B64, w, q + 3 * BLOCK + c, LE).reinterpretShape(Vectors.B, 0))
                        .rearrange(TOP_BYTES).reinterpretAsInts().convert(VectorOperators.I2F, 0)).mul(s3);
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
                a30 = e.fma(xe0, a30); a30 = d.fma(xo0, a30); a31 = e.fma(xe1, a31); a31 = d.fma(xo1, a31); a32 = e.fma(xe2, a32); a32 = d.fma(xo2, a32); a33 = e.fma(xe3, a33); a33 = d.fma(xo3, a33);
            }
        }
        // As BF16Kernels.tile4x16: per group of four tokens, lane 4t + r of v ends up holding row
        // r's sum for token t, then four masked stores; here scaled by 2^-24 on the way.
        final int s = outStride;
        for (int g = 0; ; g++) {
            FloatVector u01 = a00.blend(a10, Vectors.ODD1).add(a10.blend(a00, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector u23 = a20.blend(a30, Vectors.ODD1).add(a30.blend(a20, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector v = u01.blend(u23, Vectors.ODD2).add(u23.blend(u01, Vectors.ODD2).rearrange(Vectors.SWAP2)).mul(0x1p-24f);
            final int base = at + 4 * g * s;
            v.intoArray(out, base, Vectors.QUARTER_0); v.intoArray(out, base + s - 4, Vectors.QUARTER_1);
            v.intoArray(out, base + 2 * s - 8, Vectors.QUARTER_2); v.intoArray(out, base + 3 * s - 12, Vectors.QUARTER_3);
            if (g == 3) return;
            if (g == 0) { a00 = a01; a10 = a11; a20 = a21; a30 = a31; }
            else if (g == 1) { a00 = a02; a10 = a12; a20 = a22; a30 = a32; }
            else { a00 = a03; a10 = a13; a20 = a23; a30 = a33; }
        }
    }

    private static final VectorSpecies<Byte> B64 = ByteVector.SPECIES_64;
    /**
     * Byte j of the result: byte {@code (j >> 2) & 7} of a zero-extended 8-byte load where j is
     * the top byte of its int lane, byte 8 (a zero of the extension) elsewhere. The identity below
     * 16 lanes.
     */
    private static final VectorShuffle<Byte> TOP_BYTES = VectorShuffle.fromOp(Vectors.B, j -> !Vectors.LANES16 ? j : (j & 3) == 3 ? (j >> 2) & 7 : 8);

    /** One row against a {@link TokenPanels#packPairs} block, scalar: only the rows of a partly covered group. */
    private static void rowByPairs(Q8Matrix m, int r, MemorySegment xq, int t0, int nt, float[] out, int outStride) {
        for (int j = 0; j < nt; j++) {
            float s = 0;
            for (int k = 0; k < m.cols(); k++) s += m.get(r, k) * TokenPanels.pairAt(xq, m.cols(), k, j);
            out[(t0 + j) * outStride + r] = s;
        }
    }

    /**
     * The microkernel of {@link #gemmPairs}: rows {@code row0 … row0 + 3} of the {@code cols}
     * dequantized columns in {@code d} (from {@link #dequantizePairs}) × {@code L} tokens from
     * column offset {@code x0} of the packed block, added to those rows' vectors of {@code tile}
     * (the layout of {@link BF16Kernels#gemmPairs}'s tile); eight columns per iteration. Four
     * rows, called twice per group, rather than all eight: the 8-row tile broadcast 32 pairs per
     * iteration, and C2 scheduled every broadcast ahead of the FMAs, so its 16 accumulators lived
     * in stack slots, loaded and stored again in every iteration (read in its code with
     * {@code bench/hsdis}). Here 8 accumulators, 8 activation vectors and 16 broadcasts fill the 32
     * registers and nothing spills; the activations come twice from L1 instead of once. 16
     * sequences, one thread: 31.2–38.3 tok/s against 23.4–30.9 (bench/README.md, round 42).
     * Written out in full (see BF16Kernels.rows8).
     */
    private static void pairTile4x16(long[] d, int cols, int row0, MemorySegment xq, long x0, float[] tile) {
        final int rb = PAIR_ROW_LONGS;
        final int t = 2 * row0 * L;
        FloatVector c00 = FloatVector.fromArray(F, tile, t), c01 = FloatVector.fromArray(F, tile, t + L);
        FloatVector c10 = FloatVector.fromArray(F, tile, t + 2 * L), c11 = FloatVector.fromArray(F, tile, t + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, tile, t + 4 * L), c21 = FloatVector.fromArray(F, tile, t + 5 * L);
        FloatVector c30 = FloatVector.fromArray(F, tile, t + 6 * L), c31 = FloatVector.fromArray(F, tile, t + 7 * L);
        final int base = row0 * rb;
        final int na = (cols & ~7) / 2;
        for (int a = 0; a < na; a += 4) {
            final long xo = x0 + 2 * VBYTES * a; // 8 vectors per 8 columns
            final int b = base + a;
            FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xo, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xo + VBYTES, NATIVE);
            FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xo + 2 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xo + 3 * VBYTES, NATIVE);
            FloatVector ye0 = FloatVector.fromMemorySegment(F, xq, xo + 4 * VBYTES, NATIVE), ye1 = FloatVector.fromMemorySegment(F, xq, xo + 5 * VBYTES, NATIVE);
            FloatVector yo0 = FloatVector.fromMemorySegment(F, xq, xo + 6 * VBYTES, NATIVE), yo1 = FloatVector.fromMemorySegment(F, xq, xo + 7 * VBYTES, NATIVE);
            FloatVector e;
            e = LongVector.broadcast(LONGS, d[b]).reinterpretAsFloats(); c00 = e.fma(xe0, c00); c01 = e.fma(xe1, c01);
            e = LongVector.broadcast(LONGS, d[b + 1]).reinterpretAsFloats(); c00 = e.fma(xo0, c00); c01 = e.fma(xo1, c01);
            e = LongVector.broadcast(LONGS, d[b + 2]).reinterpretAsFloats(); c00 = e.fma(ye0, c00); c01 = e.fma(ye1, c01);
            e = LongVector.broadcast(LONGS, d[b + 3]).reinterpretAsFloats(); c00 = e.fma(yo0, c00); c01 = e.fma(yo1, c01);
            e = LongVector.broadcast(LONGS, d[b + 1 * rb]).reinterpretAsFloats(); c10 = e.fma(xe0, c10); c11 = e.fma(xe1, c11);
            e = LongVector.broadcast(LONGS, d[b + 1 * rb + 1]).reinterpretAsFloats(); c10 = e.fma(xo0, c10); c11 = e.fma(xo1, c11);
            e = LongVector.broadcast(LONGS, d[b + 1 * rb + 2]).reinterpretAsFloats(); c10 = e.fma(ye0, c10); c11 = e.fma(ye1, c11);
            e = LongVector.broadcast(LONGS, d[b + 1 * rb + 3]).reinterpretAsFloats(); c10 = e.fma(yo0, c10); c11 = e.fma(yo1, c11);
            e = LongVector.broadcast(LONGS, d[b + 2 * rb]).reinterpretAsFloats(); c20 = e.fma(xe0, c20); c21 = e.fma(xe1, c21);
            e = LongVector.broadcast(LONGS, d[b + 2 * rb + 1]).reinterpretAsFloats(); c20 = e.fma(xo0, c20); c21 = e.fma(xo1, c21);
            e = LongVector.broadcast(LONGS, d[b + 2 * rb + 2]).reinterpretAsFloats(); c20 = e.fma(ye0, c20); c21 = e.fma(ye1, c21);
            e = LongVector.broadcast(LONGS, d[b + 2 * rb + 3]).reinterpretAsFloats(); c20 = e.fma(yo0, c20); c21 = e.fma(yo1, c21);
            e = LongVector.broadcast(LONGS, d[b + 3 * rb]).reinterpretAsFloats(); c30 = e.fma(xe0, c30); c31 = e.fma(xe1, c31);
            e = LongVector.broadcast(LONGS, d[b + 3 * rb + 1]).reinterpretAsFloats(); c30 = e.fma(xo0, c30); c31 = e.fma(xo1, c31);
            e = LongVector.broadcast(LONGS, d[b + 3 * rb + 2]).reinterpretAsFloats(); c30 = e.fma(ye0, c30); c31 = e.fma(ye1, c31);
            e = LongVector.broadcast(LONGS, d[b + 3 * rb + 3]).reinterpretAsFloats(); c30 = e.fma(yo0, c30); c31 = e.fma(yo1, c31);
        }
        c00.intoArray(tile, t); c01.intoArray(tile, t + L);
        c10.intoArray(tile, t + 2 * L); c11.intoArray(tile, t + 3 * L);
        c20.intoArray(tile, t + 4 * L); c21.intoArray(tile, t + 5 * L);
        c30.intoArray(tile, t + 6 * L); c31.intoArray(tile, t + 7 * L);
    }

    /**
     * {@link #pairTile4x16} for all eight rows of the group at once, where the cores have 16
     * vector registers ({@link Vectors#FEW_REGISTERS}: AVX2). There both tiles spill, and with
     * 256-bit vectors and 8 sequences the 4-row one ran slower: 10.81–11.85 tok/s against
     * 12.21–14.46 with this one and 13.10–16.00 before round 42 ({@code -XX:UseAVX=2}, 1 thread;
     * bench/README.md, round 42). Since round 49 such cores take {@link #gemm} instead, which
     * does not spill ({@link #PAIRS}); this tile runs only where {@code -Dscans.q8Pairs=true}.
     * Written out in full (see BF16Kernels.rows8).
     */
    private static void pairTile8x16(long[] d, int cols, MemorySegment xq, long x0, float[] tile) {
        final int rb = PAIR_ROW_LONGS;
        FloatVector c00 = FloatVector.fromArray(F, tile, 0 * L), c01 = FloatVector.fromArray(F, tile, 1 * L);
        FloatVector c10 = FloatVector.fromArray(F, tile, 2 * L), c11 = FloatVector.fromArray(F, tile, 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, tile, 4 * L), c21 = FloatVector.fromArray(F, tile, 5 * L);
        FloatVector c30 = FloatVector.fromArray(F, tile, 6 * L), c31 = FloatVector.fromArray(F, tile, 7 * L);
        FloatVector c40 = FloatVector.fromArray(F, tile, 8 * L), c41 = FloatVector.fromArray(F, tile, 9 * L);
        FloatVector c50 = FloatVector.fromArray(F, tile, 10 * L), c51 = FloatVector.fromArray(F, tile, 11 * L);
        FloatVector c60 = FloatVector.fromArray(F, tile, 12 * L), c61 = FloatVector.fromArray(F, tile, 13 * L);
        FloatVector c70 = FloatVector.fromArray(F, tile, 14 * L), c71 = FloatVector.fromArray(F, tile, 15 * L);
        // The loop counts longs, not columns: with every index the counter plus a loop invariant,
        // C2 proves all 32 broadcasts in range before the loop (counting columns left two bounds
        // checks per row in the loop body).
        final int na = (cols & ~7) / 2; // whole groups of eight columns, as BF16Kernels.tile8x16
        for (int a = 0; a < na; a += 4) {
            final long xo = x0 + 2 * VBYTES * a; // 8 vectors per 8 columns
            FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xo, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xo + VBYTES, NATIVE);
            FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xo + 2 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xo + 3 * VBYTES, NATIVE);
            FloatVector ye0 = FloatVector.fromMemorySegment(F, xq, xo + 4 * VBYTES, NATIVE), ye1 = FloatVector.fromMemorySegment(F, xq, xo + 5 * VBYTES, NATIVE);
            FloatVector yo0 = FloatVector.fromMemorySegment(F, xq, xo + 6 * VBYTES, NATIVE), yo1 = FloatVector.fromMemorySegment(F, xq, xo + 7 * VBYTES, NATIVE);
            FloatVector e;
            e = LongVector.broadcast(LONGS, d[a]).reinterpretAsFloats(); c00 = e.fma(xe0, c00); c01 = e.fma(xe1, c01);
            e = LongVector.broadcast(LONGS, d[a + 1]).reinterpretAsFloats(); c00 = e.fma(xo0, c00); c01 = e.fma(xo1, c01);
            e = LongVector.broadcast(LONGS, d[a + 2]).reinterpretAsFloats(); c00 = e.fma(ye0, c00); c01 = e.fma(ye1, c01);
            e = LongVector.broadcast(LONGS, d[a + 3]).reinterpretAsFloats(); c00 = e.fma(yo0, c00); c01 = e.fma(yo1, c01);
            e = LongVector.broadcast(LONGS, d[a + rb]).reinterpretAsFloats(); c10 = e.fma(xe0, c10); c11 = e.fma(xe1, c11);
            e = LongVector.broadcast(LONGS, d[a + rb + 1]).reinterpretAsFloats(); c10 = e.fma(xo0, c10); c11 = e.fma(xo1, c11);
            e = LongVector.broadcast(LONGS, d[a + rb + 2]).reinterpretAsFloats(); c10 = e.fma(ye0, c10); c11 = e.fma(ye1, c11);
            e = LongVector.broadcast(LONGS, d[a + rb + 3]).reinterpretAsFloats(); c10 = e.fma(yo0, c10); c11 = e.fma(yo1, c11);
            e = LongVector.broadcast(LONGS, d[a + 2 * rb]).reinterpretAsFloats(); c20 = e.fma(xe0, c20); c21 = e.fma(xe1, c21);
            e = LongVector.broadcast(LONGS, d[a + 2 * rb + 1]).reinterpretAsFloats(); c20 = e.fma(xo0, c20); c21 = e.fma(xo1, c21);
            e = LongVector.broadcast(LONGS, d[a + 2 * rb + 2]).reinterpretAsFloats(); c20 = e.fma(ye0, c20); c21 = e.fma(ye1, c21);
            e = LongVector.broadcast(LONGS, d[a + 2 * rb + 3]).reinterpretAsFloats(); c20 = e.fma(yo0, c20); c21 = e.fma(yo1, c21);
            e = LongVector.broadcast(LONGS, d[a + 3 * rb]).reinterpretAsFloats(); c30 = e.fma(xe0, c30); c31 = e.fma(xe1, c31);
            e = LongVector.broadcast(LONGS, d[a + 3 * rb + 1]).reinterpretAsFloats(); c30 = e.fma(xo0, c30); c31 = e.fma(xo1, c31);
            e = LongVector.broadcast(LONGS, d[a + 3 * rb + 2]).reinterpretAsFloats(); c30 = e.fma(ye0, c30); c31 = e.fma(ye1, c31);
            e = LongVector.broadcast(LONGS, d[a + 3 * rb + 3]).reinterpretAsFloats(); c30 = e.fma(yo0, c30); c31 = e.fma(yo1, c31);
            e = LongVector.broadcast(LONGS, d[a + 4 * rb]).reinterpretAsFloats(); c40 = e.fma(xe0, c40); c41 = e.fma(xe1, c41);
            e = LongVector.broadcast(LONGS, d[a + 4 * rb + 1]).reinterpretAsFloats(); c40 = e.fma(xo0, c40); c41 = e.fma(xo1, c41);
            e = LongVector.broadcast(LONGS, d[a + 4 * rb + 2]).reinterpretAsFloats(); c40 = e.fma(ye0, c40); c41 = e.fma(ye1, c41);
            e = LongVector.broadcast(LONGS, d[a + 4 * rb + 3]).reinterpretAsFloats(); c40 = e.fma(yo0, c40); c41 = e.fma(yo1, c41);
            e = LongVector.broadcast(LONGS, d[a + 5 * rb]).reinterpretAsFloats(); c50 = e.fma(xe0, c50); c51 = e.fma(xe1, c51);
            e = LongVector.broadcast(LONGS, d[a + 5 * rb + 1]).reinterpretAsFloats(); c50 = e.fma(xo0, c50); c51 = e.fma(xo1, c51);
            e = LongVector.broadcast(LONGS, d[a + 5 * rb + 2]).reinterpretAsFloats(); c50 = e.fma(ye0, c50); c51 = e.fma(ye1, c51);
            e = LongVector.broadcast(LONGS, d[a + 5 * rb + 3]).reinterpretAsFloats(); c50 = e.fma(yo0, c50); c51 = e.fma(yo1, c51);
            e = LongVector.broadcast(LONGS, d[a + 6 * rb]).reinterpretAsFloats(); c60 = e.fma(xe0, c60); c61 = e.fma(xe1, c61);
            e = LongVector.broadcast(LONGS, d[a + 6 * rb + 1]).reinterpretAsFloats(); c60 = e.fma(xo0, c60); c61 = e.fma(xo1, c61);
            e = LongVector.broadcast(LONGS, d[a + 6 * rb + 2]).reinterpretAsFloats(); c60 = e.fma(ye0, c60); c61 = e.fma(ye1, c61);
            e = LongVector.broadcast(LONGS, d[a + 6 * rb + 3]).reinterpretAsFloats(); c60 = e.fma(yo0, c60); c61 = e.fma(yo1, c61);
            e = LongVector.broadcast(LONGS, d[a + 7 * rb]).reinterpretAsFloats(); c70 = e.fma(xe0, c70); c71 = e.fma(xe1, c71);
            e = LongVector.broadcast(LONGS, d[a + 7 * rb + 1]).reinterpretAsFloats(); c70 = e.fma(xo0, c70); c71 = e.fma(xo1, c71);
            e = LongVector.broadcast(LONGS, d[a + 7 * rb + 2]).reinterpretAsFloats(); c70 = e.fma(ye0, c70); c71 = e.fma(ye1, c71);
            e = LongVector.broadcast(LONGS, d[a + 7 * rb + 3]).reinterpretAsFloats(); c70 = e.fma(yo0, c70); c71 = e.fma(yo1, c71);
        }
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L); c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L); c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L); c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L); c71.intoArray(tile, 15 * L);
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
