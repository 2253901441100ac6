package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.I;
import static org.scans.engine.kernel.Vectors.S;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The element-wise and reduction kernels of a forward pass, over float32 activations. */
public final class VectorOps {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);

    private VectorOps() {}

    /** Σ x[i]² over {@code [off, off+n)}. */
    public static float sumOfSquares(float[] x, int off, int n) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, off + i);
            acc = v.fma(v, acc);
        }
        float s = Vectors.sum(acc);
        for (; i < n; i++) s += x[off + i] * x[off + i];
        return s;
    }

    /** {@code out[i] = x[i] · scale · w[i]}: the tail of RMSNorm once the scale is known. */
    public static void scaleMul(float[] x, int xOff, float scale, float[] w, float[] out, int outOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, x, xOff + i).mul(scale).mul(FloatVector.fromArray(F, w, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = x[xOff + i] * scale * w[i];
    }

    /**
     * RMSNorm of one row: {@code out = x / sqrt(mean(x²) + eps) · w}. A row of finite values above
     * about 1e19 (a very strong steering vector) overflows the float sum of squares, and a scale of
     * 1/∞ = 0 would zero the row: then the sum is taken again in double, as {@link ScalarOps} does.
     */
    public static void rmsnorm(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, int n) {
        float ss = sumOfSquares(x, xOff, n) / n + eps;
        double scale = 1.0 / Math.sqrt(ss);
        if (ss == Float.POSITIVE_INFINITY) {
            double wide = 0;
            for (int i = 0; i < n; i++) wide += (double) x[xOff + i] * x[xOff + i];
            scale = 1.0 / Math.sqrt(wide / n + eps);
        }
        scaleMul(x, xOff, (float) scale, w, out, outOff, n);
    }

    /**
     * Whether every value of {@code x[off, off+n)} is finite. {@code v·0} is 0 for a finite v and
     * NaN for NaN or ±∞, and a NaN stays in the running sum: one multiply-add per lane.
     */
    public static boolean allFinite(float[] x, int off, int n) {
        FloatVector zero = FloatVector.zero(F), acc = zero;
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromArray(F, x, off + i).fma(zero, acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s += x[off + i] * 0f;
        return s == 0f;
    }

    /** {@code acc[i] += x[i]}. */
    public static void add(float[] acc, int accOff, float[] x, int xOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector.fromArray(F, acc, accOff + i).add(FloatVector.fromArray(F, x, xOff + i)).intoArray(acc, accOff + i);
        }
        for (; i < n; i++) acc[accOff + i] += x[xOff + i];
    }

    /** {@code gate[i] = silu(gate[i]) · up[i]}, with silu(g) = g / (1 + e^−g): the SwiGLU gate. */
    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        int i = 0;
        for (; i + L <= n; i += L) {
            FloatVector g = FloatVector.fromArray(F, gate, gOff + i);
            FloatVector s = g.div(Exp.exp(g.neg()).add(1f));
            s.mul(FloatVector.fromArray(F, up, uOff + i)).intoArray(gate, gOff + i);
        }
        for (; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }

    /** In-place softmax of {@code x[off, off+n)}. */
    public static void softmax(float[] x, int off, int n) {
        FloatVector mv = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = 0;
        // The fresh load is the receiver, of an exact class, not the loop's running maximum: with
        // mv.max(…) C2 sometimes compiled the call through a type guard whose miss path ran the
        // Vector API's Java fallback: 3-10% of the samples of a 16-sequence decode, in 2 of 3
        // profiled runs (bench/README.md, round 37).
        for (; i + L <= n; i += L) mv = FloatVector.fromArray(F, x, off + i).max(mv);
        float max = mv.reduceLanes(VectorOperators.MAX);
        for (; i < n; i++) max = Math.max(max, x[off + i]);
        FloatVector sv = FloatVector.zero(F);
        i = 0;
        for (; i + L <= n; i += L) {
            FloatVector e = Exp.exp(FloatVector.fromArray(F, x, off + i).sub(max));
            e.intoArray(x, off + i);
            sv = sv.add(e);
        }
        float sum = Vectors.sum(sv);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        i = 0;
        for (; i + L <= n; i += L) FloatVector.fromArray(F, x, off + i).mul(inv).intoArray(x, off + i);
        for (; i < n; i++) x[off + i] *= inv;
    }

    /** Σ q[qOff + i]·k[kOff + 4i] with k in a (cache) segment. */
    public static float dot(float[] q, int qOff, MemorySegment k, long kOff, int n) {
        if (PAIRS && n == HALF_L) return dotHalfVector(q, qOff, k, kOff);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) {
            acc = FloatVector.fromArray(F, q, qOff + i).fma(FloatVector.fromMemorySegment(F, k, kOff + 4L * i, LE), acc);
        }
        float s = Vectors.sum(acc);
        for (; i < n; i++) s += q[qOff + i] * k.get(FLOAT, kOff + 4L * i);
        return s;
    }

    /** Whether {@link #groupScores} scores 16 positions at a time: with 16 lanes (AVX-512). */
    private static final boolean BLOCKS = L == 16;

    /*
     * Heads of half a vector (8 dimensions with 16 lanes: stories260K's, the bundled model's) put
     * two positions in each vector: a key or value row is shorter than a vector, so one at a time
     * they went through the scalar tails of dot and weightedSum, which took 60% of a `run`'s
     * samples on a Zen 5 VM (bench/README.md, round 40).
     */
    private static final boolean PAIRS = BLOCKS; // scoresPairs ends in scores16's reduction, built for 16 lanes
    private static final int HALF_L = L / 2;
    /** Lanes 8–15: the second position of a pair. */
    private static final VectorMask<Float> HIGH_HALF = VectorMask.fromLong(F, ((1L << HALF_L) - 1) << HALF_L);
    /** Lanes 0–7. */
    private static final VectorMask<Short> LOW_HALF_SHORTS = VectorMask.fromLong(S, (1L << HALF_L) - 1);
    /** Vectors of {@code HALF_L} floats (with 16 lanes: 256 bits). */
    private static final VectorSpecies<Float> F_HALF = VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 2)));
    /**
     * Lanes 0–7 in lanes 8–15 too: a head of {@code HALF_L} dimensions twice, to meet two keys in
     * one vector. (Loaded as a gather with an index map, the gather's Java code checked each of
     * the 16 indices: 155 of a run's samples, more than the scores themselves.)
     */
    private static final VectorShuffle<Float> TWICE = VectorShuffle.fromOp(F, i -> i % HALF_L);
    /*
     * The pair kernels load the query head (and the last float32 value row) and store their 8 sums
     * as vectors of 8 (F_HALF), reinterpreted to and from the full width, and no masks: a masked
     * access that would run past the end of its array checks its lanes in Java, and with a
     * one-token batch's 64-float query the last head's load did, every time (122–161 of a batched
     * run's samples). Written out at each site: a helper taking or returning a vector, when C2
     * leaves it out of line, boxes it (768 bytes per decoding step in AttentionBenchmark).
     */
    /** {@code SPREAD[j]}: lanes 0–7 take lane 2j, lanes 8–15 lane 2j + 1 (one weight per position of a pair). */
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Float>[] SPREAD = new VectorShuffle[HALF_L];
    /** Where {@link #scoresPairs}'s reduction leaves key j: lane {@code (j & 1)·8 + reverse3(j >> 1)}. */
    private static final VectorShuffle<Float> PAIRED_ORDER;

    static {
        for (int j = 0; j < HALF_L; j++) {
            final int pair = j;
            SPREAD[j] = VectorShuffle.fromOp(F, i -> 2 * pair + i / HALF_L);
        }
        PAIRED_ORDER = VectorShuffle.fromOp(F, j -> ((j & 1) * HALF_L + (Integer.reverse(j >> 1) >>> 29)) % L); // meaningful with 16 lanes only
    }

    /**
     * {@link #dot} of {@code HALF_L} = 8 elements with 16 lanes, summed as {@link #scoresPairs}'s
     * reduction sums each key: the tree of {@link Vectors#sum} over the first eight lanes,
     * {@code ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7))}, each product {@code fma(q, k, 0)}
     * as a vector FMA into a zero accumulator makes it (a −0 product comes out +0).
     */
    private static float dotHalfVector(float[] q, int qOff, MemorySegment k, long kOff) {
        float p0 = Math.fma(q[qOff], k.get(FLOAT, kOff), 0f), p1 = Math.fma(q[qOff + 1], k.get(FLOAT, kOff + 4), 0f);
        float p2 = Math.fma(q[qOff + 2], k.get(FLOAT, kOff + 8), 0f), p3 = Math.fma(q[qOff + 3], k.get(FLOAT, kOff + 12), 0f);
        float p4 = Math.fma(q[qOff + 4], k.get(FLOAT, kOff + 16), 0f), p5 = Math.fma(q[qOff + 5], k.get(FLOAT, kOff + 20), 0f);
        float p6 = Math.fma(q[qOff + 6], k.get(FLOAT, kOff + 24), 0f), p7 = Math.fma(q[qOff + 7], k.get(FLOAT, kOff + 28), 0f);
        return pairTree(p0, p1, p2, p3, p4, p5, p6, p7);
    }

    /** The sum of one key's eight products in the order {@link #scoresPairs}'s reduction adds them. */
    private static float pairTree(float p0, float p1, float p2, float p3, float p4, float p5, float p6, float p7) {
        return ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7));
    }

    /**
     * {@link #scores16} for heads of 8 dimensions with 16 lanes: the 16 keys from {@code o} are
     * eight vectors of two keys each, and the reduction starts at the level of 4 lanes (each key's
     * eight products are already in one half of a vector), so each score is the float
     * {@link #dotHalfVector} gives.
     */
    private static void scoresPairs(float[] q, int qOff, MemorySegment k, long o, float scale, float[] s, int sOff) {
        final FloatVector z = FloatVector.zero(F), qq = ((FloatVector) FloatVector.fromArray(F_HALF, q, qOff).reinterpretShape(F, 0)).rearrange(TWICE);
        final long v = 4L * L;
        FloatVector a0 = qq.fma(FloatVector.fromMemorySegment(F, k, o, LE), z);
        FloatVector a1 = qq.fma(FloatVector.fromMemorySegment(F, k, o + v, LE), z);
        FloatVector a2 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 2 * v, LE), z);
        FloatVector a3 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 3 * v, LE), z);
        FloatVector a4 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 4 * v, LE), z);
        FloatVector a5 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 5 * v, LE), z);
        FloatVector a6 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 6 * v, LE), z);
        FloatVector a7 = qq.fma(FloatVector.fromMemorySegment(F, k, o + 7 * v, LE), z);
        FloatVector b0 = a0.blend(a1, MASK_4).add(a1.blend(a0, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b1 = a2.blend(a3, MASK_4).add(a3.blend(a2, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b2 = a4.blend(a5, MASK_4).add(a5.blend(a4, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b3 = a6.blend(a7, MASK_4).add(a7.blend(a6, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c0 = b0.blend(b1, MASK_2).add(b1.blend(b0, MASK_2).rearrange(Vectors.SWAP2));
        FloatVector c1 = b2.blend(b3, MASK_2).add(b3.blend(b2, MASK_2).rearrange(Vectors.SWAP2));
        c0.blend(c1, MASK_1).add(c1.blend(c0, MASK_1).rearrange(Vectors.SWAP1)).rearrange(PAIRED_ORDER).mul(scale).intoArray(s, sOff);
    }

    /**
     * {@link #weightedSum} for heads of 8 dimensions with 16 lanes and positions one after the
     * other: lanes 0–7 sum the even positions, lanes 8–15 the odd ones, 16 positions an iteration
     * in two accumulators, and the halves are added at the end.
     */
    private static void weightedSumPairs(float[] w, int wOff, int len, MemorySegment v, long vOff, float[] out, int outOff) {
        final long vb = 4L * L; // two positions
        FloatVector a = FloatVector.zero(F), b = a;
        long o = vOff;
        int p = 0;
        for (; p + L <= len; p += L, o += HALF_L * vb) {
            FloatVector ws = FloatVector.fromArray(F, w, wOff + p);
            a = FloatVector.fromMemorySegment(F, v, o, LE).fma(ws.rearrange(SPREAD[0]), a);
            b = FloatVector.fromMemorySegment(F, v, o + vb, LE).fma(ws.rearrange(SPREAD[1]), b);
            a = FloatVector.fromMemorySegment(F, v, o + 2 * vb, LE).fma(ws.rearrange(SPREAD[2]), a);
            b = FloatVector.fromMemorySegment(F, v, o + 3 * vb, LE).fma(ws.rearrange(SPREAD[3]), b);
            a = FloatVector.fromMemorySegment(F, v, o + 4 * vb, LE).fma(ws.rearrange(SPREAD[4]), a);
            b = FloatVector.fromMemorySegment(F, v, o + 5 * vb, LE).fma(ws.rearrange(SPREAD[5]), b);
            a = FloatVector.fromMemorySegment(F, v, o + 6 * vb, LE).fma(ws.rearrange(SPREAD[6]), a);
            b = FloatVector.fromMemorySegment(F, v, o + 7 * vb, LE).fma(ws.rearrange(SPREAD[7]), b);
        }
        for (; p + 2 <= len; p += 2, o += vb) {
            FloatVector ws = FloatVector.broadcast(F, w[wOff + p]).blend(w[wOff + p + 1], HIGH_HALF);
            a = FloatVector.fromMemorySegment(F, v, o, LE).fma(ws, a);
        }
        FloatVector sum = a.add(b);
        sum = sum.add(sum.rearrange(Vectors.SWAP8));
        if (p < len) {
            // The last position alone: its 8 floats as a vector of 8, widened (lanes 8–15 zero).
            FloatVector last = (FloatVector) FloatVector.fromMemorySegment(F_HALF, v, o, LE).reinterpretShape(F, 0);
            sum = last.fma(FloatVector.broadcast(F, w[wOff + p]), sum);
        }
        ((FloatVector) sum.reinterpretShape(F_HALF, 0)).intoArray(out, outOff);
    }

    /*
     * scores16's reduction of 16 vectors (one per key) into one: each level takes pairs of vectors
     * x, y and, with the lanes whose bit h is set (MASK_h), forms x.blend(y) + y.blend(x) swapped
     * by h, so that every lane adds two lanes h apart of one key's vector. Levels h = 8, 4, 2, 1
     * are Vectors.sum's tree, so each score is the same float as dot's; key j ends in lane
     * REVERSED(j) (its index with the four bits reversed), which one rearrange puts back in order.
     * Two-vector selectFrom would take one instruction where this takes three, but C2 left it as
     * calls (lane extractions) here.
     */
    private static final VectorMask<Float> MASK_8 = bits(8), MASK_4 = bits(4), MASK_2 = bits(2), MASK_1 = bits(1);
    private static final VectorShuffle<Float> REVERSED = VectorShuffle.fromOp(F, i -> Integer.reverse(i) >>> 28);

    private static VectorMask<Float> bits(int h) {
        boolean[] set = new boolean[L];
        for (int i = 0; i < L; i++) set[i] = (i & h) != 0;
        return VectorMask.fromArray(F, set, 0);
    }

    /**
     * With 16 lanes: {@code s[sOff + j] = scale · q·k_j} for 16 consecutive float32 keys from
     * {@code o}, each the same float as {@link #dot} gives. One key at a time, every score ended
     * in a horizontal sum of its own, eight shuffles and adds for 4 FMAs at 64 dimensions; here the
     * 16 sums are reduced together, 61 blends, swaps and adds for all 16.
     */
    private static void scores16(float[] q, int qOff, int headDim, MemorySegment k, long o, float scale, float[] s, int sOff) {
        final FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
        final long step = 4L * headDim;
        for (int i = 0; i < headDim; i += L) {
            final FloatVector qi = FloatVector.fromArray(F, q, qOff + i);
            final long at = o + 4L * i;
            a0 = qi.fma(FloatVector.fromMemorySegment(F, k, at, LE), a0);
            a1 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 1 * step, LE), a1);
            a2 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 2 * step, LE), a2);
            a3 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 3 * step, LE), a3);
            a4 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 4 * step, LE), a4);
            a5 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 5 * step, LE), a5);
            a6 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 6 * step, LE), a6);
            a7 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 7 * step, LE), a7);
            a8 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 8 * step, LE), a8);
            a9 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 9 * step, LE), a9);
            a10 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 10 * step, LE), a10);
            a11 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 11 * step, LE), a11);
            a12 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 12 * step, LE), a12);
            a13 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 13 * step, LE), a13);
            a14 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 14 * step, LE), a14);
            a15 = qi.fma(FloatVector.fromMemorySegment(F, k, at + 15 * step, LE), a15);
        }
        // The same reduction as scores16Halves: written out in each, since a vector handed to a
        // method C2 does not inline is boxed (see Vectors.SWAP8). One method with both loads
        // behind a flag boxed too: 23–178 MB per decoding step with F16 keys (-prof gc).
        FloatVector b0 = a0.blend(a1, MASK_8).add(a1.blend(a0, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b1 = a2.blend(a3, MASK_8).add(a3.blend(a2, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b2 = a4.blend(a5, MASK_8).add(a5.blend(a4, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b3 = a6.blend(a7, MASK_8).add(a7.blend(a6, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b4 = a8.blend(a9, MASK_8).add(a9.blend(a8, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b5 = a10.blend(a11, MASK_8).add(a11.blend(a10, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b6 = a12.blend(a13, MASK_8).add(a13.blend(a12, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b7 = a14.blend(a15, MASK_8).add(a15.blend(a14, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector c0 = b0.blend(b1, MASK_4).add(b1.blend(b0, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c1 = b2.blend(b3, MASK_4).add(b3.blend(b2, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c2 = b4.blend(b5, MASK_4).add(b5.blend(b4, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c3 = b6.blend(b7, MASK_4).add(b7.blend(b6, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector d0 = c0.blend(c1, MASK_2).add(c1.blend(c0, MASK_2).rearrange(Vectors.SWAP2));
        FloatVector d1 = c2.blend(c3, MASK_2).add(c3.blend(c2, MASK_2).rearrange(Vectors.SWAP2));
        d0.blend(d1, MASK_1).add(d1.blend(d0, MASK_1).rearrange(Vectors.SWAP1)).rearrange(REVERSED).mul(scale).intoArray(s, sOff);
    }

    /** {@link #scores16} for F16 keys, each score the float {@link #dotHalves} gives. */
    private static void scores16Halves(float[] q, int qOff, int headDim, MemorySegment k, long o, float scale, float[] s, int sOff) {
        final FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z, a8 = z, a9 = z, a10 = z, a11 = z, a12 = z, a13 = z, a14 = z, a15 = z;
        final long step = 2L * headDim;
        for (int i = 0; i < headDim; i += L) {
            final FloatVector qi = FloatVector.fromArray(F, q, qOff + i);
            final long at = o + 2L * i;
            // halves() written out: called 16 times here, C2 did not inline it, and every widened
            // key was boxed (3.9 MB per decoding step in AttentionBenchmark's -prof gc).
            a0 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a0);
            a1 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 1 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a1);
            a2 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 2 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a2);
            a3 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 3 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a3);
            a4 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 4 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a4);
            a5 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 5 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a5);
            a6 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 6 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a6);
            a7 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 7 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a7);
            a8 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 8 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a8);
            a9 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 9 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a9);
            a10 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 10 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a10);
            a11 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 11 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a11);
            a12 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 12 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a12);
            a13 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 13 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a13);
            a14 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 14 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a14);
            a15 = qi.fma(((IntVector) ShortVector.fromMemorySegment(S, k, at + 15 * step, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), a15);
        }
        FloatVector b0 = a0.blend(a1, MASK_8).add(a1.blend(a0, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b1 = a2.blend(a3, MASK_8).add(a3.blend(a2, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b2 = a4.blend(a5, MASK_8).add(a5.blend(a4, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b3 = a6.blend(a7, MASK_8).add(a7.blend(a6, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b4 = a8.blend(a9, MASK_8).add(a9.blend(a8, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b5 = a10.blend(a11, MASK_8).add(a11.blend(a10, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b6 = a12.blend(a13, MASK_8).add(a13.blend(a12, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector b7 = a14.blend(a15, MASK_8).add(a15.blend(a14, MASK_8).rearrange(Vectors.SWAP8));
        FloatVector c0 = b0.blend(b1, MASK_4).add(b1.blend(b0, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c1 = b2.blend(b3, MASK_4).add(b3.blend(b2, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c2 = b4.blend(b5, MASK_4).add(b5.blend(b4, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c3 = b6.blend(b7, MASK_4).add(b7.blend(b6, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector d0 = c0.blend(c1, MASK_2).add(c1.blend(c0, MASK_2).rearrange(Vectors.SWAP2));
        FloatVector d1 = c2.blend(c3, MASK_2).add(c3.blend(c2, MASK_2).rearrange(Vectors.SWAP2));
        d0.blend(d1, MASK_1).add(d1.blend(d0, MASK_1).rearrange(Vectors.SWAP1)).rearrange(REVERSED).mul(scale).intoArray(s, sOff);
    }

    /**
     * Attention scores of {@code group} query heads that share one kv head:
     * {@code s[h·sStride + p] = scale · q_h·k_p} for h < group, p < len, with query head h at
     * {@code q[qOff + h·headDim …]} and key p at {@code k[kOff + p·headDim·4 …]} (one kv head's
     * keys, contiguous). Positions go in the outer loop, so each key comes from memory once and
     * serves every query head of the group from L1.
     */
    public static void groupScores(float[] q, int qOff, int group, int headDim, MemorySegment k, long kOff, int len,
                                   float scale, float[] s, int sStride) {
        int p = 0;
        long o = kOff;
        if (BLOCKS && headDim % L == 0) {
            for (; p + L <= len; p += L, o += 4L * headDim * L) {
                for (int h = 0; h < group; h++) scores16(q, qOff + h * headDim, headDim, k, o, scale, s, h * sStride + p);
            }
        } else if (PAIRS && headDim == HALF_L) {
            for (; p + L <= len; p += L, o += 4L * headDim * L) {
                for (int h = 0; h < group; h++) scoresPairs(q, qOff + h * headDim, k, o, scale, s, h * sStride + p);
            }
        }
        for (; p < len; p++, o += 4L * headDim) {
            for (int h = 0; h < group; h++) s[h * sStride + p] = dot(q, qOff + h * headDim, k, o, headDim) * scale;
        }
    }

    /**
     * {@code out[outOff + i] = Σ_p w[wOff + p]·v[vOff + p·stride + 4i]} for i < n, p < len:
     * attention's weighted sum of value rows. The output stays in four vector registers while the positions
     * go by (a quarter of the memory traffic of adding each weighted row into the output in turn),
     * {@code 4L} floats at a time.
     */
    public static void weightedSum(float[] w, int wOff, int len, MemorySegment v, long vOff, long stride, float[] out, int outOff, int n) {
        if (PAIRS && n == HALF_L && stride == 4L * HALF_L) {
            weightedSumPairs(w, wOff, len, v, vOff, out, outOff);
            return;
        }
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            long o = vOff + 4L * i;
            for (int p = 0; p < len; p++, o += stride) {
                FloatVector s = FloatVector.broadcast(F, w[wOff + p]);
                a0 = FloatVector.fromMemorySegment(F, v, o, LE).fma(s, a0);
                a1 = FloatVector.fromMemorySegment(F, v, o + 4L * L, LE).fma(s, a1);
                a2 = FloatVector.fromMemorySegment(F, v, o + 8L * L, LE).fma(s, a2);
                a3 = FloatVector.fromMemorySegment(F, v, o + 12L * L, LE).fma(s, a3);
            }
            a0.intoArray(out, outOff + i);
            a1.intoArray(out, outOff + i + L);
            a2.intoArray(out, outOff + i + 2 * L);
            a3.intoArray(out, outOff + i + 3 * L);
        }
        for (; i + L <= n; i += L) {
            FloatVector a = FloatVector.zero(F);
            long o = vOff + 4L * i;
            for (int p = 0; p < len; p++, o += stride) a = FloatVector.fromMemorySegment(F, v, o, LE).fma(FloatVector.broadcast(F, w[wOff + p]), a);
            a.intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float a = 0;
            long o = vOff + 4L * i;
            for (int p = 0; p < len; p++, o += stride) a += w[wOff + p] * v.get(FLOAT, o);
            out[outOff + i] = a;
        }
    }

    /**
     * {@code L} finite halves at byte {@code o} as floats, exactly. Each is sign-extended to an
     * int, so that one shift puts the sign at bit 31 and exponent and mantissa at the float
     * positions (bits 13–27), with copies of the sign at bits 28–30 that the mask clears. That is
     * the half's value times 2^-112 as a float, zero and subnormals included (a subnormal half
     * becomes a subnormal float); the multiply by 2^112 is exact. Inf and NaN would come out as
     * finite numbers: an F16 KV cache refuses to store them.
     */
    private static FloatVector halves(MemorySegment m, long o) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, m, o, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f);
    }

    /** {@link #dot} with k held as finite F16. */
    public static float dotHalves(float[] q, int qOff, MemorySegment k, long kOff, int n) {
        if (PAIRS && n == HALF_L) return dotHalfVectorHalves(q, qOff, k, kOff);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i + L <= n; i += L) acc = FloatVector.fromArray(F, q, qOff + i).fma(halves(k, kOff + 2L * i), acc);
        float s = Vectors.sum(acc);
        for (; i < n; i++) s += q[qOff + i] * Float.float16ToFloat(k.get(HALF, kOff + 2L * i));
        return s;
    }

    /** {@link #dotHalfVector} with k held as finite F16. */
    private static float dotHalfVectorHalves(float[] q, int qOff, MemorySegment k, long kOff) {
        float p0 = Math.fma(q[qOff], Float.float16ToFloat(k.get(HALF, kOff)), 0f);
        float p1 = Math.fma(q[qOff + 1], Float.float16ToFloat(k.get(HALF, kOff + 2)), 0f);
        float p2 = Math.fma(q[qOff + 2], Float.float16ToFloat(k.get(HALF, kOff + 4)), 0f);
        float p3 = Math.fma(q[qOff + 3], Float.float16ToFloat(k.get(HALF, kOff + 6)), 0f);
        float p4 = Math.fma(q[qOff + 4], Float.float16ToFloat(k.get(HALF, kOff + 8)), 0f);
        float p5 = Math.fma(q[qOff + 5], Float.float16ToFloat(k.get(HALF, kOff + 10)), 0f);
        float p6 = Math.fma(q[qOff + 6], Float.float16ToFloat(k.get(HALF, kOff + 12)), 0f);
        float p7 = Math.fma(q[qOff + 7], Float.float16ToFloat(k.get(HALF, kOff + 14)), 0f);
        return pairTree(p0, p1, p2, p3, p4, p5, p6, p7);
    }

    /** {@link #scoresPairs} for F16 keys, each score the float {@link #dotHalfVectorHalves} gives. */
    private static void scoresPairsHalves(float[] q, int qOff, MemorySegment k, long o, float scale, float[] s, int sOff) {
        final FloatVector z = FloatVector.zero(F), qq = ((FloatVector) FloatVector.fromArray(F_HALF, q, qOff).reinterpretShape(F, 0)).rearrange(TWICE);
        final long v = 2L * L;
        // halves() written out, as in scores16Halves.
        FloatVector a0 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a1 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a2 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 2 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a3 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 3 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a4 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 4 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a5 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 5 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a6 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 6 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector a7 = qq.fma(((IntVector) ShortVector.fromMemorySegment(S, k, o + 7 * v, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f), z);
        FloatVector b0 = a0.blend(a1, MASK_4).add(a1.blend(a0, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b1 = a2.blend(a3, MASK_4).add(a3.blend(a2, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b2 = a4.blend(a5, MASK_4).add(a5.blend(a4, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector b3 = a6.blend(a7, MASK_4).add(a7.blend(a6, MASK_4).rearrange(Vectors.SWAP4));
        FloatVector c0 = b0.blend(b1, MASK_2).add(b1.blend(b0, MASK_2).rearrange(Vectors.SWAP2));
        FloatVector c1 = b2.blend(b3, MASK_2).add(b3.blend(b2, MASK_2).rearrange(Vectors.SWAP2));
        c0.blend(c1, MASK_1).add(c1.blend(c0, MASK_1).rearrange(Vectors.SWAP1)).rearrange(PAIRED_ORDER).mul(scale).intoArray(s, sOff);
    }

    /** {@link #weightedSumPairs} over values held as F16: the same sums in the same order. */
    private static void weightedSumPairsHalves(float[] w, int wOff, int len, MemorySegment v, long vOff, float[] out, int outOff) {
        final long vb = 2L * L; // two positions
        FloatVector a = FloatVector.zero(F), b = a;
        long o = vOff;
        int p = 0;
        // halves() written out, as in scores16Halves: called nine times here, it was left out of
        // line and every widened pair was boxed (147 KB per decoding step in AttentionBenchmark's -prof gc).
        for (; p + L <= len; p += L, o += HALF_L * vb) {
            FloatVector ws = FloatVector.fromArray(F, w, wOff + p);
            a = ((IntVector) ShortVector.fromMemorySegment(S, v, o, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[0]), a);
            b = ((IntVector) ShortVector.fromMemorySegment(S, v, o + vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[1]), b);
            a = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 2 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[2]), a);
            b = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 3 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[3]), b);
            a = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 4 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[4]), a);
            b = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 5 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[5]), b);
            a = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 6 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[6]), a);
            b = ((IntVector) ShortVector.fromMemorySegment(S, v, o + 7 * vb, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws.rearrange(SPREAD[7]), b);
        }
        for (; p + 2 <= len; p += 2, o += vb) {
            FloatVector ws = FloatVector.broadcast(F, w[wOff + p]).blend(w[wOff + p + 1], HIGH_HALF);
            a = ((IntVector) ShortVector.fromMemorySegment(S, v, o, LE).convertShape(VectorOperators.S2I, I, 0))
                    .lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(ws, a);
        }
        FloatVector sum = a.add(b);
        sum = sum.add(sum.rearrange(Vectors.SWAP8));
        if (p < len) {
            // The last position alone. Lanes 8–15 are never stored, so a whole vector's load (the
            // next slot's halves, whatever they hold) serves where it stays inside the cache; a
            // masked one, whose check runs in Java when the vector does not fit, only at its end.
            ShortVector last = o + 2L * L <= v.byteSize() ? ShortVector.fromMemorySegment(S, v, o, LE) : ShortVector.fromMemorySegment(S, v, o, LE, LOW_HALF_SHORTS);
            IntVector h = (IntVector) last.convertShape(VectorOperators.S2I, I, 0);
            sum = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000).reinterpretAsFloats().mul(0x1p112f).fma(FloatVector.broadcast(F, w[wOff + p]), sum);
        }
        ((FloatVector) sum.reinterpretShape(F_HALF, 0)).intoArray(out, outOff);
    }

    /** {@link #groupScores} over keys held as F16 ({@code headDim·2} bytes apart). */
    public static void groupScoresHalves(float[] q, int qOff, int group, int headDim, MemorySegment k, long kOff, int len,
                                         float scale, float[] s, int sStride) {
        int p = 0;
        long o = kOff;
        if (BLOCKS && headDim % L == 0) {
            for (; p + L <= len; p += L, o += 2L * headDim * L) {
                for (int h = 0; h < group; h++) scores16Halves(q, qOff + h * headDim, headDim, k, o, scale, s, h * sStride + p);
            }
        } else if (PAIRS && headDim == HALF_L) {
            for (; p + L <= len; p += L, o += 2L * headDim * L) {
                for (int h = 0; h < group; h++) scoresPairsHalves(q, qOff + h * headDim, k, o, scale, s, h * sStride + p);
            }
        }
        for (; p < len; p++, o += 2L * headDim) {
            for (int h = 0; h < group; h++) s[h * sStride + p] = dotHalves(q, qOff + h * headDim, k, o, headDim) * scale;
        }
    }

    /**
     * {@link #weightedSum} over values held as F16, {@code stride} bytes from one position to the
     * next: the same sums in the same order, each value widened exactly first.
     */
    public static void weightedSumHalves(float[] w, int wOff, int len, MemorySegment v, long vOff, long stride, float[] out, int outOff, int n) {
        if (PAIRS && n == HALF_L && stride == 2L * HALF_L) {
            weightedSumPairsHalves(w, wOff, len, v, vOff, out, outOff);
            return;
        }
        int i = 0;
        for (; i + 4 * L <= n; i += 4 * L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            long o = vOff + 2L * i;
            for (int p = 0; p < len; p++, o += stride) {
                FloatVector s = FloatVector.broadcast(F, w[wOff + p]);
                a0 = halves(v, o).fma(s, a0);
                a1 = halves(v, o + 2L * L).fma(s, a1);
                a2 = halves(v, o + 4L * L).fma(s, a2);
                a3 = halves(v, o + 6L * L).fma(s, a3);
            }
            a0.intoArray(out, outOff + i);
            a1.intoArray(out, outOff + i + L);
            a2.intoArray(out, outOff + i + 2 * L);
            a3.intoArray(out, outOff + i + 3 * L);
        }
        for (; i + L <= n; i += L) {
            FloatVector a = FloatVector.zero(F);
            long o = vOff + 2L * i;
            for (int p = 0; p < len; p++, o += stride) a = halves(v, o).fma(FloatVector.broadcast(F, w[wOff + p]), a);
            a.intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            float a = 0;
            long o = vOff + 2L * i;
            for (int p = 0; p < len; p++, o += stride) a += w[wOff + p] * Float.float16ToFloat(v.get(HALF, o));
            out[outOff + i] = a;
        }
    }

    /**
     * Rotates one head in the Hugging Face rotate_half layout: element i pairs with i + d/2, and
     * {@code (a, b) → (a·cos − b·sin, a·sin + b·cos)} with the angle of frequency i.
     */
    public static void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff) {
        int half = headDim / 2;
        int i = 0;
        for (; i + L <= half; i += L) {
            FloatVector a = FloatVector.fromArray(F, x, off + i);
            FloatVector b = FloatVector.fromArray(F, x, off + half + i);
            FloatVector c = FloatVector.fromArray(F, cos, tableOff + i);
            FloatVector s = FloatVector.fromArray(F, sin, tableOff + i);
            a.mul(c).sub(b.mul(s)).intoArray(x, off + i);
            a.mul(s).add(b.mul(c)).intoArray(x, off + half + i);
        }
        for (; i < half; i++) {
            float a = x[off + i], b = x[off + half + i];
            float c = cos[tableOff + i], s = sin[tableOff + i];
            x[off + i] = a * c - b * s;
            x[off + half + i] = a * s + b * c;
        }
    }

    /**
     * Sums {@code bytes} bytes of {@code seg} from {@code off} read as floats (the value does not
     * matter; it keeps the loads alive): a plain streaming read, the yardstick for memory-bound
     * kernels. The bytes before the first vector boundary byte by byte, then aligned loads (four
     * accumulators, then one), then the bytes after the last whole vector.
     *
     * <p>Why aligned: a safetensors file's tensors start wherever its header ends (48 and 56 bytes
     * past a 64-byte boundary in the files here), and a 512-bit load from there spans two cache
     * lines. On a Zen 5 core the same 2.1 GB read from 48 bytes past a boundary ran at 22.5–23.3
     * GB/s against 30.6–36.2 from the boundary, alternating in one JVM (bench/README.md, round
     * 45). The decode kernels read their rows from a boundary ({@link RowLead}), so the read they
     * are judged against must too.
     */
    public static float read(MemorySegment seg, long off, long bytes) {
        float s = 0;
        long head = Math.min(bytes, Math.floorMod(-(seg.address() + off), Vectors.VBYTES));
        for (long b = off; b < off + head; b++) s += seg.get(ValueLayout.JAVA_BYTE, b);
        off += head;
        bytes -= head;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        final int step = 4 * 4 * L;
        long end = off + bytes / step * step;
        for (long base = off; base < end; ) {
            int len = (int) Math.min(end - base, 1 << 20);
            for (int i = 0; i < len; i += step) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, seg, base + i, LE));
                a1 = a1.add(FloatVector.fromMemorySegment(F, seg, base + i + 4 * L, LE));
                a2 = a2.add(FloatVector.fromMemorySegment(F, seg, base + i + 8 * L, LE));
                a3 = a3.add(FloatVector.fromMemorySegment(F, seg, base + i + 12 * L, LE));
            }
            base += len;
        }
        for (; end + Vectors.VBYTES <= off + bytes; end += Vectors.VBYTES) a0 = a0.add(FloatVector.fromMemorySegment(F, seg, end, LE));
        s += Vectors.sum(a0.add(a1).add(a2.add(a3)));
        for (long b = end; b < off + bytes; b++) s += seg.get(ValueLayout.JAVA_BYTE, b);
        return s;
    }

    /** Bytes in one vector: where {@link #read} puts its boundaries. */
    public static long vectorBytes() {
        return Vectors.VBYTES;
    }

    /** A description of the vector shape in use, for logs and benchmark reports. */
    public static String shape() {
        return Vectors.describe();
    }
}
