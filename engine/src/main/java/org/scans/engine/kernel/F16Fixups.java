package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;
import static org.scans.engine.kernel.Vectors.NATIVE;
import static org.scans.engine.kernel.Vectors.VBYTES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Where the fast widening of {@link F16Kernels} is off, for one F16 matrix: the halves whose
 * exponent field is zero (zeros and subnormals), row by row, in column order.
 *
 * <p>The fast widening moves a half's bits to the float positions and sets bit 30, which adds 128
 * to the exponent. A normal half {@code w} then reads as exactly {@code w·2^16}. A half with a zero
 * exponent field reads as {@code s·(2 + m/512)} (sign s, mantissa m) where {@code w·2^16} is
 * {@code s·m/256}: off by {@link #excess}, {@code s·(2 − m/512)}. The kernels sum the products as
 * they come and subtract {@code excess·x} for the few columns listed here (0.24% of the halves of a
 * matrix drawn from N(0, 0.02²)).
 *
 * <p>Why not widen them exactly: every float the fast widening makes is normal. The older one
 * read a half as {@code w·2^-112}, which made a subnormal half a subnormal float, and an FMA with a
 * subnormal operand takes a microcode assist on Intel cores: on the 1.1B F16 checkpoint, with
 * those halves set to zero, prefill ran 1.5× and 16 sequences 1.5× as fast (bench/README.md,
 * round 27).
 */
public final class F16Fixups {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    private static final VectorSpecies<Short> SHORTS = VectorSpecies.of(short.class, VectorShape.forBitSize(Vectors.F.vectorBitSize()));
    /** The widest matrix the column lists can hold (they are {@code char}s: half the memory of ints). */
    public static final int MAX_COLS = 1 << 16;

    /**
     * At most one half in this many may be listed. Each listed half costs ten bytes of heap and
     * about a nanosecond a token, where a normal one costs nothing; a matrix drawn from N(0, 0.02²)
     * lists one in 400, and Llama-2-7B-shaped random weights one in 300 (232 MB of heap). A pruned
     * checkpoint, half its halves zero, would need 33 GB for its lists: such a matrix keeps the
     * exact widening, as one with an infinity does.
     */
    static final int MAX_SHARE = 64;

    /** The most rows for which the decode's pass is kept ({@link Pass} holds rows as {@code char}s). */
    static final int MAX_INDEXED_ROWS = 1 << 16;

    private final int[] rowStart;
    /** Row r's listed columns: {@code listed[rowStart[r] … rowStart[r + 1] − 1]}, ascending. */
    private final char[] listed;
    /**
     * The listed halves themselves, beside their columns: the finishes read a half here, in the
     * order they walk the list, not again from its row of the mapped weights.
     */
    private final short[] halves;
    /** Rows a block of {@link #pass} holds: the threads' row ranges start on its multiples, so a range takes whole blocks. */
    static final int PASS_ROWS = RowLead.CHUNK_ROWS;

    /**
     * The listed halves again, in the order the decode's one pass over a row range takes them
     * ({@link #subtractExcess}), or null for a matrix of more than {@link #MAX_INDEXED_ROWS} rows.
     */
    private final Pass pass;

    /**
     * The listed halves block by block of {@link #PASS_ROWS} rows, and within a block by rank: every
     * row's first listed half (rows in order), then every row's second, and so on. A row's halves
     * keep their column order, so each row's sum takes its terms in the same order as from the
     * row-ordered list, bit for bit; but the halves one after another fall in different rows, and
     * each subtraction from {@code y} no longer waits on the one before it through memory. Each
     * half is kept with its row, its column and its excess (exact as a half: 11 significant bits),
     * which spares the pass the excess's arithmetic. Together, over 2048 × 2048 matrices of
     * N(0, 0.02²) halves: 1.23–1.33 against 2.06–2.12 ns a half with the lists in cache, 1.3–2.1
     * against 2.2–3.3 with 128 matrices' lists streaming from memory as in a decode step; ten bytes
     * a listed half instead of six (bench/README.md, round 63).
     */
    private record Pass(int[] blockStart, char[] row, char[] col, short[] excess) {
        static Pass of(int[] rowStart, char[] listed, short[] halves) {
            final int rows = rowStart.length - 1, blocks = (rows + PASS_ROWS - 1) / PASS_ROWS;
            int[] blockStart = new int[blocks + 1];
            char[] row = new char[listed.length], col = new char[listed.length];
            short[] excess = new short[listed.length];
            int at = 0;
            for (int b = 0; b < blocks; b++) {
                blockStart[b] = at;
                final int r0 = b * PASS_ROWS, r1 = Math.min(rows, r0 + PASS_ROWS);
                int most = 0;
                for (int r = r0; r < r1; r++) most = Math.max(most, rowStart[r + 1] - rowStart[r]);
                for (int rank = 0; rank < most; rank++) {
                    for (int r = r0; r < r1; r++) {
                        final int i = rowStart[r] + rank;
                        if (i >= rowStart[r + 1]) continue;
                        row[at] = (char) r;
                        col[at] = listed[i];
                        excess[at] = Float.floatToFloat16(F16Fixups.excess(halves[i]));
                        at++;
                    }
                }
            }
            blockStart[blocks] = at;
            return new Pass(blockStart, row, col, excess);
        }
    }

    private F16Fixups(int[] rowStart, char[] listed, short[] halves) {
        this.rowStart = rowStart;
        this.listed = listed;
        this.halves = halves;
        this.pass = rowStart.length - 1 <= MAX_INDEXED_ROWS ? Pass.of(rowStart, listed, halves) : null;
    }

    /**
     * Scans rows {@code [0, rows)} of a row-major F16 matrix: its fix-ups, or null when some half is
     * an infinity or a NaN (which the fast widening would turn into a finite number), when more
     * than one half in {@link #MAX_SHARE} would be listed, or when the matrix is wider than
     * {@link #MAX_COLS}. Such a matrix keeps the exact widening.
     */
    public static F16Fixups scan(MemorySegment w, int rows, int cols) {
        return scan(w, rows, cols, MAX_SHARE);
    }

    /** {@link #scan} with at most one half in {@code maxShare} listed (1: any number, for tests of many fix-ups a row). */
    static F16Fixups scan(MemorySegment w, int rows, int cols, int maxShare) {
        Part part = scanRows(w, cols, 0, rows);
        return part == null ? null : join(new Part[] {part}, maxShare);
    }

    /** The fix-ups of rows {@code [r0, r1)}, to be {@link #join}ed in row order; null as in {@link #scan}. */
    public static Part scanRows(MemorySegment w, int cols, int r0, int r1) {
        if (cols > MAX_COLS) return null;
        int[] counts = new int[r1 - r0];
        char[] found = new char[64];
        int n = 0;
        final int lanes = SHORTS.length(), full = cols / lanes * lanes;
        for (int r = r0; r < r1; r++) {
            final long row = (long) r * cols * 2;
            final int before = n;
            int k = 0;
            for (; k < full; k += lanes) {
                ShortVector exp = ShortVector.fromMemorySegment(SHORTS, w, row + 2L * k, LE).and((short) 0x7C00);
                VectorMask<Short> allOnes = exp.compare(VectorOperators.EQ, (short) 0x7C00), zeros = exp.compare(VectorOperators.EQ, (short) 0);
                if (!allOnes.or(zeros).anyTrue()) continue; // most vectors: one test
                if (allOnes.anyTrue()) return null;
                long zero = zeros.toLong();
                while (zero != 0) {
                    if (n == found.length) found = Arrays.copyOf(found, 2 * n);
                    found[n++] = (char) (k + Long.numberOfTrailingZeros(zero));
                    zero &= zero - 1;
                }
            }
            for (; k < cols; k++) {
                int exp = w.get(HALF, row + 2L * k) & 0x7C00;
                if (exp == 0x7C00) return null;
                if (exp == 0) {
                    if (n == found.length) found = Arrays.copyOf(found, 2 * n);
                    found[n++] = (char) k;
                }
            }
            counts[r - r0] = n - before;
        }
        // The listed halves themselves, read once the rows are scanned (they are few).
        short[] halves = new short[n];
        for (int r = r0, i = 0; r < r1; r++) {
            final long row = (long) r * cols * 2;
            for (int end = i + counts[r - r0]; i < end; i++) halves[i] = w.get(HALF, row + 2L * found[i]);
        }
        return new Part(counts, Arrays.copyOf(found, n), halves, cols);
    }

    /** One row range's scan: the count of listed columns per row, the columns, their halves, and the matrix's width. */
    public record Part(int[] counts, char[] cols, short[] halves, int width) {}

    /**
     * The fix-ups of a matrix from the scans of consecutive row ranges, in order from row 0; null
     * when more than one half in {@link #MAX_SHARE} is listed.
     */
    public static F16Fixups join(Part[] parts) {
        return join(parts, MAX_SHARE);
    }

    /** {@link #join} with at most one half in {@code maxShare} listed. */
    static F16Fixups join(Part[] parts, int maxShare) {
        int rows = 0;
        long total = 0;
        for (Part p : parts) {
            rows += p.counts.length;
            total += p.cols.length;
        }
        if (total * maxShare > (long) rows * parts[0].width) return null;
        int[] start = new int[rows + 1];
        char[] cols = new char[(int) total];
        short[] halves = new short[(int) total];
        int r = 0, at = 0;
        for (Part p : parts) {
            System.arraycopy(p.cols, 0, cols, at, p.cols.length);
            System.arraycopy(p.halves, 0, halves, at, p.halves.length);
            for (int c : p.counts) {
                start[r++] = at;
                at += c;
            }
        }
        start[rows] = at;
        return new F16Fixups(start, cols, halves);
    }

    /** How many halves are listed, over all rows. */
    public int count() {
        return listed.length;
    }

    /**
     * How much more than {@code w·2^16} the fast widening reads a half with a zero exponent field
     * as: {@code s·(2 + m/512) − s·m/256}, exact in float.
     */
    static float excess(short half) {
        float e = 2f - (half & 0x3FF) * 0x1p-9f; // in (0, 2]
        // The half's sign put on with a bit operation, not a branch: the signs of the listed halves
        // are random, and a branch on them mispredicted about half the time, which made the decode
        // kernels' per-row finish cost twice what it needs (bench/README.md, round 28).
        return Float.intBitsToFloat(Float.floatToRawIntBits(e) | (half & 0x8000) << 16);
    }

    /**
     * {@code Σ excess·x[xOff + k]} over row {@code row}'s listed columns k below {@code limit} (the
     * columns the fast widening covered).
     */
    float excessDot(int row, int limit, float[] x, int xOff) {
        float s = 0;
        for (int i = rowStart[row], end = rowStart[row + 1]; i < end && listed[i] < limit; i++) {
            s += excess(halves[i]) * x[xOff + listed[i]];
        }
        return s;
    }

    /** Whether {@link #subtractExcess} can take the excess out of a decode product's rows (else {@link #excessDot}, row by row). */
    boolean rowIndexed() {
        return pass != null;
    }

    /**
     * Takes {@code excess·x[xOff + k]·2^-16} out of {@code y[yOff + row]} for every listed half of
     * rows {@code [r0, r1)} at a column k below {@code limit}: what {@link #excessDot} does row by
     * row, in one loop over the range's halves once the decode kernel has written the rows' scaled
     * sums. Row by row, each row's loop of a few halves ended in a mispredicted branch, and the
     * finish of the F16 decode on the 1.1B shape took 14% of its samples; with one pass the
     * one-thread decode was faster in 7 of 10 alternating pairs, by about 5–15% (bench/README.md,
     * round 44). The same products, subtracted one by one instead of summed first, each row's in
     * column order (see {@link Pass}).
     */
    void subtractExcess(int limit, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        if (r0 >= r1) return;
        // The whole blocks inside the range in one loop; the one or two blocks it cuts, with a test of each half's row.
        final int first = (r0 + PASS_ROWS - 1) / PASS_ROWS, end = r1 / PASS_ROWS;
        if (first >= end) {
            subtractIn(limit, r0 / PASS_ROWS, (r1 - 1) / PASS_ROWS + 1, r0, r1, x, xOff, y, yOff);
            return;
        }
        if (r0 < first * PASS_ROWS) subtractIn(limit, first - 1, first, r0, r1, x, xOff, y, yOff);
        final char[] rows = pass.row, cols = pass.col;
        final short[] excess = pass.excess;
        for (int i = pass.blockStart[first], stop = pass.blockStart[end]; i < stop; i++) {
            final int k = cols[i];
            if (k < limit) y[yOff + rows[i]] -= Float.float16ToFloat(excess[i]) * 0x1p-16f * x[xOff + k];
        }
        if (end * PASS_ROWS < r1) subtractIn(limit, end, end + 1, r0, r1, x, xOff, y, yOff);
    }

    /** {@link #subtractExcess} over the halves of blocks {@code [b0, b1)} whose rows are in {@code [r0, r1)}. */
    private void subtractIn(int limit, int b0, int b1, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        final char[] rows = pass.row, cols = pass.col;
        final short[] excess = pass.excess;
        for (int i = pass.blockStart[b0], stop = pass.blockStart[b1]; i < stop; i++) {
            final int k = cols[i], row = rows[i];
            if (k < limit && row >= r0 && row < r1) y[yOff + row] -= Float.float16ToFloat(excess[i]) * 0x1p-16f * x[xOff + k];
        }
    }

    /** Lanes of one parity: {@code PARITY[b·L + lane]} is 1 where {@code lane % 2 == b}. */
    private static final float[] PARITY = new float[2 * L];

    static {
        for (int i = 0; i < 2 * L; i++) PARITY[i] = (i / L) == (i % 2) ? 1f : 0f;
    }

    /**
     * Finishes rows {@code r … r + rows − 1} of a batched product's tile while it is still in
     * {@code tile} (from {@code from}, two vectors a row, as {@code F16Kernels.gemmPairs} leaves
     * them), for the tokens of the {@link TokenPanels#packPairs} block {@code xq}: takes each listed
     * column's excess times the tokens' activations out of the sums, then the 2^16. In a row's two
     * vectors, token {@code a} of each half of the tokens has a pair of lanes, summed when the tile
     * is stored; the excess comes out of the lane that column k's activations take in the block
     * ({@link TokenPanels#pairLane}), whose vector holds them for every token at once.
     */
    void finishPairTile(int r, int rows, int limit, MemorySegment xq, float[] tile, int from) {
        for (int i = 0; i < rows; i++) {
            final int row = r + i;
            FloatVector c0 = FloatVector.zero(F), c1 = c0;
            for (int at = rowStart[row], end = rowStart[row + 1]; at < end && listed[at] < limit; at++) {
                final int k = listed[at];
                final int v = TokenPanels.pairVector(k);
                FloatVector e = FloatVector.fromArray(F, PARITY, TokenPanels.pairLane(k) * L).mul(excess(halves[at]));
                c0 = FloatVector.fromMemorySegment(F, xq, 4L * v, NATIVE).fma(e, c0);
                c1 = FloatVector.fromMemorySegment(F, xq, 4L * v + VBYTES, NATIVE).fma(e, c1);
            }
            final int t = from + 2 * i * L;
            FloatVector.fromArray(F, tile, t).sub(c0).mul(0x1p-16f).intoArray(tile, t);
            FloatVector.fromArray(F, tile, t + L).sub(c1).mul(0x1p-16f).intoArray(tile, t + L);
        }
    }

    /**
     * {@link #finishPairTile} for both blocks of a 32-token tile at once ({@code F16Kernels.gemmPairs32}:
     * {@code xa}'s rows from 0 in {@code tile}, {@code xb}'s from {@code 8·L}), the same floats as
     * two calls. Each listed column's half, excess and lane are found once for four FMAs instead of
     * once for two: on the 7B-shaped F16 checkpoint the two calls took 6% of a 32-sequence step
     * (bench/README.md, round 35).
     */
    void finishPairTile32(int r, int limit, MemorySegment xa, MemorySegment xb, float[] tile) {
        for (int i = 0; i < 4; i++) {
            final int row = r + i;
            FloatVector a0 = FloatVector.zero(F), a1 = a0, b0 = a0, b1 = a0;
            for (int at = rowStart[row], end = rowStart[row + 1]; at < end && listed[at] < limit; at++) {
                final int k = listed[at];
                final long v = 4L * TokenPanels.pairVector(k);
                FloatVector e = FloatVector.fromArray(F, PARITY, TokenPanels.pairLane(k) * L).mul(excess(halves[at]));
                a0 = FloatVector.fromMemorySegment(F, xa, v, NATIVE).fma(e, a0);
                a1 = FloatVector.fromMemorySegment(F, xa, v + VBYTES, NATIVE).fma(e, a1);
                b0 = FloatVector.fromMemorySegment(F, xb, v, NATIVE).fma(e, b0);
                b1 = FloatVector.fromMemorySegment(F, xb, v + VBYTES, NATIVE).fma(e, b1);
            }
            final int t = 2 * i * L, u = 8 * L + t;
            FloatVector.fromArray(F, tile, t).sub(a0).mul(0x1p-16f).intoArray(tile, t);
            FloatVector.fromArray(F, tile, t + L).sub(a1).mul(0x1p-16f).intoArray(tile, t + L);
            FloatVector.fromArray(F, tile, u).sub(b0).mul(0x1p-16f).intoArray(tile, u);
            FloatVector.fromArray(F, tile, u + L).sub(b1).mul(0x1p-16f).intoArray(tile, u + L);
        }
    }

    /** Lane i of row c is 1 where {@code i % 4 == c}: the lanes one column of a group takes in a quads vector. */
    private static final float[] QUARTER_LANE = new float[4 * L];

    static {
        for (int i = 0; i < 4 * L; i++) QUARTER_LANE[i] = (i % L) % 4 == i / L ? 1f : 0f;
    }

    /**
     * For {@code F16Kernels.tile4x16}: the excess of rows {@code r … r + 3} over their listed
     * columns below {@code limit}, times the activations of the 16 tokens of the
     * {@link TokenPanels#packQuads16} block {@code xq}, in the lanes of that tile's accumulators:
     * {@code into[(4i + g)·L + 4t + c]} for row {@code r + i} and token {@code 4g + t}, over the
     * columns k with {@code (k & 7) >> 1 == c}. A column's activations sit in those lanes of the
     * block's four vectors for its group and parity, so each listed column costs a multiply and
     * four FMAs. Returns false, writing nothing, where none of the four rows has a listed column.
     */
    boolean quadExcess(int r, int limit, MemorySegment xq, float[] into) {
        if (rowStart[r] == rowStart[r + 4]) return false;
        for (int i = 0; i < 4; i++) {
            final int row = r + i;
            FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
            for (int at = rowStart[row], end = rowStart[row + 1]; at < end && listed[at] < limit; at++) {
                final int k = listed[at];
                FloatVector e = FloatVector.fromArray(F, QUARTER_LANE, ((k & 7) >> 1) * L).mul(excess(halves[at]));
                final long v = VBYTES * ((k & ~7) + 4 * (k & 1));
                c0 = FloatVector.fromMemorySegment(F, xq, v, NATIVE).fma(e, c0);
                c1 = FloatVector.fromMemorySegment(F, xq, v + VBYTES, NATIVE).fma(e, c1);
                c2 = FloatVector.fromMemorySegment(F, xq, v + 2 * VBYTES, NATIVE).fma(e, c2);
                c3 = FloatVector.fromMemorySegment(F, xq, v + 3 * VBYTES, NATIVE).fma(e, c3);
            }
            c0.intoArray(into, 4 * i * L);
            c1.intoArray(into, (4 * i + 1) * L);
            c2.intoArray(into, (4 * i + 2) * L);
            c3.intoArray(into, (4 * i + 3) * L);
        }
        return true;
    }
}
