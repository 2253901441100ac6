package org.scans.engine.kernel;

import static org.scans.engine.kernel.TokenPanels.WIDTH;
import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.I;
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
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;

/**
 * Matrix products with bfloat16 weights and float32 activations in {@link PairedLayout}. One
 * int-vector load brings {@code 2L} weights; the even ones widen with a shift, the odd ones with
 * a mask, and both meet their activations in an FMA. Rows are reduced once, at the end.
 */
public final class BF16Kernels {
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    /** Longs of the float vectors' width: a 64-bit broadcast is four BF16 weights. */
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, VectorShape.forBitSize(F.vectorBitSize()));
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
     * layout from {@code xOff}. Decoding is bound by how fast the weights stream in, so rows go
     * eight at a time: each activation vector loaded serves eight rows, and sixteen independent
     * accumulators keep enough loads in flight to approach the read bandwidth of one core.
     */
    public static void matvec(MemorySegment w, int cols, int r0, int r1, float[] xp, int xOff, float[] y, int yOff) {
        tiles(w, cols, 0, cols / (2 * L) * (2 * L), r0, r1, xp, xOff, xp, xOff, y, yOff, true);
    }

    /**
     * {@link #matvec} with aligned loads where the rows are not on a vector boundary: {@code lead}
     * is {@link RowLead#of} the matrix and {@code led} holds x as {@link PairedLayout#pairLed} lays
     * it out for that lead (used only when the lead is not 0), {@code xp} as for {@link #matvec}.
     * The matrix's first and last rows, which a led row's blocks would read past, take the
     * ordinary kernel. The same products, summed in another order. A led row's first and last
     * blocks read the neighbouring rows' weights against zero activations, which makes NaN of
     * an infinite one: only for matrices that {@link #finite} says hold none.
     */
    public static void matvec(MemorySegment w, int cols, int lead, int r0, int r1, float[] xp, float[] led, float[] y) {
        if (lead == 0) {
            matvec(w, cols, r0, r1, xp, 0, y, 0);
            return;
        }
        final int rows = (int) (w.byteSize() / (2L * cols)), last = rows - 1;
        final int height = Vectors.FEW_REGISTERS ? 4 : 8, full = cols / (2 * L) * (2 * L);
        int a = Math.max(r0, 1), z = Math.min(r1, last);
        // The first and last rows cannot be read led (their blocks would reach past the matrix):
        // with their whole tile, unled, where the range holds it (RowLead), else alone. One at a
        // time, each of those two rows started a cold stream of its own, and the two took about 1%
        // of a one-thread decode's samples on the 1.1B shape (bench/README.md, round 63).
        if (RowLead.firstTileUnled(rows, height, r0, r1)) {
            tiles(w, cols, 0, full, 0, height, xp, 0, xp, 0, y, 0, true);
            a = height;
        } else if (r0 == 0) row(w, cols, 0, xp, 0, y, 0);
        if (RowLead.lastTileUnled(rows, height, r0, r1)) {
            tiles(w, cols, 0, full, rows - height, rows, xp, 0, xp, 0, y, 0, true);
            z = rows - height;
        } else if (r1 == rows) row(w, cols, last, xp, 0, y, 0);
        tiles(w, cols, lead, RowLead.span(cols, lead), a, z, led, 0, xp, 0, y, 0, true);
    }

    /**
     * Rows {@code [r0, r1)} in tiles, each row read from {@code lead} columns before its start over
     * {@code span} columns of {@code xs}. The rows past the tiles go through the tile kernel too in
     * a {@code decode}, else one by one on {@code xp}.
     */
    private static void tiles(MemorySegment w, int cols, int lead, int span, int r0, int r1, float[] xs, int xsOff, float[] xp, int xOff,
            float[] y, int yOff, boolean decode) {
        // Tile t takes rows r0 + t + j·tiles, j below the tile's height (see rows8): four rows where
        // there are only 16 vector registers (see rows4), else eight.
        final int height = Vectors.FEW_REGISTERS ? 4 : 8;
        final int tiles = Math.max(r1 - r0, 0) / height;
        for (int t = 0; t < tiles; t++) {
            if (height == 4) rows4(w, cols, lead, span, r0 + t, tiles, xs, xsOff, y, yOff);
            else rows8(w, cols, lead, span, r0 + t, tiles, xs, xsOff, y, yOff);
        }
        if (r0 + height * tiles == r1) return;
        // In a decode ({@code decode}) the rows past the tiles go through the tile kernel too:
        // one more tile over the range's last rows, adjacent, which writes again the same sums
        // for the rows the tiles already took (a row's sum does not depend on its tile), or, in a
        // range shorter than a tile, a tile of one row taken height times (s = 0). One by one,
        // through row(), they took 1.2% of a one-thread decode's samples on the 1.1B shape, whose
        // matrices are led (the first and last rows go apart, which leaves six rows over; the
        // first and last chunk of a matrix leave seven each at 2 threads); and a row summed by
        // row() has other bits than in a tile, so which rows it took depended on how the threads
        // split the range (bench/README.md, round 63). matmul's few rows per token keep row():
        // there every call is shorter than a tile.
        if (decode && tiles > 0) {
            if (height == 4) rows4(w, cols, lead, span, r1 - height, 1, xs, xsOff, y, yOff);
            else rows8(w, cols, lead, span, r1 - height, 1, xs, xsOff, y, yOff);
        } else if (decode) {
            for (int r = r0; r < r1; r++) {
                if (height == 4) rows4(w, cols, lead, span, r, 0, xs, xsOff, y, yOff);
                else rows8(w, cols, lead, span, r, 0, xs, xsOff, y, yOff);
            }
        } else {
            for (int r = r0 + height * tiles; r < r1; r++) row(w, cols, r, xp, xOff, y, yOff);
        }
    }

    /**
     * Shorts of the float vectors' width, for {@link #finite}. A static final: as a local, the
     * species was not a constant in every C2 compile, and in the warm-up's the scan's vector ops
     * ran the Vector API's Java fallback, allocating, so the warm-up never saw its rounds stop
     * allocating and always ran to its time limit (bench/README.md, round 41).
     */
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize()));

    /**
     * Whether rows {@code [r0, r1)} of a BF16 matrix hold no infinity and no NaN (exponent field
     * all ones), the condition for reading its rows led ({@link RowLead}).
     */
    public static boolean finite(MemorySegment w, int cols, int r0, int r1) {
        final long from = (long) r0 * cols * 2, to = (long) r1 * cols * 2, step = Vectors.VBYTES;
        final long full = from + (to - from) / step * step;
        VectorMask<Short> bad = SHORTS.maskAll(false);
        for (long o = from; o < full; o += step) {
            bad = bad.or(ShortVector.fromMemorySegment(SHORTS, w, o, LE).and((short) 0x7F80).compare(VectorOperators.EQ, (short) 0x7F80));
        }
        if (bad.anyTrue()) return false;
        for (long o = full; o < to; o += 2) {
            if ((w.get(SHORT, o) & 0x7F80) == 0x7F80) return false;
        }
        return true;
    }

    /*
     * The widening is written out in place (no even()/odd() calls) on purpose: C2 stops inlining
     * ordinary methods once a compilation passes NodeCountInliningCutoff, and a Vector API call
     * left out of line boxes its vectors and runs five times slower. JDK methods marked
     * @ForceInline are exempt, so the kernel consists only of those.
     *
     * The eight rows are r, r + s, …, r + 7s, not eight adjacent ones: matvec walks tiles t = 0 …
     * s−1 of its range, so each of the eight row streams runs on, tile after tile, through s
     * consecutive rows of memory. The hardware prefetchers then follow eight long sequential
     * streams, where adjacent rows started eight new 4–22 KB streams cold at every tile (see
     * bench/README.md, "Decode", round 13: end to end, F16 at 2 threads +10–18%, BF16 at 1 thread
     * +12–21%, the others level). Each row's sum is computed as before, bit for bit.
     */
    private static void rows8(MemorySegment w, int cols, int lead, int span, int r, int s, float[] xp, int xOff, float[] y, int yOff) {
        final int b = 2 * L;
        final long rb = cols * 2L * s; // from one of the tile's rows to the next: s rows of memory
        final long o0 = r * (cols * 2L) - 2L * lead;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < span; k += b) {
            FloatVector xe = FloatVector.fromArray(F, xp, xOff + k), xo = FloatVector.fromArray(F, xp, xOff + k + L);
            long o = o0 + 2L * k;
            IntVector p0 = IntVector.fromMemorySegment(I, w, o, LE);
            IntVector p1 = IntVector.fromMemorySegment(I, w, o + rb, LE);
            IntVector p2 = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            IntVector p3 = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            IntVector p4 = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            IntVector p5 = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            IntVector p6 = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            IntVector p7 = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            a0 = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
            c0 = p0.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c0);
            a1 = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1);
            c1 = p1.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c1);
            a2 = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2);
            c2 = p2.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c2);
            a3 = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3);
            c3 = p3.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c3);
            a4 = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a4);
            c4 = p4.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c4);
            a5 = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a5);
            c5 = p5.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c5);
            a6 = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a6);
            c6 = p6.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c6);
            a7 = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a7);
            c7 = p7.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c7);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0.add(c0), s1 = a1.add(c1), s2 = a2.add(c2), s3 = a3.add(c3), s4 = a4.add(c4), s5 = a5.add(c5), s6 = a6.add(c6), s7 = a7.add(c7);
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
            y[yOff + r] = s0.lane(0);
            y[yOff + r + 1 * s] = s1.lane(0);
            y[yOff + r + 2 * s] = s2.lane(0);
            y[yOff + r + 3 * s] = s3.lane(0);
            y[yOff + r + 4 * s] = s4.lane(0);
            y[yOff + r + 5 * s] = s5.lane(0);
            y[yOff + r + 6 * s] = s6.lane(0);
            y[yOff + r + 7 * s] = s7.lane(0);
        } else {
            y[yOff + r] = Vectors.sum(s0);
            y[yOff + r + 1 * s] = Vectors.sum(s1);
            y[yOff + r + 2 * s] = Vectors.sum(s2);
            y[yOff + r + 3 * s] = Vectors.sum(s3);
            y[yOff + r + 4 * s] = Vectors.sum(s4);
            y[yOff + r + 5 * s] = Vectors.sum(s5);
            y[yOff + r + 6 * s] = Vectors.sum(s6);
            y[yOff + r + 7 * s] = Vectors.sum(s7);
        }
        if (span < cols) tail(w, cols, span, r, Math.max(s, 1), s == 0 ? 1 : 8, xp, xOff, y, yOff); // s = 0: row r alone (see tiles)
    }

    /**
     * {@link #rows8} with four rows, r, r + s, r + 2s, r + 3s, for 16 vector registers
     * ({@link Vectors#FEW_REGISTERS}): there the eight rows' 16 accumulators spill to the stack
     * (a load and a store around most FMAs in C2's code), and the decode ran at 64–80% of the read
     * where llama.cpp's AVX2 build reaches it. Four rows keep 8 accumulators in registers: one
     * JVM, 8-row and 4-row tiles alternating (tg64, 1.1B shape, `-XX:UseAVX=2`, 6 rounds each),
     * BF16 at 1 thread 6.2–7.9 against 7.9–9.7 tok/s, at 2 threads 13.1–15.3 against 14.1–19.8.
     * With 32 registers the eight rows stay faster for BF16 (9.3–10.0 against 7.6–8.6 at 1
     * thread), so this is only for the narrow register file. Each row's sum is the same as
     * rows8's, bit for bit.
     */
    private static void rows4(MemorySegment w, int cols, int lead, int span, int r, int s, float[] xp, int xOff, float[] y, int yOff) {
        final int b = 2 * L;
        final long rb = cols * 2L * s;
        final long o0 = r * (cols * 2L) - 2L * lead;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int k = 0; k < span; k += b) {
            FloatVector xe = FloatVector.fromArray(F, xp, xOff + k), xo = FloatVector.fromArray(F, xp, xOff + k + L);
            final long o = o0 + 2L * k;
            IntVector p;
            p = IntVector.fromMemorySegment(I, w, o, LE);
            a0 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a0);
            c0 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c0);
            p = IntVector.fromMemorySegment(I, w, o + rb, LE);
            a1 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a1);
            c1 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c1);
            p = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            a2 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a2);
            c2 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c2);
            p = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            a3 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a3);
            c3 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c3);
        }
        // Vectors.sum's tree written out, so that no vector is boxed (see Vectors.SWAP8).
        FloatVector s0 = a0.add(c0), s1 = a1.add(c1), s2 = a2.add(c2), s3 = a3.add(c3);
        if (L <= 16) {
            if (L > 8) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP8)); s1 = s1.add(s1.rearrange(Vectors.SWAP8));
                s2 = s2.add(s2.rearrange(Vectors.SWAP8)); s3 = s3.add(s3.rearrange(Vectors.SWAP8));
            }
            if (L > 4) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP4)); s1 = s1.add(s1.rearrange(Vectors.SWAP4));
                s2 = s2.add(s2.rearrange(Vectors.SWAP4)); s3 = s3.add(s3.rearrange(Vectors.SWAP4));
            }
            if (L > 2) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP2)); s1 = s1.add(s1.rearrange(Vectors.SWAP2));
                s2 = s2.add(s2.rearrange(Vectors.SWAP2)); s3 = s3.add(s3.rearrange(Vectors.SWAP2));
            }
            if (L > 1) {
                s0 = s0.add(s0.rearrange(Vectors.SWAP1)); s1 = s1.add(s1.rearrange(Vectors.SWAP1));
                s2 = s2.add(s2.rearrange(Vectors.SWAP1)); s3 = s3.add(s3.rearrange(Vectors.SWAP1));
            }
            y[yOff + r] = s0.lane(0);
            y[yOff + r + s] = s1.lane(0);
            y[yOff + r + 2 * s] = s2.lane(0);
            y[yOff + r + 3 * s] = s3.lane(0);
        } else {
            y[yOff + r] = Vectors.sum(s0);
            y[yOff + r + s] = Vectors.sum(s1);
            y[yOff + r + 2 * s] = Vectors.sum(s2);
            y[yOff + r + 3 * s] = Vectors.sum(s3);
        }
        if (span < cols) tail(w, cols, span, r, Math.max(s, 1), s == 0 ? 1 : 4, xp, xOff, y, yOff); // s = 0: row r alone (see tiles)
    }

    /** Adds the columns {@code [full, cols)} of the {@code rows} rows r, r + s, r + 2s, …, which no vector covered. */
    private static void tail(MemorySegment w, int cols, int full, int r, int s, int rows, float[] xp, int xOff, float[] y, int yOff) {
        for (int i = r; i < r + rows * s; i += s) {
            long rowOff = (long) i * cols * 2;
            float sum = 0;
            for (int k = full; k < cols; k++) sum += scalar(w, rowOff, k) * xp[xOff + k];
            y[yOff + i] += sum;
        }
    }

    /** One row, four accumulators: the rows left over after the blocks of eight. */
    private static void row(MemorySegment w, int cols, int r, float[] xp, int xOff, float[] y, int yOff) {
        final int b = 2 * L;
        final int full = cols / b * b;
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
        float sum = Vectors.sum(a0.add(a1).add(a2.add(a3)));
        for (; k < cols; k++) sum += scalar(w, rowOff, k) * xp[xOff + k];
        y[yOff + r] = sum;
    }

    /**
     * {@code out[t·outStride + r] = Σ_k W[r, k]·x_t[k]} for rows {@code [r0, r1)} and tokens
     * {@code [0, n)}, with {@code x_t} at {@code xp[t·cols …]} in paired layout. Tiles of 4 rows ×
     * 4 tokens keep 16 accumulators in registers, so each weight vector loaded feeds 4 tokens.
     */
    public static void matmul(MemorySegment w, int cols, int r0, int r1, float[] xp, int n, float[] out, int outStride) {
        final int full = cols / (2 * L) * (2 * L);
        for (int tc = 0; tc < n; tc += TOKEN_CHUNK) {
            int tEnd = Math.min(n, tc + TOKEN_CHUNK);
            int r = r0;
            for (; r + 4 <= r1; r += 4) {
                int t = tc;
                for (; t + 4 <= tEnd; t += 4) tile4x4(w, cols, 0, full, cols, r, xp, t, out, outStride);
                for (; t < tEnd; t++) tiles(w, cols, 0, full, r, r + 4, xp, t * cols, xp, t * cols, out, t * outStride, false);
            }
            for (int t = tc; t < tEnd; t++) tiles(w, cols, 0, full, r, r1, xp, t * cols, xp, t * cols, out, t * outStride, false);
        }
    }

    /**
     * {@link #matmul} with rows read from the vector boundary before them, as {@link #matvec} with
     * a lead: token t's activations are at {@code led[t·span …]} as {@link PairedLayout#pairLed}
     * lays them out ({@code span} = {@link RowLead#span}), and at {@code xp[t·cols …]} in paired
     * layout for the first and last rows, which take the ordinary kernels.
     */
    public static void matmul(MemorySegment w, int cols, int lead, int r0, int r1, float[] xp, float[] led, int n, float[] out, int outStride) {
        if (lead == 0) {
            matmul(w, cols, r0, r1, xp, n, out, outStride);
            return;
        }
        final int last = (int) (w.byteSize() / (2L * cols)) - 1, span = RowLead.span(cols, lead);
        if (r0 == 0) matmul(w, cols, 0, 1, xp, n, out, outStride);
        if (r1 == last + 1) matmul(w, cols, last, last + 1, xp, n, out, outStride);
        final int a = Math.max(r0, 1), z = Math.min(r1, last);
        for (int tc = 0; tc < n; tc += TOKEN_CHUNK) {
            int tEnd = Math.min(n, tc + TOKEN_CHUNK);
            int r = a;
            for (; r + 4 <= z; r += 4) {
                int t = tc;
                for (; t + 4 <= tEnd; t += 4) tile4x4(w, cols, lead, span, span, r, led, t, out, outStride);
                for (; t < tEnd; t++) tiles(w, cols, lead, span, r, r + 4, led, t * span, xp, t * cols, out, t * outStride, false);
            }
            for (int t = tc; t < tEnd; t++) tiles(w, cols, lead, span, r, z, led, t * span, xp, t * cols, out, t * outStride, false);
        }
    }

    /**
     * Rows r … r + 3 against tokens t … t + 3, each row read from {@code lead} columns before its
     * start over {@code span} columns; token j's activations at {@code xp[(t + j)·xStride …]}.
     */
    private static void tile4x4(MemorySegment w, int cols, int lead, int span, int xStride, int r, float[] xp, int t, float[] out, int outStride) {
        final int b = 2 * L;
        final int full = span;
        final long o0 = (long) r * cols * 2 - 2L * lead, o1 = o0 + cols * 2L, o2 = o1 + cols * 2L, o3 = o2 + cols * 2L;
        final int x0 = t * xStride, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
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
        Tiles.finish4x4(s, full, cols, (row, k) -> scalar(w, (long) (r + row) * cols * 2, k), xp, x0, t, r, out, outStride);
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
        if (Vectors.FEW_REGISTERS && nv == 2) {
            // Three rows a tile, then one (see tile3x2); every row's sum is the same either way.
            while (r < r1) {
                int h = r + 3 <= r1 ? 3 : 1;
                if (h == 3) tile3x2(w, cols, r, xt, tile);
                else tile1x2(w, cols, r, xt, tile);
                if ((cols & 1) != 0) lastColumn(w, cols, r, xt, tile, nv, h);
                TokenPanels.store(tile, r, h, t0, nt, out, outStride);
                r += h;
            }
            return;
        }
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            if (nv == 2) tile8x2(w, cols, r, xt, tile);
            else tile8x1(w, cols, r, xt, tile);
            if ((cols & 1) != 0) lastColumn(w, cols, r, xt, tile, nv, TokenPanels.ROWS);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        for (; r < r1; r++) {
            for (int j = 0; j < nt; j++) {
                float s = 0;
                for (int k = 0; k < cols; k++) s += scalar(w, (long) r * cols * 2, k) * xt[k * TokenPanels.WIDTH + j];
                out[(t0 + j) * outStride + r] = s;
            }
        }
    }

    /** Adds the last column of an odd-width matrix, which the paired loads of a tile leave out. */
    private static void lastColumn(MemorySegment w, int cols, int r, float[] xt, float[] tile, int nv, int rows) {
        int k = cols - 1;
        for (int i = 0; i < rows; i++) {
            float wik = scalar(w, (long) (r + i) * cols * 2, k);
            for (int j = 0; j < nv * L; j++) tile[i * TokenPanels.WIDTH + j] += wik * xt[k * TokenPanels.WIDTH + j];
        }
    }

    /*
     * The microkernels: 8 rows × 1 or 2 vectors of tokens. Written out in full because C2
     * stops inlining helper methods past NodeCountInliningCutoff (see rows8 of BF16Kernels).
     */
    private static void tile8x2(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00;
        FloatVector c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k + 2 <= cols; k += 2) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            IntVector p0 = IntVector.broadcast(I, w.get(INT, a)); IntVector p1 = IntVector.broadcast(I, w.get(INT, a + rb)); IntVector p2 = IntVector.broadcast(I, w.get(INT, a + 2 * rb)); IntVector p3 = IntVector.broadcast(I, w.get(INT, a + 3 * rb)); IntVector p4 = IntVector.broadcast(I, w.get(INT, a + 4 * rb)); IntVector p5 = IntVector.broadcast(I, w.get(INT, a + 5 * rb)); IntVector p6 = IntVector.broadcast(I, w.get(INT, a + 6 * rb)); IntVector p7 = IntVector.broadcast(I, w.get(INT, a + 7 * rb));
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + 1 * L);
            FloatVector e;
            e = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
            e = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
            e = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
            e = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c70 = e.fma(x0, c70); c71 = e.fma(x1, c71);
            x0 = FloatVector.fromArray(F, xt, xo + WIDTH); x1 = FloatVector.fromArray(F, xt, xo + WIDTH + 1 * L);
            e = p0.and(0xFFFF0000).reinterpretAsFloats();
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = p1.and(0xFFFF0000).reinterpretAsFloats();
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = p2.and(0xFFFF0000).reinterpretAsFloats();
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = p3.and(0xFFFF0000).reinterpretAsFloats();
            c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = p4.and(0xFFFF0000).reinterpretAsFloats();
            c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
            e = p5.and(0xFFFF0000).reinterpretAsFloats();
            c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
            e = p6.and(0xFFFF0000).reinterpretAsFloats();
            c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
            e = p7.and(0xFFFF0000).reinterpretAsFloats();
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

    /**
     * A {@link #gemm} tile of 3 rows × 2 vectors of tokens, for 16 vector registers
     * ({@link Vectors#FEW_REGISTERS}): the 8-row tile's 16 accumulators and 8 broadcasts spill
     * there (a load and a store around most FMAs in C2's code), and a 4-row one still did, C2
     * widening all four rows' weights before the first FMA. Six accumulators, four activation
     * vectors and the widening fit. With {@code -XX:UseAVX=2}, one JVM, alternating, 16 tokens ×
     * 2048 columns of the mapped 1.1B BF16 file, one thread: 73.5 against 37.9 GFLOP/s from
     * memory, 78.8 against 42.8 from cache (4 rows: 30.5 and 31.3). Each row's sum is tile8x2's,
     * bit for bit.
     */
    private static void tile3x2(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~1;
        FloatVector z = FloatVector.zero(F), c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z;
        for (int k = 0; k < n; k += 2) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + L);
            FloatVector y0 = FloatVector.fromArray(F, xt, xo + WIDTH), y1 = FloatVector.fromArray(F, xt, xo + WIDTH + L);
            IntVector p;
            FloatVector e;
            p = IntVector.broadcast(I, w.get(INT, a));
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c00 = e.fma(y0, c00); c01 = e.fma(y1, c01);
            p = IntVector.broadcast(I, w.get(INT, a + rb));
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c10 = e.fma(y0, c10); c11 = e.fma(y1, c11);
            p = IntVector.broadcast(I, w.get(INT, a + 2 * rb));
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c20 = e.fma(y0, c20); c21 = e.fma(y1, c21);
        }
        c00.intoArray(tile, 0 * WIDTH); c01.intoArray(tile, 0 * WIDTH + L);
        c10.intoArray(tile, 1 * WIDTH); c11.intoArray(tile, 1 * WIDTH + L);
        c20.intoArray(tile, 2 * WIDTH); c21.intoArray(tile, 2 * WIDTH + L);
    }

    /** One row of {@link #tile3x2}, for the rows a range has past its last three. */
    private static void tile1x2(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~1;
        FloatVector z = FloatVector.zero(F), c00 = z, c01 = z;
        for (int k = 0; k < n; k += 2) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + L);
            FloatVector y0 = FloatVector.fromArray(F, xt, xo + WIDTH), y1 = FloatVector.fromArray(F, xt, xo + WIDTH + L);
            IntVector p;
            FloatVector e;
            p = IntVector.broadcast(I, w.get(INT, a));
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c00 = e.fma(y0, c00); c01 = e.fma(y1, c01);
        }
        c00.intoArray(tile, 0 * WIDTH); c01.intoArray(tile, 0 * WIDTH + L);
    }

    private static void tile8x1(MemorySegment w, int cols, int r, float[] xt, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int k = 0; k + 2 <= cols; k += 2) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            IntVector p0 = IntVector.broadcast(I, w.get(INT, a)); IntVector p1 = IntVector.broadcast(I, w.get(INT, a + rb)); IntVector p2 = IntVector.broadcast(I, w.get(INT, a + 2 * rb)); IntVector p3 = IntVector.broadcast(I, w.get(INT, a + 3 * rb)); IntVector p4 = IntVector.broadcast(I, w.get(INT, a + 4 * rb)); IntVector p5 = IntVector.broadcast(I, w.get(INT, a + 5 * rb)); IntVector p6 = IntVector.broadcast(I, w.get(INT, a + 6 * rb)); IntVector p7 = IntVector.broadcast(I, w.get(INT, a + 7 * rb));
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector e;
            e = p0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = e.fma(x0, c00);
            e = p1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = e.fma(x0, c10);
            e = p2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = e.fma(x0, c20);
            e = p3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c30 = e.fma(x0, c30);
            e = p4.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c40 = e.fma(x0, c40);
            e = p5.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c50 = e.fma(x0, c50);
            e = p6.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c60 = e.fma(x0, c60);
            e = p7.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c70 = e.fma(x0, c70);
            x0 = FloatVector.fromArray(F, xt, xo + WIDTH);
            e = p0.and(0xFFFF0000).reinterpretAsFloats();
            c00 = e.fma(x0, c00);
            e = p1.and(0xFFFF0000).reinterpretAsFloats();
            c10 = e.fma(x0, c10);
            e = p2.and(0xFFFF0000).reinterpretAsFloats();
            c20 = e.fma(x0, c20);
            e = p3.and(0xFFFF0000).reinterpretAsFloats();
            c30 = e.fma(x0, c30);
            e = p4.and(0xFFFF0000).reinterpretAsFloats();
            c40 = e.fma(x0, c40);
            e = p5.and(0xFFFF0000).reinterpretAsFloats();
            c50 = e.fma(x0, c50);
            e = p6.and(0xFFFF0000).reinterpretAsFloats();
            c60 = e.fma(x0, c60);
            e = p7.and(0xFFFF0000).reinterpretAsFloats();
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


    /**
     * As {@link #gemm} for a block of at most {@link TokenPanels#PAIR_TOKENS} tokens packed by
     * {@link TokenPanels#packPairs}: the batched-decoding step. With 16 tokens a {@link #gemm}
     * tile broadcasts one weight per FMA, and the broadcasts cost as much as the FMAs. Here one
     * 64-bit broadcast brings four weights of a row (two paired ints); shifted and masked, each
     * gives a vector whose lanes alternate between two weights, against activations laid out as
     * {@code L/2} tokens × 2 columns. Per FMA: a quarter of a broadcast and half an integer op, against
     * one of each in {@link #gemm}'s one-vector tile (124 against 86 GFLOP/s on one core at
     * 2048×2048, 16 tokens). Tiles are 8 rows × {@code L} tokens in 16 registers; each token's sum is
     * the two lanes of its pair, added once per row.
     */
    public static void gemmPairs(MemorySegment w, int cols, int r0, int r1, MemorySegment xq, int t0, int nt, float[] out, int outStride, float[] tile) {
        int r = r0;
        final boolean direct = Vectors.LANES16 && nt == L;
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            tile8x16(w, cols, r, xq, tile);
            if (direct) storeDirect(tile, out, t0 * outStride + r, outStride);
            else TokenPanels.storePairs(tile, r, t0, nt, out, outStride);
        }
        Tiles.pairEdges((row, k) -> scalar(w, (long) row * cols * 2, k), cols, r0, r, r1, xq, t0, nt, out, outStride);
    }

    /**
     * As {@link #gemmPairs} for a full block of 16 tokens with 16 lanes (a batched-decoding step
     * of 16 sequences), with the activations packed by {@link TokenPanels#packQuads16}: rows
     * {@code [r0, r1)} in 4-row tiles ({@link #tile4x16}), the rest and the columns past the
     * last group of eight by {@link Tiles#quadEdges}.
     */
    public static void gemmQuads(MemorySegment w, int cols, int r0, int r1, MemorySegment xq, int t0, float[] out, int outStride) {
        if (!Vectors.LANES16) throw new IllegalStateException("gemmQuads needs 16 lanes, not " + L);
        int r = r0;
        for (; r + 4 <= r1; r += 4) tile4x16(w, cols, r, xq, out, t0, outStride);
        Tiles.quadEdges((row, k) -> scalar(w, (long) row * cols * 2, k), cols, r0, r, r1, xq, t0, out, outStride);
    }

    /**
     * The microkernel of {@link #gemmQuads}: 4 rows × 16 tokens, columns {@code [0, cols & ~7)}.
     * Per row and group of eight columns, one 16-byte load of its eight weights, repeated into
     * each 128-bit lane by one {@code vpermd}, then shifted (even columns) and masked (odd): two
     * vectors of four distinct weights, each feeding four FMAs, one per four tokens. That is three
     * integer-port ops per eight FMAs, where {@link #tile8x16}'s 64-bit broadcasts (two weights
     * per vector) spend four; the two share the FMA ports, so this tile's bound is 73% of the FMA
     * peak against 67%. A harness over the 1.1B model's file made 135–139 GFLOP/s against
     * 127–129 for tile8x16 at one thread, 152–159 against 143–149 from L2 (bench/README.md,
     * round 33). Where the core has byte permutes ({@link Vectors#BYTE_PERMUTE}), one
     * {@code vpermb} per vector does the repeat and the widening at once, taking its zeros from
     * the load's zero extension: two ops per eight FMAs, a bound of 80% (round 34). Accumulator
     * {@code a<row><g>} lane {@code 4t + c} sums token {@code 4g + t}'s columns k + 2c and
     * k + 2c + 1 for every group k.
     */
    private static void tile4x16(MemorySegment w, int cols, int r, MemorySegment xq, float[] out, int t0, int outStride) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~7; // a plain "k < n" bound: C2 proves the loads in range before the loop (see tile8x16)
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < n; k += 8) {
            final long xb = VBYTES * k;
            final long a = o + 2L * k;
            FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xb + 0 * VBYTES, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xb + 1 * VBYTES, NATIVE), xe2 = FloatVector.fromMemorySegment(F, xq, xb + 2 * VBYTES, NATIVE), xe3 = FloatVector.fromMemorySegment(F, xq, xb + 3 * VBYTES, NATIVE);
            FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xb + 4 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xb + 5 * VBYTES, NATIVE), xo2 = FloatVector.fromMemorySegment(F, xq, xb + 6 * VBYTES, NATIVE), xo3 = FloatVector.fromMemorySegment(F, xq, xb + 7 * VBYTES, NATIVE);
            IntVector p;
            ByteVector b;
            FloatVector e, d;
            if (Vectors.BYTE_PERMUTE) {
                b = (ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a, LE).reinterpretShape(Vectors.B, 0);
                e = b.rearrange(EVEN_HIGH).reinterpretAsFloats(); d = b.rearrange(ODD_HIGH).reinterpretAsFloats();
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); d = p.and(0xFFFF0000).reinterpretAsFloats();
            }
            a00 = e.fma(xe0, a00); a00 = d.fma(xo0, a00); a01 = e.fma(xe1, a01); a01 = d.fma(xo1, a01); a02 = e.fma(xe2, a02); a02 = d.fma(xo2, a02); a03 = e.fma(xe3, a03); a03 = d.fma(xo3, a03);
            if (Vectors.BYTE_PERMUTE) {
                b = (ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + rb, LE).reinterpretShape(Vectors.B, 0);
                e = b.rearrange(EVEN_HIGH).reinterpretAsFloats(); d = b.rearrange(ODD_HIGH).reinterpretAsFloats();
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); d = p.and(0xFFFF0000).reinterpretAsFloats();
            }
            a10 = e.fma(xe0, a10); a10 = d.fma(xo0, a10); a11 = e.fma(xe1, a11); a11 = d.fma(xo1, a11); a12 = e.fma(xe2, a12); a12 = d.fma(xo2, a12); a13 = e.fma(xe3, a13); a13 = d.fma(xo3, a13);
            if (Vectors.BYTE_PERMUTE) {
                b = (ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + 2 * rb, LE).reinterpretShape(Vectors.B, 0);
                e = b.rearrange(EVEN_HIGH).reinterpretAsFloats(); d = b.rearrange(ODD_HIGH).reinterpretAsFloats();
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + 2 * rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); d = p.and(0xFFFF0000).reinterpretAsFloats();
            }
            a20 = e.fma(xe0, a20); a20 = d.fma(xo0, a20); a21 = e.fma(xe1, a21); a21 = d.fma(xo1, a21); a22 = e.fma(xe2, a22); a22 = d.fma(xo2, a22); a23 = e.fma(xe3, a23); a23 = d.fma(xo3, a23);
            if (Vectors.BYTE_PERMUTE) {
                b = (ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + 3 * rb, LE).reinterpretShape(Vectors.B, 0);
                e = b.rearrange(EVEN_HIGH).reinterpretAsFloats(); d = b.rearrange(ODD_HIGH).reinterpretAsFloats();
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + 3 * rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); d = p.and(0xFFFF0000).reinterpretAsFloats();
            }
            a30 = e.fma(xe0, a30); a30 = d.fma(xo0, a30); a31 = e.fma(xe1, a31); a31 = d.fma(xo1, a31); a32 = e.fma(xe2, a32); a32 = d.fma(xo2, a32); a33 = e.fma(xe3, a33); a33 = d.fma(xo3, a33);
        }
        // Per group of four tokens: pair sums of rows 0 and 1 side by side (lane 2i row 0's, 2i + 1
        // row 1's), likewise rows 2 and 3, then the two pairs of each token's quarter added, so that
        // lane 4t + r holds row r's sum for token t: four rows of out, contiguous, per token.
        final int s = outStride, at = t0 * outStride + r;
        for (int g = 0; ; g++) {
            FloatVector u01 = a00.blend(a10, Vectors.ODD1).add(a10.blend(a00, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector u23 = a20.blend(a30, Vectors.ODD1).add(a30.blend(a20, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector v = u01.blend(u23, Vectors.ODD2).add(u23.blend(u01, Vectors.ODD2).rearrange(Vectors.SWAP2));
            final int base = at + 4 * g * s;
            v.intoArray(out, base, Vectors.QUARTER_0); v.intoArray(out, base + s - 4, Vectors.QUARTER_1);
            v.intoArray(out, base + 2 * s - 8, Vectors.QUARTER_2); v.intoArray(out, base + 3 * s - 12, Vectors.QUARTER_3);
            if (g == 3) return;
            // The next group's accumulators into the names the block above reads: a loop, not a
            // method, since a vector passed to a call C2 does not inline is boxed (see tile8x16).
            if (g == 0) { a00 = a01; a10 = a11; a20 = a21; a30 = a31; }
            else if (g == 1) { a00 = a02; a10 = a12; a20 = a22; a30 = a32; }
            else { a00 = a03; a10 = a13; a20 = a23; a30 = a33; }
        }
    }

    /**
     * Float lane i gets weight {@code 2(i & 3)} (EVEN_HIGH) or {@code 2(i & 3) + 1} (ODD_HIGH) of a
     * zero-extended 16-byte load in its high half, zeros in its low half: the BF16 weight as a
     * float, repeated in each 128-bit lane, in one {@code vpermb}.
     */
    private static final VectorShuffle<Byte> EVEN_HIGH = Vectors.highHalves(i -> 2 * (i & 3)), ODD_HIGH = Vectors.highHalves(i -> 2 * (i & 3) + 1);

    /**
     * The microkernel of {@link #gemmPairs}; columns {@code [0, cols & ~7)}, two groups of four per
     * iteration. Written out in full (see rows8). Two groups rather than one: half the loop and
     * bounds-check overhead per FMA, so the reorder window reaches further into the eight row
     * streams; from DRAM that is what limits this kernel (one core: 106 → 121 GFLOP/s at 16
     * tokens over 1 GB of 2048-column rows, 167 → 178 from L3).
     */
    private static void tile8x16(MemorySegment w, int cols, int r, MemorySegment xq, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        // The bound as a plain "k < n": C2 then proves every load in range before the loop, where a
        // "k + 8 <= cols" left a bounds check at each of the 16 broadcasts.
        final int n = cols & ~7;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        for (int k = 0; k < n; k += 8) {
            final long xo = VBYTES * k; // L floats a column, from the loop counter: C2 hoists the bounds checks
            final long a = o + 2L * k;
            FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xo, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xo + VBYTES, NATIVE);
            FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xo + 2 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xo + 3 * VBYTES, NATIVE);
            FloatVector ye0 = FloatVector.fromMemorySegment(F, xq, xo + 4 * VBYTES, NATIVE), ye1 = FloatVector.fromMemorySegment(F, xq, xo + 5 * VBYTES, NATIVE);
            FloatVector yo0 = FloatVector.fromMemorySegment(F, xq, xo + 6 * VBYTES, NATIVE), yo1 = FloatVector.fromMemorySegment(F, xq, xo + 7 * VBYTES, NATIVE);
            IntVector p;
            FloatVector e;
            p = LongVector.broadcast(LONGS, w.get(LONG, a)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c00 = e.fma(xe0, c00); c01 = e.fma(xe1, c01);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c00 = e.fma(xo0, c00); c01 = e.fma(xo1, c01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c00 = e.fma(ye0, c00); c01 = e.fma(ye1, c01);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c00 = e.fma(yo0, c00); c01 = e.fma(yo1, c01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c10 = e.fma(xe0, c10); c11 = e.fma(xe1, c11);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c10 = e.fma(xo0, c10); c11 = e.fma(xo1, c11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c10 = e.fma(ye0, c10); c11 = e.fma(ye1, c11);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c10 = e.fma(yo0, c10); c11 = e.fma(yo1, c11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c20 = e.fma(xe0, c20); c21 = e.fma(xe1, c21);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c20 = e.fma(xo0, c20); c21 = e.fma(xo1, c21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c20 = e.fma(ye0, c20); c21 = e.fma(ye1, c21);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c20 = e.fma(yo0, c20); c21 = e.fma(yo1, c21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c30 = e.fma(xe0, c30); c31 = e.fma(xe1, c31);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c30 = e.fma(xo0, c30); c31 = e.fma(xo1, c31);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c30 = e.fma(ye0, c30); c31 = e.fma(ye1, c31);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c30 = e.fma(yo0, c30); c31 = e.fma(yo1, c31);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 4 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c40 = e.fma(xe0, c40); c41 = e.fma(xe1, c41);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c40 = e.fma(xo0, c40); c41 = e.fma(xo1, c41);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 4 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c40 = e.fma(ye0, c40); c41 = e.fma(ye1, c41);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c40 = e.fma(yo0, c40); c41 = e.fma(yo1, c41);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 5 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c50 = e.fma(xe0, c50); c51 = e.fma(xe1, c51);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c50 = e.fma(xo0, c50); c51 = e.fma(xo1, c51);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 5 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c50 = e.fma(ye0, c50); c51 = e.fma(ye1, c51);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c50 = e.fma(yo0, c50); c51 = e.fma(yo1, c51);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 6 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c60 = e.fma(xe0, c60); c61 = e.fma(xe1, c61);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c60 = e.fma(xo0, c60); c61 = e.fma(xo1, c61);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 6 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c60 = e.fma(ye0, c60); c61 = e.fma(ye1, c61);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c60 = e.fma(yo0, c60); c61 = e.fma(yo1, c61);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 7 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c70 = e.fma(xe0, c70); c71 = e.fma(xe1, c71);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c70 = e.fma(xo0, c70); c71 = e.fma(xo1, c71);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 7 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(); c70 = e.fma(ye0, c70); c71 = e.fma(ye1, c71);
            e = p.and(0xFFFF0000).reinterpretAsFloats(); c70 = e.fma(yo0, c70); c71 = e.fma(yo1, c71);
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

    /**
     * Writes a {@link #tile8x16} tile of 16 tokens (all {@code L} of them: a batched-decoding step of
     * 16 sequences) straight to {@code out}, row r of token t0 at {@code out[at]}. For each half of
     * the tokens: the two lanes of every pair are added beside a neighbouring row's (z01: lane 2a
     * is row 0's sum for token a, lane 2a + 1 row 1's); 64-bit pieces then interleave rows 0–3 (p,
     * q: lanes 4b… hold token 2b's rows 0–3, and 2b + 1's), and 128-bit pieces rows 0–7, until
     * each 8-lane half holds one token's 8 rows (t04: tokens 0 and 4). Every sum is the one
     * storePairs forms, the same two lanes added, but storePairs gathers each token's lanes back
     * one by one: an 8-column tile took 85–98 ns with it and 40–44 with this, about 1% of a
     * 2048-column tile (bench/README.md, round 32). Its own method, not the end of tile8x16: the
     * load-time warm-up runs the microkernel on 16 tokens only, so with this store inside it the
     * first call on fewer (the end of most prompts) trapped out of C2's code at the branch between
     * the two stores, and each compile of the microkernel takes C2 1.1–2.4 s on a 2-core VM: up to
     * five ran before a first prompt's answer (bench/README.md, round 41).
     */
    private static void storeDirect(float[] tile, float[] out, int at, int s) {
        // The second half reuses the first's code on the odd vectors, in a loop rather than a
        // method: a vector passed to a call C2 does not inline is boxed on the heap.
        for (int half = 0; ; half++) {
            FloatVector c00 = FloatVector.fromArray(F, tile, half * L), c10 = FloatVector.fromArray(F, tile, (2 + half) * L);
            FloatVector c20 = FloatVector.fromArray(F, tile, (4 + half) * L), c30 = FloatVector.fromArray(F, tile, (6 + half) * L);
            FloatVector c40 = FloatVector.fromArray(F, tile, (8 + half) * L), c50 = FloatVector.fromArray(F, tile, (10 + half) * L);
            FloatVector c60 = FloatVector.fromArray(F, tile, (12 + half) * L), c70 = FloatVector.fromArray(F, tile, (14 + half) * L);
            FloatVector z01 = c00.blend(c10, Vectors.ODD1).add(c10.blend(c00, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector z23 = c20.blend(c30, Vectors.ODD1).add(c30.blend(c20, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector z45 = c40.blend(c50, Vectors.ODD1).add(c50.blend(c40, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector z67 = c60.blend(c70, Vectors.ODD1).add(c70.blend(c60, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector p = z01.blend(z23.rearrange(Vectors.SWAP2), Vectors.ODD2), q = z01.rearrange(Vectors.SWAP2).blend(z23, Vectors.ODD2);
            FloatVector u = z45.blend(z67.rearrange(Vectors.SWAP2), Vectors.ODD2), v = z45.rearrange(Vectors.SWAP2).blend(z67, Vectors.ODD2);
            FloatVector t04 = p.blend(u.rearrange(Vectors.SWAP4), ODD4), t26 = p.rearrange(Vectors.SWAP4).blend(u, ODD4);
            FloatVector t15 = q.blend(v.rearrange(Vectors.SWAP4), ODD4), t37 = q.rearrange(Vectors.SWAP4).blend(v, ODD4);
            t04.intoArray(out, at, LOW8); t15.intoArray(out, at + s, LOW8); t26.intoArray(out, at + 2 * s, LOW8); t37.intoArray(out, at + 3 * s, LOW8);
            t04.intoArray(out, at + 4 * s - 8, HIGH8); t15.intoArray(out, at + 5 * s - 8, HIGH8); t26.intoArray(out, at + 6 * s - 8, HIGH8); t37.intoArray(out, at + 7 * s - 8, HIGH8);
            if (half == 1) return;
            at += 8 * s;
        }
    }

    /** Lanes whose bit 2 is set; the low and the high 8 lanes (odd lanes and bit 1: {@link Vectors#ODD1}, {@link Vectors#ODD2}). */
    private static final VectorMask<Float> ODD4 = VectorMask.fromLong(F, 0xF0F0L), LOW8 = VectorMask.fromLong(F, 0x00FFL), HIGH8 = VectorMask.fromLong(F, 0xFF00L);

    /**
     * Whether full blocks of 16 tokens (batched decoding of 16 sequences) take {@link #gemmQuads}
     * (true) or {@link #gemmPairs}. Yes with 16 lanes on Intel cores, where 512-bit integer ops
     * share the two FMA ports and gemmQuads spends three per eight FMAs against four: 16
     * sequences of the 1.1B BF16 model ran faster with it at 1 and 2 threads (bench/README.md,
     * round 33). Not measured on Zen 5 (four FP pipes), so left off there.
     * {@code -Dscans.bf16Quads=true} or {@code false} overrides it.
     */
    public static final boolean QUADS = quads();

    private static boolean quads() {
        return Vectors.flagWhere(Vectors.LANES16, "scans.bf16Quads", Vectors.INTEL);
    }

    /**
     * Whether blocks of 17 to 32 tokens take {@link #gemmPairs32} (true) or {@link #gemm}'s 8 × 32
     * tiles. On Intel cores with 32 vector registers, yes: their 512-bit integer ops share the two
     * FMA ports, and halving them made pp512 on the 1.1B BF16 model 1–21% faster at 1 thread and
     * 11–17% at 2 (bench/README.md, round 29). On Zen 5 the 4-row tiles' four row streams cost
     * more than the integer ops they save (round 13: 4–7% slower at 1 thread); with 16 registers
     * the 16 accumulators spill. {@code -Dscans.bf16Pairs32=true} or {@code false} overrides it.
     */
    public static final boolean PAIRS32 = pairs32();

    private static boolean pairs32() {
        return Vectors.flag("scans.bf16Pairs32", Vectors.INTEL && !Vectors.FEW_REGISTERS);
    }

    /**
     * As {@link #gemmPairs} for 17 to 32 tokens packed as two {@link TokenPanels#packPairs} blocks
     * ({@code xa}: the first {@link TokenPanels#PAIR_TOKENS}, {@code xb}: the {@code nb} after
     * them): every 32-token block of a prefill, and batched steps of 17–32 sequences. Each 64-bit
     * broadcast of four weights, shifted and masked, feeds eight FMAs, one integer op per four
     * (the 8 × 32 {@link #gemm} tile spends one per two); 4 rows, 16 accumulators.
     */
    public static void gemmPairs32(MemorySegment w, int cols, int r0, int r1, MemorySegment xa, MemorySegment xb, int t0, int nb,
                                   float[] out, int outStride, float[] tile) {
        final int na = TokenPanels.PAIR_TOKENS;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            tile4x32(w, cols, r, xa, xb, tile);
            TokenPanels.storePairs(tile, 0, 4, r, t0, na, out, outStride);
            TokenPanels.storePairs(tile, 8 * L, 4, r, t0 + na, nb, out, outStride);
        }
        Tiles.RowWeight weight = (row, k) -> scalar(w, (long) row * cols * 2, k);
        Tiles.pairEdges(weight, cols, r0, r, r1, xa, t0, na, out, outStride);
        Tiles.pairEdges(weight, cols, r0, r, r1, xb, t0 + na, nb, out, outStride);
    }

    /** The microkernel of {@link #gemmPairs32}, F16Kernels.tile4x32's with BF16's widening. */
    private static void tile4x32(MemorySegment w, int cols, int r, MemorySegment xa, MemorySegment xb, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~7; // the columns past the last group of eight are pairEdges'
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector d00 = c00, d01 = c00, d10 = c00, d11 = c00, d20 = c00, d21 = c00, d30 = c00, d31 = c00;
        for (int k = 0; k < n; k += 4) {
            final long xo = VBYTES * k; // L floats a column, from the loop counter: C2 hoists the bounds checks
            final long a = o + 2L * k;
            FloatVector ae0 = FloatVector.fromMemorySegment(F, xa, xo, NATIVE), ae1 = FloatVector.fromMemorySegment(F, xa, xo + VBYTES, NATIVE);
            FloatVector ao0 = FloatVector.fromMemorySegment(F, xa, xo + 2 * VBYTES, NATIVE), ao1 = FloatVector.fromMemorySegment(F, xa, xo + 3 * VBYTES, NATIVE);
            FloatVector be0 = FloatVector.fromMemorySegment(F, xb, xo, NATIVE), be1 = FloatVector.fromMemorySegment(F, xb, xo + VBYTES, NATIVE);
            FloatVector bo0 = FloatVector.fromMemorySegment(F, xb, xo + 2 * VBYTES, NATIVE), bo1 = FloatVector.fromMemorySegment(F, xb, xo + 3 * VBYTES, NATIVE);
            IntVector p;
            FloatVector e;
            p = LongVector.broadcast(LONGS, w.get(LONG, a)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = e.fma(ae0, c00); c01 = e.fma(ae1, c01); d00 = e.fma(be0, d00); d01 = e.fma(be1, d01);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c00 = e.fma(ao0, c00); c01 = e.fma(ao1, c01); d00 = e.fma(bo0, d00); d01 = e.fma(bo1, d01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = e.fma(ae0, c10); c11 = e.fma(ae1, c11); d10 = e.fma(be0, d10); d11 = e.fma(be1, d11);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c10 = e.fma(ao0, c10); c11 = e.fma(ao1, c11); d10 = e.fma(bo0, d10); d11 = e.fma(bo1, d11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = e.fma(ae0, c20); c21 = e.fma(ae1, c21); d20 = e.fma(be0, d20); d21 = e.fma(be1, d21);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c20 = e.fma(ao0, c20); c21 = e.fma(ao1, c21); d20 = e.fma(bo0, d20); d21 = e.fma(bo1, d21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c30 = e.fma(ae0, c30); c31 = e.fma(ae1, c31); d30 = e.fma(be0, d30); d31 = e.fma(be1, d31);
            e = p.and(0xFFFF0000).reinterpretAsFloats();
            c30 = e.fma(ao0, c30); c31 = e.fma(ao1, c31); d30 = e.fma(bo0, d30); d31 = e.fma(bo1, d31);
        }
        c00.intoArray(tile, 0 * L); c01.intoArray(tile, 1 * L);
        c10.intoArray(tile, 2 * L); c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L); c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L); c31.intoArray(tile, 7 * L);
        d00.intoArray(tile, 8 * L); d01.intoArray(tile, 9 * L);
        d10.intoArray(tile, 10 * L); d11.intoArray(tile, 11 * L);
        d20.intoArray(tile, 12 * L); d21.intoArray(tile, 13 * L);
        d30.intoArray(tile, 14 * L); d31.intoArray(tile, 15 * L);
    }
}
