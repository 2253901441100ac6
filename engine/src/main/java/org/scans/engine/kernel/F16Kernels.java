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
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix products with IEEE half-precision weights and float32 activations in
 * {@link PairedLayout}: the same loops as {@link BF16Kernels}, with a wider conversion. There is
 * no vector half-to-float instruction in the Vector API, so the bits are moved into place with
 * integer ops; subnormal halves go through an exact float subtraction (no denormal arithmetic),
 * and infinities and NaNs keep their meaning, as {@link Float#float16ToFloat} does.
 */
public final class F16Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, VectorShape.forBitSize(F.vectorBitSize()));
    /** Token tile kept hot in cache while every row block of a thread passes over it. */
    private static final int TOKEN_CHUNK = 32;

    private F16Kernels() {}

    /** The even-indexed halves (low 16 bits of each int lane) as floats. */
    static FloatVector even(IntVector pair) {
        IntVector sign = pair.lanewise(VectorOperators.LSHL, 16).and(0x80000000);
        IntVector mag = pair.lanewise(VectorOperators.LSHL, 13).and(0x0FFFE000);
        return widen(mag, sign);
    }

    /** The odd-indexed halves (high 16 bits of each int lane) as floats. */
    static FloatVector odd(IntVector pair) {
        IntVector sign = pair.and(0x80000000);
        IntVector mag = pair.lanewise(VectorOperators.LSHR, 3).and(0x0FFFE000);
        return widen(mag, sign);
    }

    /**
     * {@code mag} holds a half's exponent and mantissa at float positions (bits 13–27). Rebias the
     * exponent by 112; an all-ones exponent gets another 112 to become 255 (Inf/NaN); a zero
     * exponent (zero or subnormal) is fixed up as {@code (2^-14 + m·2^-24) − 2^-14}, exactly.
     */
    private static FloatVector widen(IntVector mag, IntVector sign) {
        IntVector exp = mag.and(0x0F800000);
        IntVector o = mag.add(0x38000000);
        o = o.blend(o.add(0x38000000), exp.compare(VectorOperators.EQ, 0x0F800000));
        IntVector sub = o.add(0x00800000).reinterpretAsFloats().sub(0x1p-14f).reinterpretAsInts();
        o = o.blend(sub, exp.compare(VectorOperators.EQ, 0));
        return o.or(sign).reinterpretAsFloats();
    }

    static float scalar(MemorySegment w, long rowOff, int k) {
        return Float.float16ToFloat(w.get(SHORT, rowOff + 2L * k));
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
            // One block an iteration: the exact widening is large in C2's graph, and with two
            // blocks and a remainder loop (six widenings) the compile hit NodeCountInliningCutoff,
            // left even and odd as calls and boxed their vectors (bench/README.md, round 37).
            // This kernel takes only a matrix's first and last rows in a decode, and the
            // matrices with infinities or NaNs, so the unrolling bought nothing.
            FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F);
            int k = 0;
            for (; k < full; k += b) {
                IntVector v = IntVector.fromMemorySegment(I, w, rowOff + 2L * k, LE);
                a0 = even(v).fma(FloatVector.fromArray(F, xp, xOff + k), a0);
                a1 = odd(v).fma(FloatVector.fromArray(F, xp, xOff + k + L), a1);
            }
            float sum = Vectors.sum(a0.add(a1));
            for (; k < cols; k++) sum += scalar(w, rowOff, k) * xp[xOff + k];
            y[yOff + r] = sum;
        }
    }

    /*
     * The fast widening (decode and batched kernels). A half's bits, moved to the float positions
     * with two or three integer ops and bit 30 set, read as the half times 2^16 for every normal
     * half, and as a normal float for every other finite one: F16Fixups lists those (zeros and
     * subnormals) with how far off they are, and the kernels take that back after the sums. The
     * widening costs a third of {@link #even}'s, which is what lets an F16 decode keep up with
     * memory. The older form (no bit 30: the half times 2^-112, activations scaled by 2^112) was
     * exact without fix-ups but made subnormal halves subnormal floats, and every FMA with one
     * took a microcode assist on Intel cores (bench/README.md, round 27). Infinities and NaNs would
     * come out finite, so a matrix holding one has no fix-ups and keeps the exact kernels.
     */

    /**
     * Whether the products of fast-widened weights (below 2^32 in magnitude) with these
     * activations cannot overflow: every |x| below 2^64 (false for NaN too). The sums of up to
     * {@link F16Fixups#MAX_COLS} of them then stay below 2^112.
     */
    public static boolean bounded(float[] x, int off, int len) {
        FloatVector max = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= len; i += L) max = FloatVector.fromArray(F, x, off + i).abs().max(max); // receiver: see VectorOps.softmax
        float m = max.reduceLanes(VectorOperators.MAX);
        for (; i < len; i++) m = Math.max(m, Math.abs(x[off + i]));
        return m < 0x1p64f;
    }

    /**
     * {@link #matvec} with the fast widening, for a matrix with fix-ups ({@link F16Fixups#scan}) and
     * activations that are {@link #bounded}: {@code xp} holds them in paired layout, {@code x} as
     * they are, both from {@code xOff}. The same products, summed in another order, at about the
     * speed of a BF16 decode.
     */
    public static void matvecFast(MemorySegment w, F16Fixups fix, int cols, int r0, int r1, float[] xp, float[] x, int xOff, float[] y, int yOff) {
        fastTiles(w, fix, cols, 0, cols / (2 * L) * (2 * L), r0, r1, xp, x, xOff, y, yOff);
    }

    /**
     * {@link #matvecFast} with aligned loads where the rows are not on a vector boundary, as
     * {@code BF16Kernels.matvec} with a lead: {@code led} holds x as {@link PairedLayout#pairLed}
     * lays it out for {@code lead} ({@link RowLead#of} the matrix), {@code xp} and {@code x} as for
     * {@link #matvecFast}. The neighbouring rows' halves that a led row's first and last blocks
     * read meet zero activations and need no clearing: the fast widening makes every half finite.
     */
    public static void matvecFast(MemorySegment w, F16Fixups fix, int cols, int lead, int r0, int r1, float[] xp, float[] led, float[] x,
            float[] y) {
        if (lead == 0) {
            matvecFast(w, fix, cols, r0, r1, xp, x, 0, y, 0);
            return;
        }
        final int rows = (int) (w.byteSize() / (2L * cols)), last = rows - 1;
        final int height = Vectors.FEW_REGISTERS ? 4 : 8, full = cols / (2 * L) * (2 * L);
        int a = Math.max(r0, 1), z = Math.min(r1, last);
        // The matrix's first and last rows with their whole tiles, unled, where the range holds
        // them (RowLead), as in BF16Kernels.matvec with a lead; else alone, through the exact kernel.
        if (RowLead.firstTileUnled(rows, height, r0, r1)) {
            fastTiles(w, fix, cols, 0, full, 0, height, xp, x, 0, y, 0);
            a = height;
        } else if (r0 == 0) matvec(w, cols, 0, 1, xp, 0, y, 0);
        if (RowLead.lastTileUnled(rows, height, r0, r1)) {
            fastTiles(w, fix, cols, 0, full, rows - height, rows, xp, x, 0, y, 0);
            z = rows - height;
        } else if (r1 == rows) matvec(w, cols, last, last + 1, xp, 0, y, 0);
        fastTiles(w, fix, cols, lead, RowLead.span(cols, lead), a, z, led, x, 0, y, 0);
    }

    /** Rows {@code [r0, r1)} of {@link #matvecFast}, each read from {@code lead} columns before its start over {@code span} columns of {@code xs}. */
    private static void fastTiles(MemorySegment w, F16Fixups fix, int cols, int lead, int span, int r0, int r1, float[] xs, float[] x, int xOff,
            float[] y, int yOff) {
        // Rows spread as in BF16Kernels.matvec: tile t takes rows r0 + t + j·tiles. Four rows a
        // tile where there are only 16 vector registers (see rows4Fast), else eight.
        //
        // Until round 36 matrices of at most 2048 columns took four rows on AMD cores too: on a
        // Zen 5 VM in round 21 the 1.1B F16 shape decoded 9.0–9.8 against 8.3–9.8 tok/s on 1
        // thread and 18.4–19.1 against 16.0–17.7 on 2 so, with every row read across cache lines.
        // Read from the vector boundary (RowLead), eight rows were the faster on this round's Zen 5
        // VM: tg64 11.33 and 11.87 against 10.90 and 10.94 tok/s on 1 thread, 18.9, 20.0, 16.2
        // against 18.3, 17.3, 16.9 on 2 (bench/README.md, round 36). Intel Xeon cores had always
        // taken eight (round 25).
        final int height = Vectors.FEW_REGISTERS ? 4 : 8;
        final int tiles = Math.max(r1 - r0, 0) / height;
        for (int t = 0; t < tiles; t++) {
            if (height == 4) rows4Fast(w, fix, cols, lead, span, r0 + t, tiles, xs, x, xOff, y, yOff);
            else rows8Fast(w, fix, cols, lead, span, r0 + t, tiles, xs, x, xOff, y, yOff);
        }
        // The rows past the tiles go through the tile kernel too, as in BF16Kernels.tiles: one more
        // tile over the range's last rows (the rows it shares with the tiles get the same sums
        // again), or in a range shorter than a tile, one row taken eight times (s = 0). They went
        // to the exact kernel, row by row, before (bench/README.md, round 63).
        if (r0 + height * tiles < r1) {
            if (tiles > 0) {
                if (height == 4) rows4Fast(w, fix, cols, lead, span, r1 - height, 1, xs, x, xOff, y, yOff);
                else rows8Fast(w, fix, cols, lead, span, r1 - height, 1, xs, x, xOff, y, yOff);
            } else {
                for (int r = r0; r < r1; r++) {
                    if (height == 4) rows4Fast(w, fix, cols, lead, span, r, 0, xs, x, xOff, y, yOff);
                    else rows8Fast(w, fix, cols, lead, span, r, 0, xs, x, xOff, y, yOff);
                }
            }
        }
        // The excess of the listed halves comes out of the range's rows in one pass (F16Fixups.subtractExcess).
        if (fix.rowIndexed()) fix.subtractExcess(Math.min(span, cols), r0, r1, x, xOff, y, yOff);
    }

    /** Rows r, r + s, …, r + 7s. */
    private static void rows8Fast(MemorySegment w, F16Fixups fix, int cols, int lead, int span, int r, int s, float[] xp, float[] x, int xOff,
            float[] y, int yOff) {
        final int b = 2 * L;
        final int full = Math.min(span, cols); // the columns the loop covers: all of them in a led row
        final long rb = cols * 2L * s; // from one of the tile's rows to the next: s rows of memory
        final long o0 = r * (cols * 2L) - 2L * lead;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < span; k += b) {
            FloatVector xe = FloatVector.fromArray(F, xp, xOff + k), xo = FloatVector.fromArray(F, xp, xOff + k + L);
            final long o = o0 + 2L * k;
            IntVector p;
            p = IntVector.fromMemorySegment(I, w, o, LE);
            a0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a0);
            c0 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c0);
            p = IntVector.fromMemorySegment(I, w, o + rb, LE);
            a1 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a1);
            c1 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c1);
            p = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            a2 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a2);
            c2 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c2);
            p = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            a3 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a3);
            c3 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c3);
            p = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            a4 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a4);
            c4 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c4);
            p = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            a5 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a5);
            c5 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c5);
            p = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            a6 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a6);
            c6 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c6);
            p = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            a7 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a7);
            c7 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c7);
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
            y[yOff + r] = finish(w, fix, cols, full, r, s0.lane(0), x, xOff);
            y[yOff + r + s] = finish(w, fix, cols, full, r + s, s1.lane(0), x, xOff);
            y[yOff + r + 2 * s] = finish(w, fix, cols, full, r + 2 * s, s2.lane(0), x, xOff);
            y[yOff + r + 3 * s] = finish(w, fix, cols, full, r + 3 * s, s3.lane(0), x, xOff);
            y[yOff + r + 4 * s] = finish(w, fix, cols, full, r + 4 * s, s4.lane(0), x, xOff);
            y[yOff + r + 5 * s] = finish(w, fix, cols, full, r + 5 * s, s5.lane(0), x, xOff);
            y[yOff + r + 6 * s] = finish(w, fix, cols, full, r + 6 * s, s6.lane(0), x, xOff);
            y[yOff + r + 7 * s] = finish(w, fix, cols, full, r + 7 * s, s7.lane(0), x, xOff);
        } else {
            y[yOff + r] = finish(w, fix, cols, full, r, Vectors.sum(s0), x, xOff);
            y[yOff + r + s] = finish(w, fix, cols, full, r + s, Vectors.sum(s1), x, xOff);
            y[yOff + r + 2 * s] = finish(w, fix, cols, full, r + 2 * s, Vectors.sum(s2), x, xOff);
            y[yOff + r + 3 * s] = finish(w, fix, cols, full, r + 3 * s, Vectors.sum(s3), x, xOff);
            y[yOff + r + 4 * s] = finish(w, fix, cols, full, r + 4 * s, Vectors.sum(s4), x, xOff);
            y[yOff + r + 5 * s] = finish(w, fix, cols, full, r + 5 * s, Vectors.sum(s5), x, xOff);
            y[yOff + r + 6 * s] = finish(w, fix, cols, full, r + 6 * s, Vectors.sum(s6), x, xOff);
            y[yOff + r + 7 * s] = finish(w, fix, cols, full, r + 7 * s, Vectors.sum(s7), x, xOff);
        }
    }

    /**
     * Row {@code row}'s product from the fast-widened sum of its columns {@code [0, full)}: the
     * listed halves' excess taken off (later, by {@link F16Fixups#subtractExcess}, where the
     * fix-ups know each half's row), the 2^16 taken out, and the columns past {@code full} added
     * exactly.
     */
    private static float finish(MemorySegment w, F16Fixups fix, int cols, int full, int row, float sum, float[] x, int xOff) {
        final long rowOff = (long) row * cols * 2;
        float y = (fix.rowIndexed() ? sum : sum - fix.excessDot(row, full, x, xOff)) * 0x1p-16f;
        for (int k = full; k < cols; k++) y += scalar(w, rowOff, k) * x[xOff + k];
        return y;
    }

    /**
     * {@link #rows8Fast} with four rows, r, r + s, r + 2s, r + 3s, for 16 vector registers
     * ({@link Vectors#FEW_REGISTERS}), where the eight rows' 16 accumulators spill (see
     * BF16Kernels.rows4). With {@code -XX:UseAVX=2}, one JVM, 8-row and 4-row tiles alternating
     * (tg64 on the 1.1B F16 shape, 1 thread, 6 rounds): 6.6–8.8 against 11.7–12.8 tok/s; on the
     * 7B F16 shape, jars alternating (tg8, 1 thread, 3 pairs): 0.59–0.89 against 0.74–1.01.
     */
    private static void rows4Fast(MemorySegment w, F16Fixups fix, int cols, int lead, int span, int r, int s, float[] xp, float[] x, int xOff,
            float[] y, int yOff) {
        final int b = 2 * L;
        final int full = Math.min(span, cols); // the columns the loop covers: all of them in a led row
        final long rb = cols * 2L * s;
        final long o0 = r * (cols * 2L) - 2L * lead;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
        for (int k = 0; k < span; k += b) {
            FloatVector xe = FloatVector.fromArray(F, xp, xOff + k), xo = FloatVector.fromArray(F, xp, xOff + k + L);
            final long o = o0 + 2L * k;
            IntVector p;
            p = IntVector.fromMemorySegment(I, w, o, LE);
            a0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a0);
            c0 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c0);
            p = IntVector.fromMemorySegment(I, w, o + rb, LE);
            a1 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a1);
            c1 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c1);
            p = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            a2 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a2);
            c2 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c2);
            p = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            a3 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a3);
            c3 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c3);
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
            y[yOff + r] = finish(w, fix, cols, full, r, s0.lane(0), x, xOff);
            y[yOff + r + s] = finish(w, fix, cols, full, r + s, s1.lane(0), x, xOff);
            y[yOff + r + 2 * s] = finish(w, fix, cols, full, r + 2 * s, s2.lane(0), x, xOff);
            y[yOff + r + 3 * s] = finish(w, fix, cols, full, r + 3 * s, s3.lane(0), x, xOff);
        } else {
            y[yOff + r] = finish(w, fix, cols, full, r, Vectors.sum(s0), x, xOff);
            y[yOff + r + s] = finish(w, fix, cols, full, r + s, Vectors.sum(s1), x, xOff);
            y[yOff + r + 2 * s] = finish(w, fix, cols, full, r + 2 * s, Vectors.sum(s2), x, xOff);
            y[yOff + r + 3 * s] = finish(w, fix, cols, full, r + 3 * s, Vectors.sum(s3), x, xOff);
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
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            if (nv == 2) tile8x2(w, cols, r, xt, tile);
            else tile8x1(w, cols, r, xt, tile);
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

    /**
     * {@link #gemm} with each group of 8 rows first converted to float32 in {@code d} (from
     * {@code Q8Kernels.newScratch}), then multiplied by {@link GroupTiles}, which broadcast every
     * weight from the scratch instead of converting it on its own: the same sums, bit for bit
     * (each row's columns in order, the same exact conversion), for any halves, infinities, NaNs
     * and subnormals included. {@code cols} must be even.
     */
    public static void gemmWidened(MemorySegment w, int cols, int r0, int r1, float[] xt, int t0, int nt, float[] out, int outStride, float[] tile,
                                   float[] d) {
        final int nv = TokenPanels.vectors(nt);
        int r = r0;
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            widen(w, (long) r * cols * 2, TokenPanels.ROWS * cols, d);
            GroupTiles.tile(d, cols, nv, xt, tile);
            TokenPanels.store(tile, r, t0, nt, out, outStride);
        }
        if (r < r1) gemm(w, cols, r, r1, xt, t0, nt, out, outStride, tile);
    }

    /**
     * {@code d[k]} = the half at byte {@code o + 2k}, for {@code k < n}: C2 turns this loop into vector
     * conversions ({@code vcvtph2ps} with F16C, read in its code with bench/hsdis), eight halves an
     * instruction, where the Vector API has no half-to-float conversion of its own. Exact: every
     * half, subnormals included, is a normal float32 or a zero, an infinity or a NaN.
     */
    static void widen(MemorySegment w, long o, int n, float[] d) {
        for (int k = 0; k < n; k++) d[k] = Float.float16ToFloat(w.get(SHORT, o + 2L * k));
    }

    /**
     * {@code out[(t0 + j)·outStride + r] = Σ_k W[r, k]·x_j[k]} for rows {@code [r0, r1)} and the
     * {@code nt} ≤ {@link TokenPanels#PAIR_TOKENS} tokens of a {@link TokenPanels#packPairs} block
     * ({@code xq}), with the fast widening of {@link #matvecFast} and its conditions: the batched decoding step, as
     * {@link BF16Kernels#gemmPairs} runs it (two or three integer ops per widened vector where BF16
     * needs one). Against {@link #gemm}'s broadcast of one converted half per FMA, 16 sequences of
     * the 1.1B F16 model went from 49–54 to 82–85 tok/s (bench/README.md, "Batched decoding",
     * round 9).
     */
    public static void gemmPairs(MemorySegment w, F16Fixups fix, int cols, int r0, int r1, MemorySegment xq, int t0, int nt, float[] out,
                                 int outStride, float[] tile) {
        final int full = cols & ~7; // the columns tile8x16 covers
        int r = r0;
        for (; r + TokenPanels.ROWS <= r1; r += TokenPanels.ROWS) {
            tile8x16(w, cols, r, xq, tile);
            fix.finishPairTile(r, TokenPanels.ROWS, full, xq, tile, 0);
            TokenPanels.storePairs(tile, r, t0, nt, out, outStride);
        }
        Tiles.pairEdges((row, k) -> scalar(w, (long) row * cols * 2, k), cols, r0, r, r1, xq, t0, nt, out, outStride);
    }

    /**
     * The microkernel of {@link #gemmPairs}: {@link BF16Kernels}'s tile8x16 with the halves widened
     * as {@link #matvecFast} widens them. Written out in full (see BF16Kernels.rows8).
     */
    private static void tile8x16(MemorySegment w, int cols, int r, MemorySegment xq, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~7; // "k < n", not "k + 8 <= cols": see BF16Kernels.tile8x16
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
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c00 = e.fma(xe0, c00); c01 = e.fma(xe1, c01);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c00 = e.fma(xo0, c00); c01 = e.fma(xo1, c01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c00 = e.fma(ye0, c00); c01 = e.fma(ye1, c01);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c00 = e.fma(yo0, c00); c01 = e.fma(yo1, c01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c10 = e.fma(xe0, c10); c11 = e.fma(xe1, c11);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c10 = e.fma(xo0, c10); c11 = e.fma(xo1, c11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c10 = e.fma(ye0, c10); c11 = e.fma(ye1, c11);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c10 = e.fma(yo0, c10); c11 = e.fma(yo1, c11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c20 = e.fma(xe0, c20); c21 = e.fma(xe1, c21);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c20 = e.fma(xo0, c20); c21 = e.fma(xo1, c21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c20 = e.fma(ye0, c20); c21 = e.fma(ye1, c21);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c20 = e.fma(yo0, c20); c21 = e.fma(yo1, c21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c30 = e.fma(xe0, c30); c31 = e.fma(xe1, c31);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c30 = e.fma(xo0, c30); c31 = e.fma(xo1, c31);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c30 = e.fma(ye0, c30); c31 = e.fma(ye1, c31);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c30 = e.fma(yo0, c30); c31 = e.fma(yo1, c31);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 4 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c40 = e.fma(xe0, c40); c41 = e.fma(xe1, c41);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c40 = e.fma(xo0, c40); c41 = e.fma(xo1, c41);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 4 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c40 = e.fma(ye0, c40); c41 = e.fma(ye1, c41);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c40 = e.fma(yo0, c40); c41 = e.fma(yo1, c41);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 5 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c50 = e.fma(xe0, c50); c51 = e.fma(xe1, c51);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c50 = e.fma(xo0, c50); c51 = e.fma(xo1, c51);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 5 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c50 = e.fma(ye0, c50); c51 = e.fma(ye1, c51);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c50 = e.fma(yo0, c50); c51 = e.fma(yo1, c51);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 6 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c60 = e.fma(xe0, c60); c61 = e.fma(xe1, c61);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c60 = e.fma(xo0, c60); c61 = e.fma(xo1, c61);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 6 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c60 = e.fma(ye0, c60); c61 = e.fma(ye1, c61);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c60 = e.fma(yo0, c60); c61 = e.fma(yo1, c61);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 7 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c70 = e.fma(xe0, c70); c71 = e.fma(xe1, c71);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c70 = e.fma(xo0, c70); c71 = e.fma(xo1, c71);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 7 * rb + 8)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c70 = e.fma(ye0, c70); c71 = e.fma(ye1, c71);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats(); c70 = e.fma(yo0, c70); c71 = e.fma(yo1, c71);
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
     * Whether F16 matrices' panel products (prefill and batched steps) take {@link #gemmWidened}
     * instead of the paired kernels with the fast widening ({@link #gemmPairs}, {@link #gemmPairs32})
     * or {@link #gemm}: yes where there are 16 vector registers, on which the paired tiles' 16
     * accumulators and 8 activation vectors spill. {@code -Dscans.f16Widened=true} or
     * {@code false} overrides it.
     */
    public static final boolean WIDENED = Vectors.flag("scans.f16Widened", Vectors.FEW_REGISTERS);

    /**
     * Whether full blocks of 16 tokens of F16 matrices, where the fast widening applies, take
     * {@link #gemmQuads} (true) or {@link #gemmPairs}: yes wherever there are 16 lanes. The pair
     * tile spends five integer ops on every four FMAs widening halves, the quad tile five on eight,
     * and that counts on AMD cores too, unlike BF16's two against five (BF16Kernels.QUADS stays
     * Intel's). 16 sequences of the 1.1B F16 model on a Zen 5 VM, alternating: 2 threads 91–105
     * against 71–91 tok/s, 1 thread 47–56 against 26–45; Intel +19% (bench/README.md, rounds 34
     * and 44). {@code -Dscans.f16Quads=true} or {@code false} overrides it.
     */
    public static final boolean QUADS = quads();

    private static boolean quads() {
        return Vectors.flagWhere(Vectors.LANES16, "scans.f16Quads", true);
    }

    /**
     * {@link #gemmPairs} for a full block of 16 tokens packed by {@link TokenPanels#packQuads16}
     * ({@code xq}), as {@code BF16Kernels.gemmQuads} runs it: rows {@code [r0, r1)} in 4-row tiles
     * ({@link #tile4x16}), the rest and the columns past the last group of eight exactly, by
     * {@link Tiles#quadEdges}. {@code tile} is scratch of {@code 16·L} floats.
     */
    public static void gemmQuads(MemorySegment w, F16Fixups fix, int cols, int r0, int r1, MemorySegment xq, int t0, float[] out,
                                 int outStride, float[] tile) {
        if (!Vectors.LANES16) throw new IllegalStateException("gemmQuads needs 16 lanes, not " + L);
        int r = r0;
        for (; r + 4 <= r1; r += 4) tile4x16(w, fix, cols, r, xq, out, t0, outStride, tile);
        Tiles.quadEdges((row, k) -> scalar(w, (long) row * cols * 2, k), cols, r0, r, r1, xq, t0, out, outStride);
    }

    /**
     * The microkernel of {@link #gemmQuads}: BF16Kernels.tile4x16 with the halves widened as
     * {@link #matvecFast} widens them, then the fix-ups' excess taken out of the accumulators
     * ({@link F16Fixups#quadExcess}) and the sums scaled by 2^-16. Per row and group of eight
     * columns, with byte permutes ({@link Vectors#BYTE_PERMUTE}): one {@code vpermb} puts the eight
     * halves in the high halves of eight ints, one shift and one bit operation widen all eight, and
     * two {@code vpermps} repeat the even and the odd ones into each 128-bit lane: five integer-port
     * ops per eight FMAs, where {@link #tile8x16} spends five per four. Without them, a
     * {@code vpermd}, then the widening of each parity: six.
     */
    private static void tile4x16(MemorySegment w, F16Fixups fix, int cols, int r, MemorySegment xq, float[] out, int t0, int outStride,
                                 float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~7; // "k < n": see BF16Kernels.tile8x16
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00, a10 = a00, a11 = a00, a12 = a00, a13 = a00, a20 = a00, a21 = a00, a22 = a00, a23 = a00, a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int k = 0; k < n; k += 8) {
            final long xb = VBYTES * k;
            final long a = o + 2L * k;
            FloatVector xe0 = FloatVector.fromMemorySegment(F, xq, xb + 0 * VBYTES, NATIVE), xe1 = FloatVector.fromMemorySegment(F, xq, xb + 1 * VBYTES, NATIVE), xe2 = FloatVector.fromMemorySegment(F, xq, xb + 2 * VBYTES, NATIVE), xe3 = FloatVector.fromMemorySegment(F, xq, xb + 3 * VBYTES, NATIVE);
            FloatVector xo0 = FloatVector.fromMemorySegment(F, xq, xb + 4 * VBYTES, NATIVE), xo1 = FloatVector.fromMemorySegment(F, xq, xb + 5 * VBYTES, NATIVE), xo2 = FloatVector.fromMemorySegment(F, xq, xb + 6 * VBYTES, NATIVE), xo3 = FloatVector.fromMemorySegment(F, xq, xb + 7 * VBYTES, NATIVE);
            IntVector p;
            FloatVector v, e, d;
            if (Vectors.BYTE_PERMUTE) {
                v = ((ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a, LE).reinterpretShape(Vectors.B, 0)).rearrange(SPREAD)
                        .reinterpretAsInts().lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                d = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            }
            a00 = e.fma(xe0, a00); a00 = d.fma(xo0, a00); a01 = e.fma(xe1, a01); a01 = d.fma(xo1, a01); a02 = e.fma(xe2, a02); a02 = d.fma(xo2, a02); a03 = e.fma(xe3, a03); a03 = d.fma(xo3, a03);
            if (Vectors.BYTE_PERMUTE) {
                v = ((ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + rb, LE).reinterpretShape(Vectors.B, 0)).rearrange(SPREAD)
                        .reinterpretAsInts().lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                d = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            }
            a10 = e.fma(xe0, a10); a10 = d.fma(xo0, a10); a11 = e.fma(xe1, a11); a11 = d.fma(xo1, a11); a12 = e.fma(xe2, a12); a12 = d.fma(xo2, a12); a13 = e.fma(xe3, a13); a13 = d.fma(xo3, a13);
            if (Vectors.BYTE_PERMUTE) {
                v = ((ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + 2 * rb, LE).reinterpretShape(Vectors.B, 0)).rearrange(SPREAD)
                        .reinterpretAsInts().lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + 2 * rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                d = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            }
            a20 = e.fma(xe0, a20); a20 = d.fma(xo0, a20); a21 = e.fma(xe1, a21); a21 = d.fma(xo1, a21); a22 = e.fma(xe2, a22); a22 = d.fma(xo2, a22); a23 = e.fma(xe3, a23); a23 = d.fma(xo3, a23);
            if (Vectors.BYTE_PERMUTE) {
                v = ((ByteVector) ByteVector.fromMemorySegment(Vectors.B128, w, a + 3 * rb, LE).reinterpretShape(Vectors.B, 0)).rearrange(SPREAD)
                        .reinterpretAsInts().lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                e = v.rearrange(Vectors.REPEAT_EVENS); d = v.rearrange(Vectors.REPEAT_ODDS);
            } else {
                p = ((IntVector) IntVector.fromMemorySegment(Vectors.I128, w, a + 3 * rb, LE).reinterpretShape(I, 0)).rearrange(Vectors.REPEAT_QUARTER);
                e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
                d = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            }
            a30 = e.fma(xe0, a30); a30 = d.fma(xo0, a30); a31 = e.fma(xe1, a31); a31 = d.fma(xo1, a31); a32 = e.fma(xe2, a32); a32 = d.fma(xo2, a32); a33 = e.fma(xe3, a33); a33 = d.fma(xo3, a33);
        }
        if (fix.quadExcess(r, n, xq, tile)) {
            a00 = a00.sub(FloatVector.fromArray(F, tile, 0 * L)); a01 = a01.sub(FloatVector.fromArray(F, tile, 1 * L)); a02 = a02.sub(FloatVector.fromArray(F, tile, 2 * L)); a03 = a03.sub(FloatVector.fromArray(F, tile, 3 * L));
            a10 = a10.sub(FloatVector.fromArray(F, tile, 4 * L)); a11 = a11.sub(FloatVector.fromArray(F, tile, 5 * L)); a12 = a12.sub(FloatVector.fromArray(F, tile, 6 * L)); a13 = a13.sub(FloatVector.fromArray(F, tile, 7 * L));
            a20 = a20.sub(FloatVector.fromArray(F, tile, 8 * L)); a21 = a21.sub(FloatVector.fromArray(F, tile, 9 * L)); a22 = a22.sub(FloatVector.fromArray(F, tile, 10 * L)); a23 = a23.sub(FloatVector.fromArray(F, tile, 11 * L));
            a30 = a30.sub(FloatVector.fromArray(F, tile, 12 * L)); a31 = a31.sub(FloatVector.fromArray(F, tile, 13 * L)); a32 = a32.sub(FloatVector.fromArray(F, tile, 14 * L)); a33 = a33.sub(FloatVector.fromArray(F, tile, 15 * L));
        }
        // As BF16Kernels.tile4x16: per group of four tokens, lane 4t + r of v ends up holding row
        // r's sum for token t, then four masked stores; here scaled by 2^-16 on the way.
        final int s = outStride, at = t0 * outStride + r;
        for (int g = 0; ; g++) {
            FloatVector u01 = a00.blend(a10, Vectors.ODD1).add(a10.blend(a00, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector u23 = a20.blend(a30, Vectors.ODD1).add(a30.blend(a20, Vectors.ODD1).rearrange(Vectors.SWAP1));
            FloatVector v = u01.blend(u23, Vectors.ODD2).add(u23.blend(u01, Vectors.ODD2).rearrange(Vectors.SWAP2)).mul(0x1p-16f);
            final int base = at + 4 * g * s;
            v.intoArray(out, base, Vectors.QUARTER_0); v.intoArray(out, base + s - 4, Vectors.QUARTER_1);
            v.intoArray(out, base + 2 * s - 8, Vectors.QUARTER_2); v.intoArray(out, base + 3 * s - 12, Vectors.QUARTER_3);
            if (g == 3) return;
            if (g == 0) { a00 = a01; a10 = a11; a20 = a21; a30 = a31; }
            else if (g == 1) { a00 = a02; a10 = a12; a20 = a22; a30 = a32; }
            else { a00 = a03; a10 = a13; a20 = a23; a30 = a33; }
        }
    }

    /** Int lane i: half i & 7 of a zero-extended 16-byte load, in its high 16 bits. */
    private static final VectorShuffle<Byte> SPREAD = Vectors.highHalves(i -> i & 7);

    /**
     * {@link #gemmPairs} for 17 to 32 tokens {@code t0 …}, packed as two {@link TokenPanels#packPairs}
     * blocks: {@code xa} holds the first {@code PAIR_TOKENS}, {@code xb} the {@code nb} after them.
     * Tiles of 4 rows × both blocks: every 64-bit broadcast of four halves, widened once, feeds
     * eight FMAs instead of four (16 accumulators, 8 activation vectors).
     */
    public static void gemmPairs32(MemorySegment w, F16Fixups fix, int cols, int r0, int r1, MemorySegment xa, MemorySegment xb, int t0, int nb,
                                   float[] out, int outStride, float[] tile) {
        final int na = TokenPanels.PAIR_TOKENS, full = cols & ~7;
        int r = r0;
        for (; r + 4 <= r1; r += 4) {
            tile4x32(w, cols, r, xa, xb, tile);
            fix.finishPairTile32(r, full, xa, xb, tile);
            TokenPanels.storePairs(tile, 0, 4, r, t0, na, out, outStride);
            TokenPanels.storePairs(tile, 8 * L, 4, r, t0 + na, nb, out, outStride);
        }
        Tiles.RowWeight weight = (row, k) -> scalar(w, (long) row * cols * 2, k);
        Tiles.pairEdges(weight, cols, r0, r, r1, xa, t0, na, out, outStride);
        Tiles.pairEdges(weight, cols, r0, r, r1, xb, t0 + na, nb, out, outStride);
    }

    /** The microkernel of {@link #gemmPairs32}, written out in full (see BF16Kernels.rows8). */
    private static void tile4x32(MemorySegment w, int cols, int r, MemorySegment xa, MemorySegment xb, float[] tile) {
        final long rb = cols * 2L;
        final long o = r * rb;
        final int n = cols & ~7; // as tile8x16: the columns past the last group of eight are pairEdges'
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
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c00 = e.fma(ae0, c00); c01 = e.fma(ae1, c01); d00 = e.fma(be0, d00); d01 = e.fma(be1, d01);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c00 = e.fma(ao0, c00); c01 = e.fma(ao1, c01); d00 = e.fma(bo0, d00); d01 = e.fma(bo1, d01);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c10 = e.fma(ae0, c10); c11 = e.fma(ae1, c11); d10 = e.fma(be0, d10); d11 = e.fma(be1, d11);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c10 = e.fma(ao0, c10); c11 = e.fma(ao1, c11); d10 = e.fma(bo0, d10); d11 = e.fma(bo1, d11);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 2 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c20 = e.fma(ae0, c20); c21 = e.fma(ae1, c21); d20 = e.fma(be0, d20); d21 = e.fma(be1, d21);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c20 = e.fma(ao0, c20); c21 = e.fma(ao1, c21); d20 = e.fma(bo0, d20); d21 = e.fma(bo1, d21);
            p = LongVector.broadcast(LONGS, w.get(LONG, a + 3 * rb)).reinterpretAsInts();
            e = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
            c30 = e.fma(ae0, c30); c31 = e.fma(ae1, c31); d30 = e.fma(be0, d30); d31 = e.fma(be1, d31);
            e = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats();
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
        for (int k = 0; k < cols; k++) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo), x1 = FloatVector.fromArray(F, xt, xo + 1 * L);
            FloatVector e;
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a)));
            c00 = e.fma(x0, c00); c01 = e.fma(x1, c01);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + rb)));
            c10 = e.fma(x0, c10); c11 = e.fma(x1, c11);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 2 * rb)));
            c20 = e.fma(x0, c20); c21 = e.fma(x1, c21);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 3 * rb)));
            c30 = e.fma(x0, c30); c31 = e.fma(x1, c31);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 4 * rb)));
            c40 = e.fma(x0, c40); c41 = e.fma(x1, c41);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 5 * rb)));
            c50 = e.fma(x0, c50); c51 = e.fma(x1, c51);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 6 * rb)));
            c60 = e.fma(x0, c60); c61 = e.fma(x1, c61);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 7 * rb)));
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
        final long rb = cols * 2L;
        final long o = r * rb;
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c10 = c00, c20 = c00, c30 = c00, c40 = c00, c50 = c00, c60 = c00, c70 = c00;
        for (int k = 0; k < cols; k++) {
            final long a = o + 2L * k;
            final int xo = k * WIDTH;
            FloatVector x0 = FloatVector.fromArray(F, xt, xo);
            FloatVector e;
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a)));
            c00 = e.fma(x0, c00);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + rb)));
            c10 = e.fma(x0, c10);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 2 * rb)));
            c20 = e.fma(x0, c20);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 3 * rb)));
            c30 = e.fma(x0, c30);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 4 * rb)));
            c40 = e.fma(x0, c40);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 5 * rb)));
            c50 = e.fma(x0, c50);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 6 * rb)));
            c60 = e.fma(x0, c60);
            e = FloatVector.broadcast(F, Float.float16ToFloat(w.get(SHORT, a + 7 * rb)));
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
