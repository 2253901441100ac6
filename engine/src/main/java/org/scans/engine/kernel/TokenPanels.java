package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;

/**
 * Activations transposed for the matrix-product microkernels: tokens go across the vector lanes,
 * so that one weight, broadcast, multiplies {@link #WIDTH} tokens at once and a tile of
 * {@link #ROWS} rows × {@code WIDTH} tokens stays in registers for the whole width of the
 * matrix. No horizontal reduction is needed, each weight is widened once per {@code WIDTH}
 * tokens, and every activation vector loaded feeds {@code ROWS} FMAs.
 *
 * <p>Layout: tokens are cut into blocks of {@code WIDTH}; a block holds
 * {@code xt[k·WIDTH + j] = x[(t0 + j)·cols + k]}, zero beyond the last token.
 */
public final class TokenPanels {
    /**
     * Tokens per block: two float vectors. Three (24 accumulators) measured slower: 145 against
     * 165 GFLOP/s on one core for a 16384×2048 BF16 matrix at 64 tokens.
     */
    public static final int WIDTH = 2 * L;
    /** Weight rows per microkernel tile. */
    public static final int ROWS = 8;

    private TokenPanels() {}

    /** Floats of one block of width {@code cols}. */
    public static int blockSize(int cols) {
        return WIDTH * cols;
    }

    /**
     * Writes tokens {@code [t0, t0 + nt)} of x ({@code [n][cols]}, natural order) into {@code xt}
     * as one block: {@code xt[k·WIDTH + j] = x[(t0 + j)·cols + k]}, zero for j ≥ nt. Each thread
     * packs its own copy block by block, so the panel it reads is in its own L2.
     */
    public static void packBlock(float[] x, int t0, int nt, int cols, float[] xt) {
        for (int j = 0; j < nt; j++) {
            int src = (t0 + j) * cols;
            for (int k = 0; k < cols; k++) xt[k * WIDTH + j] = x[src + k];
        }
        if (nt < WIDTH) {
            for (int k = 0; k < cols; k++) java.util.Arrays.fill(xt, k * WIDTH + nt, (k + 1) * WIDTH, 0f);
        }
    }

    /**
     * Moves a finished tile ({@code tile[i·WIDTH + j]} = row r + i, token t0 + j) to
     * {@code out[(t0 + j)·outStride + r + i]} for the first {@code nt} tokens.
     */
    static void store(float[] tile, int r, int t0, int nt, float[] out, int outStride) {
        store(tile, r, ROWS, t0, nt, out, outStride);
    }

    /** {@link #store} for a tile of {@code rows} rows. */
    static void store(float[] tile, int r, int rows, int t0, int nt, float[] out, int outStride) {
        for (int j = 0; j < nt; j++) {
            int o = (t0 + j) * outStride + r;
            for (int i = 0; i < rows; i++) out[o + i] = tile[i * WIDTH + j];
        }
    }

    /**
     * Moves a finished tile of a {@link #packPairs} block to
     * {@code out[(t0 + j)·outStride + r + i]}: token j's sum for row i is the two lanes of its pair
     * in vector {@code 2i + j / (L/2)}.
     */
    static void storePairs(float[] tile, int r, int t0, int nt, float[] out, int outStride) {
        storePairs(tile, 0, ROWS, r, t0, nt, out, outStride);
    }

    /** {@link #storePairs} for {@code rows} rows whose vectors start at {@code tile[from]}. */
    static void storePairs(float[] tile, int from, int rows, int r, int t0, int nt, float[] out, int outStride) {
        if (L == 16 && (rows == ROWS || rows == ROWS / 2)) {
            // Token by token: one gather brings the token's rows, both lanes of each pair, and one
            // add and a masked store put the sums in place. Element by element, as below, this
            // took 4% of a 16-sequence decoding step on one thread, and 3% of an F16 prefill
            // (4-row tiles).
            final boolean eight = rows == ROWS;
            final int[] map = eight ? PAIR_GATHER_8 : PAIR_GATHER_4;
            final VectorMask<Float> first = eight ? FIRST_8 : FIRST_4;
            final VectorShuffle<Float> pairs = eight ? Vectors.SWAP8 : Vectors.SWAP4;
            for (int j = 0; j < nt; j++) {
                FloatVector g = FloatVector.fromArray(F, tile, from + (j / (L / 2)) * L + (j % (L / 2)) * 2, map, 0);
                g = g.add(g.rearrange(pairs));
                g.intoArray(out, (t0 + j) * outStride + r, first);
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < nt; j++) {
                int at = from + (2 * i + j / (L / 2)) * L + (j % (L / 2)) * 2;
                out[(t0 + j) * outStride + r + i] = tile[at] + tile[at + 1];
            }
        }
    }

    /**
     * With 16 lanes, where {@link #storePairs} gathers a token's two lanes of each of a tile's
     * {@code rows} rows from, relative to the token's first lane in row 0: lane i < rows takes row
     * i's first lane, lane i + rows its second, so that lanes i and i + rows add to row i's sum.
     * Lanes from 2·rows on read the token's first lane again, unused.
     */
    private static int[] pairGather(int rows) {
        return java.util.stream.IntStream.range(0, L).map(i -> i < 2 * rows ? 2 * (i % rows) * L + i / rows : 0).toArray();
    }

    private static final int[] PAIR_GATHER_8 = pairGather(ROWS), PAIR_GATHER_4 = pairGather(ROWS / 2);
    /** The first 8 or 4 lanes: one token's row sums in a tile of 8 or 4 rows. */
    private static final VectorMask<Float> FIRST_8 = VectorMask.fromLong(F, (1L << Math.min(ROWS, L)) - 1),
            FIRST_4 = VectorMask.fromLong(F, (1L << Math.min(ROWS / 2, L)) - 1);

    /** The vectors of a tile that {@code nt} tokens need: 1 or 2. */
    static int vectors(int nt) {
        return (nt + L - 1) / L;
    }

    /**
     * Most tokens of one {@link #packPairs} block: one float vector's worth (16 with 512-bit
     * vectors), the batched-decoding step of {@code BF16Kernels.gemmPairs}.
     */
    public static final int PAIR_TOKENS = L;

    /** Floats in one {@link #packPairs} block of {@code cols} columns. */
    public static int pairBlockSize(int cols) {
        return cols * PAIR_TOKENS;
    }

    /**
     * Writes tokens {@code [t0, t0 + nt)} ({@code nt ≤ PAIR_TOKENS}) of x ({@code [n][cols]}) into
     * {@code xq} (at least {@code cols·PAIR_TOKENS} floats) for {@code BF16Kernels.gemmPairs}: per
     * group of four columns k…k+3, four vectors — columns (k, k+2) then (k+1, k+3), each for the
     * first and the second half of the tokens — whose lane {@code 2a + b} holds token
     * {@code half·L/2 + a} at column {@code k + 2b (+1)}: the order in which a 64-bit broadcast of
     * four BF16 weights, shifted and masked, presents them. Columns past the last group of four
     * are stored plainly, {@code L} tokens per column. Tokens from nt on are zero.
     */
    public static void packPairs(float[] x, int t0, int nt, int cols, float[] xq) {
        final int full = cols & ~3;
        // Token by token: L columns of a token are one vector load and one scatter (to
        // PAIR_SCATTER's places). Slot by slot, reading each token's row a few floats at a time,
        // this took 5% of a 16-sequence decoding step on each thread.
        if (nt < L) java.util.Arrays.fill(xq, 0, cols * L, 0f);
        for (int j = 0; j < nt; j++) {
            final int src = (t0 + j) * cols, lane = pairSlot(0, j);
            int k = 0;
            for (; k + L <= full; k += L) FloatVector.fromArray(F, x, src + k).intoArray(xq, k * L + lane, PAIR_SCATTER, 0);
            for (; k < full; k++) xq[pairSlot(k, j)] = x[src + k];
            for (; k < cols; k++) xq[k * L + j] = x[src + k];
        }
    }

    /**
     * {@link #packPairs} for a full block of 16 tokens (16 lanes), written straight into the
     * 64-byte-aligned panel {@code xq}: the same floats at the same places. Per 16 columns and
     * half of the tokens, eight token rows are loaded whole; one shuffle per row brings each pair
     * of columns a vector of the panel pairs (k and k+2, or k+1 and k+3) next to each other, and
     * an 8 × 8 transpose of those 64-bit pairs (three rounds of shuffles and blends, 48
     * instructions) leaves each of the eight vectors holding one pair of columns for all eight
     * tokens, ready to store. The scatter that {@link #packPairs} uses puts each float in place on
     * its own: it took 1.8% of a 16-sequence decoding step on one thread (JFR, bench/README.md,
     * round 33), and its heap block then had to be copied into the panel.
     */
    public static void packPairs16(float[] x, int t0, int cols, MemorySegment xq) {
        if (!Vectors.LANES16) throw new IllegalStateException("packPairs16 needs 16 lanes, not " + L);
        final int full = cols & ~3, wide = cols & ~15;
        for (int k = 0; k < wide; k += 16) {
            packPairsHalf(x, t0 * cols + k, cols, xq, 4L * 16 * k);
            packPairsHalf(x, (t0 + 8) * cols + k, cols, xq, 4L * (16 * k + 16));
        }
        packRest(x, t0, cols, xq, wide, full, TokenPanels::pairSlot);
    }

    /**
     * The columns from {@code wide} on that a 16-column shuffle pass leaves, of a full block of 16
     * tokens: up to {@code grouped} at the block layout's {@code slot}, the rest plainly.
     */
    private static void packRest(float[] x, int t0, int cols, MemorySegment xq, int wide, int grouped, java.util.function.IntBinaryOperator slot) {
        for (int j = 0; j < 16; j++) {
            final int src = (t0 + j) * cols;
            for (int k = wide; k < grouped; k++) xq.setAtIndex(ValueLayout.JAVA_FLOAT, slot.applyAsInt(k, j), x[src + k]);
            for (int k = grouped; k < cols; k++) xq.setAtIndex(ValueLayout.JAVA_FLOAT, (long) k * L + j, x[src + k]);
        }
    }

    /**
     * Eight tokens' 16 columns from {@code x[src + j·cols …]} into the panel's eight vectors from
     * byte {@code at}, 128 bytes apart (two vectors, the other half of the tokens between them).
     * Written out with eight named vectors: in an array, or passed to a call C2 does not inline,
     * each would be boxed on the heap.
     */
    private static void packPairsHalf(float[] x, int src, int cols, MemorySegment xq, long at) {
        FloatVector u0 = FloatVector.fromArray(F, x, src).rearrange(PAIR_UNITS), u1 = FloatVector.fromArray(F, x, src + cols).rearrange(PAIR_UNITS);
        FloatVector u2 = FloatVector.fromArray(F, x, src + 2 * cols).rearrange(PAIR_UNITS), u3 = FloatVector.fromArray(F, x, src + 3 * cols).rearrange(PAIR_UNITS);
        FloatVector u4 = FloatVector.fromArray(F, x, src + 4 * cols).rearrange(PAIR_UNITS), u5 = FloatVector.fromArray(F, x, src + 5 * cols).rearrange(PAIR_UNITS);
        FloatVector u6 = FloatVector.fromArray(F, x, src + 6 * cols).rearrange(PAIR_UNITS), u7 = FloatVector.fromArray(F, x, src + 7 * cols).rearrange(PAIR_UNITS);
        // Each round swaps, between rows r and r + d (bit d of r clear), the pair at d + m of row r
        // with the pair at m of row r + d, for every m with bit d clear.
        FloatVector a, b;
        a = u0.blend(u1.rearrange(UNITS_UP_1), UNITS_BIT_1); b = u0.rearrange(UNITS_DOWN_1).blend(u1, UNITS_BIT_1); u0 = a; u1 = b;
        a = u2.blend(u3.rearrange(UNITS_UP_1), UNITS_BIT_1); b = u2.rearrange(UNITS_DOWN_1).blend(u3, UNITS_BIT_1); u2 = a; u3 = b;
        a = u4.blend(u5.rearrange(UNITS_UP_1), UNITS_BIT_1); b = u4.rearrange(UNITS_DOWN_1).blend(u5, UNITS_BIT_1); u4 = a; u5 = b;
        a = u6.blend(u7.rearrange(UNITS_UP_1), UNITS_BIT_1); b = u6.rearrange(UNITS_DOWN_1).blend(u7, UNITS_BIT_1); u6 = a; u7 = b;
        a = u0.blend(u2.rearrange(UNITS_UP_2), UNITS_BIT_2); b = u0.rearrange(UNITS_DOWN_2).blend(u2, UNITS_BIT_2); u0 = a; u2 = b;
        a = u1.blend(u3.rearrange(UNITS_UP_2), UNITS_BIT_2); b = u1.rearrange(UNITS_DOWN_2).blend(u3, UNITS_BIT_2); u1 = a; u3 = b;
        a = u4.blend(u6.rearrange(UNITS_UP_2), UNITS_BIT_2); b = u4.rearrange(UNITS_DOWN_2).blend(u6, UNITS_BIT_2); u4 = a; u6 = b;
        a = u5.blend(u7.rearrange(UNITS_UP_2), UNITS_BIT_2); b = u5.rearrange(UNITS_DOWN_2).blend(u7, UNITS_BIT_2); u5 = a; u7 = b;
        a = u0.blend(u4.rearrange(UNITS_UP_4), UNITS_BIT_4); b = u0.rearrange(UNITS_DOWN_4).blend(u4, UNITS_BIT_4); u0 = a; u4 = b;
        a = u1.blend(u5.rearrange(UNITS_UP_4), UNITS_BIT_4); b = u1.rearrange(UNITS_DOWN_4).blend(u5, UNITS_BIT_4); u1 = a; u5 = b;
        a = u2.blend(u6.rearrange(UNITS_UP_4), UNITS_BIT_4); b = u2.rearrange(UNITS_DOWN_4).blend(u6, UNITS_BIT_4); u2 = a; u6 = b;
        a = u3.blend(u7.rearrange(UNITS_UP_4), UNITS_BIT_4); b = u3.rearrange(UNITS_DOWN_4).blend(u7, UNITS_BIT_4); u3 = a; u7 = b;
        // Row m now holds pair m (columns 4g + p and 4g + p + 2, m = 2g + p) of the eight tokens.
        u0.intoMemorySegment(xq, at, Vectors.NATIVE); u1.intoMemorySegment(xq, at + 128, Vectors.NATIVE);
        u2.intoMemorySegment(xq, at + 256, Vectors.NATIVE); u3.intoMemorySegment(xq, at + 384, Vectors.NATIVE);
        u4.intoMemorySegment(xq, at + 512, Vectors.NATIVE); u5.intoMemorySegment(xq, at + 640, Vectors.NATIVE);
        u6.intoMemorySegment(xq, at + 768, Vectors.NATIVE); u7.intoMemorySegment(xq, at + 896, Vectors.NATIVE);
    }

    /**
     * packPairs16's shuffles over 64-bit pairs of lanes ("units", unit m = lanes 2m and 2m + 1).
     * PAIR_UNITS gathers a token's 16 columns so that unit 2g + p holds columns 4g + p and 4g + p +
     * 2; UP_d moves unit m − d to m where bit d of m is set, DOWN_d unit m + d to m where it is
     * clear; BIT_d are the lanes of the units whose bit d is set. Built only with 16 lanes.
     */
    private static final VectorShuffle<Float> PAIR_UNITS = shuffle16(i -> 4 * (i >> 2) + ((i >> 1) & 1) + 2 * (i & 1)),
            UNITS_UP_1 = moves(2, 1, true), UNITS_UP_2 = moves(2, 2, true), UNITS_UP_4 = moves(2, 4, true),
            UNITS_DOWN_1 = moves(2, 1, false), UNITS_DOWN_2 = moves(2, 2, false), UNITS_DOWN_4 = moves(2, 4, false);
    private static final VectorMask<Float> UNITS_BIT_1 = pieceBit(2, 1), UNITS_BIT_2 = pieceBit(2, 2), UNITS_BIT_4 = pieceBit(2, 4);

    /** A shuffle of the 16 lanes (the identity with fewer lanes, where the packings that use them do not run). */
    private static VectorShuffle<Float> shuffle16(java.util.function.IntUnaryOperator source) {
        return !Vectors.LANES16 ? VectorShuffle.iota(F, 0, 1, true) : VectorShuffle.fromOp(F, source);
    }

    /**
     * Over pieces of {@code width} lanes (piece m = lanes width·m …): up, piece m − d to m where bit
     * d of m is set; down, piece m + d to m where it is clear; other lanes stay.
     */
    private static VectorShuffle<Float> moves(int width, int d, boolean up) {
        return shuffle16(i -> {
            int m = i / width, l = i % width;
            if (up) return (m & d) != 0 ? width * (m - d) + l : i;
            return (m & d) == 0 ? width * (m + d) + l : i;
        });
    }

    /** The lanes of the pieces of {@code width} lanes whose index has bit d set. */
    private static VectorMask<Float> pieceBit(int width, int d) {
        long bits = 0;
        for (int i = 0; i < L; i++) if (((i / width) & d) != 0) bits |= 1L << i;
        return VectorMask.fromLong(F, bits);
    }

    /**
     * Writes a full block of 16 tokens {@code [t0, t0 + 16)} of x ({@code [n][cols]}) into the
     * 64-byte-aligned panel {@code xq} ({@code cols·16} floats) for the {@code gemmQuads} of
     * BF16Kernels, F16Kernels and Q8Kernels (16 lanes only): per group of eight columns k…k+7,
     * eight vectors, first the even columns (k, k+2, k+4, k+6) for tokens 0–3, 4–7, 8–11 and
     * 12–15, then the odd ones. Lane {@code 4t + c} of a group's vector holds its token {@code t}
     * at column {@code k + 2c} (+1): the order in which those tiles present a row's 8 weights,
     * widened and repeated in each 128-bit lane, even columns and odd ones apart. Columns past the last group of eight are stored
     * plainly, 16 tokens per column. {@link #quadAt} reads any slot back.
     *
     * <p>Per 16 columns and four tokens: each token's 16 columns are loaded whole and split into
     * even and odd (one shuffle), and a 4 × 4 transpose of 128-bit pieces (two rounds of shuffles
     * and blends) leaves each vector holding one group's even or odd columns for the four tokens.
     */
    public static void packQuads16(float[] x, int t0, int cols, MemorySegment xq) {
        if (!Vectors.LANES16) throw new IllegalStateException("packQuads16 needs 16 lanes, not " + L);
        final int eights = cols & ~7, wide = cols & ~15;
        for (int k = 0; k < wide; k += 16) {
            for (int g = 0; g < 4; g++) packQuadsGroup(x, (t0 + 4 * g) * cols + k, cols, xq, 4L * (16 * k + 16 * g));
        }
        packRest(x, t0, cols, xq, wide, eights, TokenPanels::quadSlot);
    }

    /**
     * Four tokens' 16 columns from {@code x[src + j·cols …]}: the even columns of the first group
     * of eight go to byte {@code at}, those of the second to {@code at + 512}, the odd ones 256
     * bytes after each. Written out (see packPairsHalf).
     */
    private static void packQuadsGroup(float[] x, int src, int cols, MemorySegment xq, long at) {
        // Quarter q of a row after EVEN_ODD: 0 the first group's even columns, 1 the second
        // group's, 2 and 3 their odd columns.
        FloatVector d0 = FloatVector.fromArray(F, x, src).rearrange(EVEN_ODD), d1 = FloatVector.fromArray(F, x, src + cols).rearrange(EVEN_ODD);
        FloatVector d2 = FloatVector.fromArray(F, x, src + 2 * cols).rearrange(EVEN_ODD), d3 = FloatVector.fromArray(F, x, src + 3 * cols).rearrange(EVEN_ODD);
        FloatVector a, b;
        a = d0.blend(d1.rearrange(QUARTERS_UP_1), QUARTERS_BIT_1); b = d0.rearrange(QUARTERS_DOWN_1).blend(d1, QUARTERS_BIT_1); d0 = a; d1 = b;
        a = d2.blend(d3.rearrange(QUARTERS_UP_1), QUARTERS_BIT_1); b = d2.rearrange(QUARTERS_DOWN_1).blend(d3, QUARTERS_BIT_1); d2 = a; d3 = b;
        a = d0.blend(d2.rearrange(QUARTERS_UP_2), QUARTERS_BIT_2); b = d0.rearrange(QUARTERS_DOWN_2).blend(d2, QUARTERS_BIT_2); d0 = a; d2 = b;
        a = d1.blend(d3.rearrange(QUARTERS_UP_2), QUARTERS_BIT_2); b = d1.rearrange(QUARTERS_DOWN_2).blend(d3, QUARTERS_BIT_2); d1 = a; d3 = b;
        // Row q now holds quarter q of the four tokens, token t in lanes 4t…4t+3.
        d0.intoMemorySegment(xq, at, Vectors.NATIVE);
        d1.intoMemorySegment(xq, at + 512, Vectors.NATIVE);
        d2.intoMemorySegment(xq, at + 256, Vectors.NATIVE);
        d3.intoMemorySegment(xq, at + 768, Vectors.NATIVE);
    }

    /** The slot of token j at column k (below {@code cols & ~7}) in a {@link #packQuads16} block. */
    private static int quadSlot(int k, int j) {
        int c = k & 7;
        return (k & ~7) * L + (c & 1) * 4 * L + (j >> 2) * L + (j & 3) * 4 + (c >> 1);
    }

    /** Token j's activation at column k in a {@link #packQuads16} block: for the scalar edges. */
    static float quadAt(MemorySegment xq, int cols, int k, int j) {
        return xq.getAtIndex(ValueLayout.JAVA_FLOAT, k >= (cols & ~7) ? (long) k * L + j : quadSlot(k, j));
    }

    /**
     * packQuadsGroup's shuffles: EVEN_ODD puts a row's even lanes of each half first (lanes 0–3
     * the first eight columns' evens, 4–7 the second's, 8–15 the odds likewise); over 128-bit
     * quarters (quarter m = lanes 4m…4m+3), UP_d moves quarter m − d to m where bit d of m is set,
     * DOWN_d quarter m + d to m where it is clear, and BIT_d are the lanes of the quarters whose
     * bit d is set.
     */
    private static final VectorShuffle<Float> EVEN_ODD = shuffle16(i -> ((i >> 2) & 1) * 8 + 2 * (i & 3) + (i >> 3)),
            QUARTERS_UP_1 = moves(4, 1, true), QUARTERS_UP_2 = moves(4, 2, true), QUARTERS_DOWN_1 = moves(4, 1, false), QUARTERS_DOWN_2 = moves(4, 2, false);
    private static final VectorMask<Float> QUARTERS_BIT_1 = pieceBit(4, 1), QUARTERS_BIT_2 = pieceBit(4, 2);

    /**
     * Where {@link #packPairs} puts L consecutive columns of one token (the run starting on a
     * group of four), relative to the run's first slot for token 0.
     */
    private static final int[] PAIR_SCATTER = java.util.stream.IntStream.range(0, L).map(c -> pairSlot(c, 0)).toArray();

    /**
     * The slot of token j at column k (below {@code cols & ~3}) in a {@link #packPairs} block:
     * column k's group of four, then the vector pairing (k, k+2) for even {@code k % 4} or (k+1,
     * k+3) for odd, the half of the tokens, the token's pair of lanes, and the first or second
     * lane of it.
     */
    private static int pairSlot(int k, int j) {
        final int half = L / 2;
        return pairVector(k) + (j / half) * L + (j % half) * 2 + pairLane(k);
    }

    /**
     * Where the vector holding column k (below {@code cols & ~3}) for the first half of the tokens
     * starts in a {@link #packPairs} block; the second half's follows it. Token {@code a} of a half
     * is in lane {@code 2a + }{@link #pairLane}{@code (k)} of it.
     */
    static int pairVector(int k) {
        return (k & ~3) * L + (k & 1) * 2 * L;
    }

    /** Which lane of each token's pair holds column k in a {@link #packPairs} block: 0 or 1. */
    static int pairLane(int k) {
        return (k & 2) >> 1;
    }

    /** Token j's activation at column k in a {@link #packPairs} block: for the scalar edges. */
    static float pairAt(MemorySegment xq, int cols, int k, int j) {
        return xq.getAtIndex(ValueLayout.JAVA_FLOAT, k >= (cols & ~3) ? k * L + j : pairSlot(k, j));
    }
}
