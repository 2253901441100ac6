package org.scans.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.scans.engine.backend.AttentionBatch;
import org.scans.engine.backend.CpuBackend;
import org.scans.engine.backend.ScalarBackend;
import org.scans.engine.model.RopeTable;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.Q8Quantizer;
import org.scans.engine.tensor.WeightMatrix;
import org.scans.engine.util.WorkerPool;

/**
 * Vector kernels against the scalar reference on awkward shapes: 1×1, widths below one vector,
 * widths that leave a tail, token counts that leave a partial 4×4 tile.
 *
 * <p>Tolerance: both sides compute the same sum of k products, the reference in double, the
 * kernels in float32 in another order. Float32 summation of k terms errs by at most about
 * k·2^-24·Σ|terms|; we allow twice that bound plus a tiny absolute floor.
 */
class KernelsTest {
    static final int[][] SHAPES = {{1, 1}, {1, 7}, {3, 16}, {2, 17}, {5, 33}, {4, 64}, {7, 100}, {9, 172}, {13, 257}, {6, 1000},
        {16, 31}, {19, 64}, {37, 161}, {40, 96}, {12, 26}, {9, 43}, {10, 45}, {11, 70}, {150, 40}};
    /**
     * 1 is the decode kernel, 2–7 the 4×4 tiles (F16: the decode kernel per token, over blocks of
     * 64 rows, which the 150-row shape crosses), 8 and up the token-panel microkernels: 8 (one
     * vector, partly filled), 17 (two, partly filled), 32 (a full panel), 48 and 53 (a full panel
     * and a partial one). For BF16, blocks of at most one vector of tokens (8, 9, 16, and the
     * last block of 48) take the 64-bit-broadcast kernel (gemmPairs), whose columns go in groups
     * of four, two groups per step: the widths above leave every remainder 0–7.
     */
    static final int[] TOKENS = {1, 2, 3, 4, 5, 7, 9, 8, 16, 17, 32, 48, 53};
    static final Arena ARENA = Arena.ofAuto();

    /**
     * The build runs these tests again with 256-bit and 128-bit vectors (engine/pom.xml) and says
     * which in {@code scans.test.lanes}: if the JVM ignored the flag, those runs would test the
     * 512-bit kernels a second time and pass without having tried the narrower lane counts.
     */
    @Test
    void runsWithTheLaneCountTheBuildAskedFor() {
        String lanes = System.getProperty("scans.test.lanes");
        int expected = lanes == null ? FloatVector.SPECIES_PREFERRED.length() : Integer.parseInt(lanes);
        assertEquals(expected, Vectors.L, "float lanes of the kernels' vectors");
        assertEquals(expected, TokenPanels.PAIR_TOKENS);
    }

    /** The vendor check that picks some tile shapes: the override when given, else /proc/cpuinfo's first vendor_id. */
    @Test
    void cpuVendorComesFromTheOverrideOrCpuinfo() throws java.io.IOException {
        String forced = System.getProperty("scans.cpuVendor");
        java.nio.file.Path cpuinfo = java.nio.file.Path.of("/proc/cpuinfo");
        boolean expected = forced != null ? forced.equals("intel")
                : java.nio.file.Files.isReadable(cpuinfo) && java.nio.file.Files.readAllLines(cpuinfo).stream()
                        .filter(l -> l.startsWith("vendor_id")).findFirst().orElse("").contains("GenuineIntel");
        assertEquals(expected, Vectors.INTEL);
    }

    static MemorySegment encode(float[] v, DType dt) {
        MemorySegment seg = ARENA.allocate(dt.sizeOf(v.length) + 64, 64).asSlice(0, dt.sizeOf(v.length));
        for (int i = 0; i < v.length; i++) {
            switch (dt) {
                case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * i, v[i]);
                case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i, Float.floatToFloat16(v[i]));
                case BF16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * i,
                        (short) (Float.floatToRawIntBits(v[i]) >>> 16));
                default -> throw new IllegalArgumentException();
            }
        }
        return seg;
    }

    static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    static void assertProductsClose(WeightMatrix w, float[] x, int n, float[] got) {
        float[] ref = new float[n * w.rows()];
        new ScalarBackend().matmul(w, x, n, ref);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < w.rows(); r++) {
                double mag = 0;
                for (int k = 0; k < w.cols(); k++) mag += Math.abs((double) w.get(r, k) * x[t * w.cols() + k]);
                double tol = 2 * w.cols() * 0x1p-24 * mag + 1e-6;
                double d = Math.abs(ref[t * w.rows() + r] - got[t * w.rows() + r]);
                assertTrue(d <= tol, w.dtype() + " " + w.rows() + "x" + w.cols() + " n=" + n + " row " + r + " token " + t
                        + ": |Δ| " + d + " > " + tol);
            }
        }
    }

    /**
     * {@link #assertProductsClose} against a reference computed beforehand, with room for the fast
     * F16 kernels' listed halves (F16 weights only): their float sums carry each listed half's
     * excess (at most 2, against 2^16 per unit of weight) times its activation until it is taken
     * back, so the bound's Σ|w·x| grows by 2^-15·Σ|x| over those halves. {@code seg} holds the weights.
     */
    static void assertCloseWithFixups(WeightMatrix w, MemorySegment seg, float[] x, int n, float[] ref, float[] got, String what) {
        int rows = w.rows(), cols = w.cols();
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < rows; r++) {
                double mag = 0, listed = 0;
                for (int k = 0; k < cols; k++) {
                    double xk = Math.abs(x[t * cols + k]);
                    mag += Math.abs(w.get(r, k)) * xk;
                    boolean zeroExponent = (seg.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (r * cols + k)) & 0x7C00) == 0;
                    if (w.dtype() == DType.F16 && zeroExponent) listed += xk;
                }
                double tol = 2 * cols * 0x1p-24 * (mag + 0x1p-15 * listed) + 1e-6, d = Math.abs(ref[t * rows + r] - got[t * rows + r]);
                assertTrue(d <= tol, what + " " + rows + "x" + cols + " n=" + n + " row " + r + " token " + t + ": |Δ| " + d + " > " + tol);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void matmulMatchesScalar(DType dt) {
        Random rnd = new Random(42);
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
            for (int[] s : SHAPES) {
                WeightMatrix w = WeightMatrix.of("w", dt, s[0], s[1], encode(random(rnd, s[0] * s[1]), dt));
                for (int n : TOKENS) {
                    float[] x = random(rnd, n * s[1]);
                    for (CpuBackend b : new CpuBackend[] {one, two}) {
                        float[] out = new float[n * s[0]];
                        b.matmul(w, x, n, out);
                        assertProductsClose(w, x, n, out);
                    }
                }
            }
        }
    }

    /**
     * A safetensors file's tensors start wherever its header ends, so a product's rows can sit at
     * any even offset from a vector boundary. The decode and few-token kernels then read them from
     * that boundary ({@link RowLead}): BF16, and F16 through the fast widening (with a fifth of the
     * halves zeros or subnormals, listed as fix-ups), for every even offset within a vector, for
     * 1 to 7 tokens (BF16's 4×4 tiles and their leftover tokens; F16 reads them led for one),
     * on 1 and 2 threads (which split the rows, so both ranges meet the first or last row, which
     * the led kernels leave to the ordinary ones). Tolerance: {@link #assertCloseWithFixups}.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void decodeOfRowsOffTheVectorBoundaryMatchesScalar(DType dt) {
        Random rnd = new Random(44);
        final int b = PairedLayout.block();
        int[][] shapes = {{3, b}, {10, 2 * b}, {19, b}, {37, 3 * b}, {26, 4 * b}};
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
            for (int[] s : shapes) {
                int rows = s[0], cols = s[1];
                for (long off = 2; off < Vectors.VBYTES; off += 2) {
                    MemorySegment seg = ARENA.allocate(2L * rows * cols + Vectors.VBYTES, 64).asSlice(off, 2L * rows * cols);
                    assertEquals(off / 2, RowLead.of(seg, cols), "lead at byte offset " + off);
                    for (int i = 0; i < rows * cols; i++) {
                        float v = (float) rnd.nextGaussian();
                        short h = dt == DType.BF16 ? (short) (Float.floatToRawIntBits(v) >>> 16)
                                : rnd.nextInt(5) == 0 ? (short) (rnd.nextInt(1024) | (rnd.nextBoolean() ? 0x8000 : 0)) : Float.floatToFloat16(v);
                        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
                    }
                    WeightMatrix w = WeightMatrix.of("w", dt, rows, cols, seg);
                    int n = 1 + (int) (off / 2 % 7); // every offset a token count, 1 to 7 over the offsets
                    float[] x = random(rnd, n * cols), ref = new float[n * rows];
                    new ScalarBackend().matmul(w, x, n, ref);
                    for (CpuBackend be : new CpuBackend[] {one, two}) {
                        float[] out = new float[n * rows];
                        be.matmul(w, x, n, out);
                        assertCloseWithFixups(w, seg, x, n, ref, out, dt + " at +" + off);
                    }
                }
            }
        }
    }

    /**
     * A led BF16 row's first and last blocks read the neighbouring rows' last and first weights.
     * Against zero activations those still make NaN where they are infinite, so a matrix with an
     * infinity is not read led (BF16Kernels.finite): with one at the end of a row and one at the
     * start of another, every other row must come out finite and as the reference has it, for
     * every even offset.
     */
    @Test
    void infiniteBF16WeightsStayInTheirOwnRowsWhenRowsAreLed() {
        Random rnd = new Random(45);
        final int rows = 19, cols = 2 * PairedLayout.block();
        try (CpuBackend one = new CpuBackend(1)) {
            for (long off = 2; off < Vectors.VBYTES; off += 2) {
                MemorySegment seg = ARENA.allocate(2L * rows * cols + Vectors.VBYTES, 64).asSlice(off, 2L * rows * cols);
                for (int i = 0; i < rows * cols; i++) {
                    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, (short) (Float.floatToRawIntBits((float) rnd.nextGaussian()) >>> 16));
                }
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (5 * cols + cols - 1), (short) 0x7F80); // +Inf, row 5's last
                seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * (12 * cols), (short) 0xFF80); // -Inf, row 12's first
                WeightMatrix w = WeightMatrix.of("w", DType.BF16, rows, cols, seg);
                float[] x = random(rnd, cols), ref = new float[rows], out = new float[rows];
                new ScalarBackend().matmul(w, x, 1, ref);
                one.matmul(w, x, 1, out);
                for (int r = 0; r < rows; r++) {
                    if (r == 5 || r == 12) continue;
                    assertTrue(Float.isFinite(out[r]), "row " + r + " at +" + off + " is " + out[r]);
                    assertEquals(ref[r], out[r], 1e-4f * (1 + Math.abs(ref[r])), "row " + r + " at +" + off);
                }
            }
        }
    }

    /**
     * F16 weights of which a fifth have a zero exponent field (±0 and subnormals, which the fast
     * widening reads as off and takes back through F16Fixups), on every shape and token count, 1 and
     * 2 threads. Tolerance: as {@link #assertProductsClose}, but the fast kernels' float sums also
     * carry each listed half's excess (at most 2, against 2^16 per unit of weight) times its
     * activation until it is taken back, so the bound's Σ|w·x| grows by 2^-15·Σ|x| over those halves.
     */
    @Test
    void f16ProductsWithManySubnormalsAndZerosMatchTheReference() {
        Random rnd = new Random(43);
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
            for (int[] s : SHAPES) {
                int rows = s[0], cols = s[1];
                MemorySegment seg = ARENA.allocate(2L * rows * cols, 64);
                for (int i = 0; i < rows * cols; i++) {
                    short h = rnd.nextInt(5) == 0 ? (short) (rnd.nextInt(1024) | (rnd.nextBoolean() ? 0x8000 : 0))
                            : Float.floatToFloat16((float) rnd.nextGaussian());
                    seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
                }
                WeightMatrix w = WeightMatrix.of("w", DType.F16, rows, cols, seg);
                for (int n : TOKENS) {
                    float[] x = random(rnd, n * cols), ref = new float[n * rows];
                    new ScalarBackend().matmul(w, x, n, ref);
                    for (CpuBackend b : new CpuBackend[] {one, two}) {
                        float[] out = new float[n * rows];
                        b.matmul(w, x, n, out);
                        assertCloseWithFixups(w, seg, x, n, ref, out, "F16");
                    }
                }
            }
        }
    }

    /**
     * F16Kernels.gemmWidened (each group of 8 rows converted into a float scratch, then the float
     * tiles) sums every row as F16Kernels.gemm does, from the same exact conversion: the results
     * must be equal bit for bit, for halves of every kind (subnormals, zeros of both signs,
     * infinities, NaNs among ordinary ones), for 1 to WIDTH tokens (one and two vectors), and
     * for row ranges that start and end off a group of 8 (the rest goes through gemm itself).
     */
    @Test
    void f16WidenedGemmEqualsTheExactGemmBitForBit() {
        Random rnd = new Random(71);
        int rows = 29, cols = 2 * 41; // even, as gemmWidened asks; no multiple of 8
        MemorySegment w = ARENA.allocate(2L * rows * cols, 64);
        short[] kinds = {0x0000, (short) 0x8000, 0x0001, (short) 0x83FF, 0x7C00, (short) 0xFC00, 0x7E00, 0x3C00};
        for (int i = 0; i < rows * cols; i++) {
            short h = rnd.nextInt(40) == 0 ? kinds[rnd.nextInt(kinds.length)]
                    : rnd.nextInt(6) == 0 ? (short) (rnd.nextInt(1024) | (rnd.nextBoolean() ? 0x8000 : 0))
                    : Float.floatToFloat16((float) rnd.nextGaussian());
            w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
        }
        float[] tile = new float[TokenPanels.ROWS * TokenPanels.WIDTH], scratch = Q8Kernels.newScratch(cols);
        for (int nt = 1; nt <= TokenPanels.WIDTH; nt++) {
            float[] x = random(rnd, nt * cols), xt = new float[TokenPanels.blockSize(cols)];
            TokenPanels.packBlock(x, 0, nt, cols, xt);
            for (int[] range : new int[][] {{0, rows}, {3, 27}, {8, 16}}) {
                float[] want = new float[nt * rows], got = new float[nt * rows];
                F16Kernels.gemm(w, cols, range[0], range[1], xt, 0, nt, want, rows, tile);
                F16Kernels.gemmWidened(w, cols, range[0], range[1], xt, 0, nt, got, rows, tile, scratch);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                            "nt=" + nt + " rows " + range[0] + "-" + range[1] + " at " + i + ": " + got[i] + " vs " + want[i]);
                }
            }
        }
    }

    /**
     * The batched step's F16 kernel (F16Kernels.gemmPairs) makes the decode kernel's assumptions
     * (finite halves, activations below 2^64): a matrix with an infinity or a NaN, or an activation
     * of 2^64 or more, must take the exact widening, for every token count that
     * fills at most one vector, and for 17 to 32 tokens (two paired blocks, F16Kernels.gemmPairs32);
     * so must the few-token products (2 and 5 tokens), which otherwise run the fast decode kernel.
     * An activation of 40000 is ordinary for the fast kernels and must come out as close.
     */
    @Test
    void f16BatchedStepHandlesInfinitiesNaNsAndLargeActivations() {
        Random rnd = new Random(19);
        int rows = 24, cols = 100; // 100: a tail past the last group of eight columns
        float[] v = random(rnd, rows * cols);
        WeightMatrix finite = WeightMatrix.of("finite", DType.F16, rows, cols, encode(v, DType.F16));
        v[3 * cols + 5] = Float.POSITIVE_INFINITY;
        v[17 * cols + 96] = Float.NaN; // in the tail columns
        WeightMatrix nonFinite = WeightMatrix.of("non-finite", DType.F16, rows, cols, encode(v, DType.F16));
        try (CpuBackend b = new CpuBackend(1)) {
            for (int n : new int[] {2, 5, 8, 9, TokenPanels.PAIR_TOKENS, TokenPanels.PAIR_TOKENS + 1, TokenPanels.WIDTH}) {
                float[] x = random(rnd, n * cols), big = x.clone(), huge = x.clone();
                big[cols + 7] = 40000f;
                huge[cols + 7] = 1e20f;
                for (Object[] c : new Object[][] {{nonFinite, x}, {finite, huge}, {finite, big}, {finite, x}}) {
                    WeightMatrix w = (WeightMatrix) c[0];
                    float[] in = (float[]) c[1], ref = new float[n * rows], out = new float[n * rows];
                    new ScalarBackend().matmul(w, in, n, ref);
                    b.matmul(w, in, n, out);
                    for (int t = 0; t < n; t++) {
                        for (int r = 0; r < rows; r++) {
                            float want = ref[t * rows + r], got = out[t * rows + r];
                            String where = w.name() + " n=" + n + " token " + t + " row " + r;
                            if (!Float.isFinite(want)) {
                                assertEquals(Float.isNaN(want), Float.isNaN(got), where);
                                if (!Float.isNaN(want)) assertEquals(want, got, where);
                                continue;
                            }
                            double mag = 0;
                            for (int k = 0; k < cols; k++) mag += Math.abs((double) w.get(r, k) * in[t * cols + k]);
                            assertTrue(Math.abs(want - got) <= 2 * cols * 0x1p-24 * mag + 1e-6, where + ": " + got + " vs " + want);
                        }
                    }
                }
            }
        }
    }

    /**
     * The fast F16 decode kernel widens halves on the assumption that they are finite; a matrix
     * holding an infinity or a NaN must be recognised (F16Fixups.scan) and go through the
     * exact widening, so the result is what the scalar reference gives: non-finite where the math
     * says so.
     */
    @Test
    void f16DecodeHandlesInfinitiesAndNaNs() {
        Random rnd = new Random(9);
        int rows = 24, cols = 96;
        float[] v = random(rnd, rows * cols);
        v[3 * cols + 5] = Float.POSITIVE_INFINITY; // block 0
        v[17 * cols + 40] = Float.NaN;             // block 2
        v[20 * cols + 95] = 65504f;                // largest finite half: no fallback needed
        WeightMatrix w = WeightMatrix.of("w", DType.F16, rows, cols, encode(v, DType.F16));
        float[] x = random(rnd, cols);
        float[] ref = new float[rows];
        new ScalarBackend().matmul(w, x, 1, ref);
        assertTrue(F16Fixups.scan(w.data(), rows, cols) == null);
        assertTrue(F16Fixups.scan(encode(random(rnd, 3 * 97), DType.F16), 3, 97) != null, "odd width, all finite");
        try (CpuBackend b = new CpuBackend(1)) {
            float[] out = new float[rows];
            b.matmul(w, x, 1, out);
            for (int r = 0; r < rows; r++) {
                if (!Float.isFinite(ref[r])) {
                    assertEquals(Float.isNaN(ref[r]), Float.isNaN(out[r]), "row " + r);
                    if (!Float.isNaN(ref[r])) assertEquals(ref[r], out[r], "row " + r);
                }
            }
            float[] finite = new float[rows];
            // Rows without a non-finite weight are as close as the general matmul test demands.
            for (int r = 0; r < rows; r++) if (Float.isFinite(ref[r])) finite[r] = out[r];
            for (int r = 0; r < rows; r++) {
                if (!Float.isFinite(ref[r])) continue;
                double mag = 0;
                for (int k = 0; k < cols; k++) mag += Math.abs((double) w.get(r, k) * x[k]);
                assertTrue(Math.abs(ref[r] - finite[r]) <= 2 * cols * 0x1p-24 * mag + 1e-6, "row " + r);
            }
            // Activations too large for the fast widening take the exact path.
            float[] big = x.clone();
            big[7] = 1e20f;
            float[] refBig = new float[rows], outBig = new float[rows];
            new ScalarBackend().matmul(w, big, 1, refBig);
            b.matmul(w, big, 1, outBig);
            for (int r = 0; r < rows; r++) {
                if (!Float.isFinite(refBig[r])) continue;
                double mag = 0;
                for (int k = 0; k < cols; k++) mag += Math.abs((double) w.get(r, k) * big[k]);
                assertTrue(Math.abs(refBig[r] - outBig[r]) <= 2 * cols * 0x1p-24 * mag + 1e-6, "big row " + r);
            }
        }
    }

    /**
     * With two threads the backend scans a large F16 matrix for Inf/NaN in slices, one thread
     * each; a NaN in the last slice must still send the matrix down the exact path (its row NaN,
     * as the math says), and an all-finite matrix must give the single thread's numbers, bit for
     * bit (the kernels add in the same order in every JIT tier).
     */
    @Test
    void f16ScanInSlicesFindsANaNInTheLastSlice() {
        Random rnd = new Random(10);
        int rows = 2100, cols = 2048; // 8.6 MB: three 4 MB slices
        float[] v = random(rnd, rows * cols);
        float[] x = random(rnd, cols);
        WeightMatrix finite = WeightMatrix.of("finite", DType.F16, rows, cols, encode(v, DType.F16));
        v[2090 * cols + 7] = Float.NaN;
        WeightMatrix withNaN = WeightMatrix.of("nan", DType.F16, rows, cols, encode(v, DType.F16));
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
            float[] a = new float[rows], b = new float[rows];
            one.matmul(finite, x, 1, a);
            two.matmul(finite, x, 1, b);
            assertArrayEquals(a, b);
            two.matmul(withNaN, x, 1, b);
            for (int r = 0; r < rows; r++) assertEquals(r == 2090, Float.isNaN(b[r]), "row " + r);
        }
    }

    /**
     * A decode's sums do not depend on how the threads split the rows: every row but a led
     * matrix's first and last goes through the same tile kernel, however many rows a thread's
     * range leaves past its tiles (round 63; before, those rows took a one-row kernel that adds
     * in another order). Led BF16 and F16 matrices (rows 48 bytes past a vector boundary, as in a
     * safetensors file) and row counts that leave 1 to 7 rows past the 16-row chunks; 1 and 2
     * threads, bit for bit, and close to the scalar product.
     */
    @Test
    void decodeSumsDoNotDependOnTheThreadSplit() {
        Random rnd = new Random(12);
        int cols = 2048;
        for (DType dt : new DType[] {DType.BF16, DType.F16}) {
            for (int rows : new int[] {2100, 2063, 1032, 23}) {
                float[] v = random(rnd, rows * cols);
                MemorySegment aligned = encode(v, dt);
                MemorySegment block = ARENA.allocate(aligned.byteSize() + 128, 64);
                MemorySegment led = block.asSlice(48, aligned.byteSize());
                led.copyFrom(aligned);
                WeightMatrix w = WeightMatrix.of("led", dt, rows, cols, led);
                float[] x = random(rnd, cols);
                try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
                    float[] a = new float[rows], b = new float[rows];
                    one.matmul(w, x, 1, a);
                    two.matmul(w, x, 1, b);
                    assertArrayEquals(a, b, dt + ", " + rows + " rows");
                    assertProductsClose(w, x, 1, a);
                }
            }
        }
    }

    @Test
    void q8MatmulMatchesScalarOnTheQuantizedWeights() {
        Random rnd = new Random(7);
        try (CpuBackend b = new CpuBackend(2, 0); WorkerPool pool = new WorkerPool(1)) {
            for (int[] s : new int[][] {{1, 32}, {3, 64}, {7, 96}, {5, 320}, {9, 64}, {17, 96}, {24, 128}}) {
                float[] v = random(rnd, s[0] * s[1]);
                WeightMatrix q = Q8Quantizer.quantize(WeightMatrix.of("w", DType.F32, s[0], s[1], encode(v, DType.F32)), ARENA, pool);
                for (int n : TOKENS) {
                    float[] x = random(rnd, n * s[1]);
                    float[] out = new float[n * s[0]];
                    b.matmul(q, x, n, out);
                    assertProductsClose(q, x, n, out);
                }
                // Quantization error itself: |q·d' − w| ≤ d/2 + 127·|d − d'| with d = max|w|/127 per
                // block and d' its F16 rounding (relative error ≤ 2^-11).
                for (int r = 0; r < s[0]; r++) {
                    for (int k = 0; k < s[1]; k++) {
                        float amax = 0;
                        for (int j = k / 32 * 32; j < k / 32 * 32 + 32; j++) amax = Math.max(amax, Math.abs(v[r * s[1] + j]));
                        float d = amax / 127;
                        assertTrue(Math.abs(q.get(r, k) - v[r * s[1] + k]) <= d * (0.5 + 127 * 0x1p-11) + 1e-7);
                    }
                }
            }
        }
    }

    /** A random float32 matrix quantized to Q8_0 (with two threads, as a model load does). */
    static org.scans.engine.tensor.Q8Matrix randomQ8(Random rnd, int rows, int cols) {
        try (WorkerPool pool = new WorkerPool(2)) {
            return Q8Quantizer.quantize(WeightMatrix.of("w", DType.F32, rows, cols, encode(random(rnd, rows * cols), DType.F32)), ARENA, pool);
        }
    }

    /**
     * Q8_0 stores rows in groups of 8; a thread's row range can start and end inside a group. The
     * kernels, called directly on such ranges, must write exactly the rows of the range, right.
     */
    @Test
    void q8KernelsHandleRowRangesThatCutGroups() {
        Random rnd = new Random(11);
        org.scans.engine.tensor.Q8Matrix m = randomQ8(rnd, 21, 96);
        assertEquals(3L * 3 * org.scans.engine.tensor.Q8Matrix.GROUP_BLOCK_BYTES, m.data().byteSize(), "3 groups (the last padded) × 3 blocks");
        checkQ8RowRanges(rnd, m);
        // Wider than gemmPairs' chunk of 256 columns, the last chunk partial: each chunk's rows
        // lie a whole chunk apart in the scratch, and the tile reads them so.
        checkQ8RowRanges(rnd, randomQ8(rnd, 21, 320));
    }

    private static void checkQ8RowRanges(Random rnd, org.scans.engine.tensor.Q8Matrix m) {
        int rows = m.rows(), cols = m.cols();
        for (int[] range : new int[][] {{0, 21}, {3, 14}, {9, 17}, {5, 7}, {16, 21}, {8, 16}}) {
            // Token counts up to one vector also go through the paired kernel (batched decoding).
            // (Paired blocks hold at most PAIR_TOKENS = L tokens: 4 with 128-bit vectors.)
            for (int nt : new int[] {1, 5, -Math.min(5, Vectors.L), Vectors.L, -Vectors.L, TokenPanels.WIDTH}) {
                boolean pairs = nt < 0;
                nt = Math.abs(nt);
                float[] x = random(rnd, nt * cols);
                float[] out = new float[nt * rows];
                java.util.Arrays.fill(out, Float.NaN);
                if (nt == 1) {
                    Q8Kernels.matvec(m, range[0], range[1], x, 0, out, 0);
                } else {
                    float[] xt = new float[TokenPanels.blockSize(cols)], tile = new float[TokenPanels.ROWS * TokenPanels.WIDTH];
                    float[] deq = Q8Kernels.newScratch(cols);
                    if (pairs) {
                        Q8Kernels.gemmPairs(m, range[0], range[1], new PairPanel().pack(x, 0, nt, cols), 0, nt, out, rows, tile, Q8Kernels.newPairScratch());
                    } else {
                        TokenPanels.packBlock(x, 0, nt, cols, xt);
                        Q8Kernels.gemm(m, range[0], range[1], xt, 0, nt, out, rows, tile, deq);
                    }
                }
                for (int t = 0; t < nt; t++) {
                    for (int r = 0; r < rows; r++) {
                        float got = out[t * rows + r];
                        String where = "rows [" + range[0] + ", " + range[1] + ") n=" + nt + " row " + r + " token " + t;
                        if (r < range[0] || r >= range[1]) {
                            assertTrue(Float.isNaN(got), where + " is outside the range but was written");
                            continue;
                        }
                        double ref = 0, mag = 0;
                        for (int k = 0; k < cols; k++) {
                            ref += (double) m.get(r, k) * x[t * cols + k];
                            mag += Math.abs((double) m.get(r, k) * x[t * cols + k]);
                        }
                        assertTrue(Math.abs(ref - got) <= 2 * cols * 0x1p-24 * mag + 1e-6, where + ": " + got + " vs " + ref);
                    }
                }
            }
        }
    }

    /**
     * The 8-row group kernels (one per vector width: 2, 4 or 8 float vectors a block) add each
     * row's products in the order the one-row kernel does, so a row's result does not depend on
     * whether a thread's range covered its whole group: bit for bit, at whatever width this run
     * has (the build runs this class with 512-, 256- and 128-bit vectors).
     */
    @Test
    void q8GroupKernelsSumEachRowAsTheOneRowKernelDoes() {
        Random rnd = new Random(13);
        int rows = 24, cols = 160;
        org.scans.engine.tensor.Q8Matrix m = randomQ8(rnd, rows, cols);
        float[] x = random(rnd, cols);
        float[] grouped = new float[rows], single = new float[rows];
        Q8Kernels.matvec(m, 0, rows, x, 0, grouped, 0);
        for (int r = 0; r < rows; r++) Q8Kernels.matvec(m, r, r + 1, x, 0, single, 0); // one row: never a whole group
        for (int r = 0; r < rows; r++) {
            assertEquals(Float.floatToRawIntBits(single[r]), Float.floatToRawIntBits(grouped[r]),
                    "row " + r + ": " + grouped[r] + " grouped, " + single[r] + " alone (" + Vectors.describe() + ")");
        }
    }

    /** Dequantization for the panel kernels gives scale·byte exactly, in natural or pair order. */
    @Test
    void q8DequantizeIsExactInBothOrders() {
        Random rnd = new Random(12);
        int rows = 8, cols = 96;
        org.scans.engine.tensor.Q8Matrix m = randomQ8(rnd, rows, cols);
        float[] a = Q8Kernels.newScratch(cols);
        Q8Kernels.dequantize(m.data(), m.groupBlock(0, 0), m.blocks(), a, cols);
        long[] p = Q8Kernels.newPairScratch();
        Q8Kernels.dequantizePairs(m.data(), m.groupBlock(0, 0), m.blocks(), p);
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                float want = m.get(r, k);
                assertEquals(want, a[r * cols + k], "natural row " + r + " col " + k);
                // Pair order within each four columns: k, k+2, k+1, k+3; two floats per long, the first in the low half.
                int at = r * 2 * Q8Kernels.PAIR_ROW_LONGS + ((k & ~3) | (k & 1) << 1 | (k & 2) >> 1); // rows a whole chunk apart
                long pair = p[at / 2];
                assertEquals(want, Float.intBitsToFloat((int) (at % 2 == 0 ? pair : pair >>> 32)), "pairs row " + r + " col " + k);
            }
        }
    }

    /** The vector quantizer rounds as C's roundf does, halves and near-halves included. */
    @Test
    void q8QuantizerRoundsHalvesAwayFromZero() {
        int cols = 64;
        float[] v = new float[cols];
        // Block 0: max 127 so that d = 1 and every value is its own quantized value before rounding.
        float[] block = {127f, -127f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f, -0.49999997f, 2.4999998f, -2.4999998f,
            126.5f, -126.5f, 0f, -0f, 3.5000002f, 0.25f, 0.75f, -0.75f, 100.49999f, 100.5f, -100.5f, 64.5f};
        System.arraycopy(block, 0, v, 0, block.length);
        Random rnd = new Random(5);
        for (int i = 32; i < cols; i++) v[i] = (float) rnd.nextGaussian();
        WeightMatrix q;
        try (WorkerPool pool = new WorkerPool(1)) {
            q = Q8Quantizer.quantize(WeightMatrix.of("w", DType.F32, 1, cols, encode(v, DType.F32)), ARENA, pool);
        }
        org.scans.engine.tensor.Q8Matrix m = (org.scans.engine.tensor.Q8Matrix) q;
        for (int b = 0; b < 2; b++) {
            float amax = 0;
            for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(v[32 * b + j]));
            float d = amax / 127f, id = 1f / d;
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(d)), m.scale(0, b));
            for (int j = 0; j < 32; j++) {
                float x = v[32 * b + j] * id;
                int expected = x < 0 ? -Math.round(-x) : Math.round(x);
                byte got = m.data().get(ValueLayout.JAVA_BYTE, m.quantOffset(0, b) + j);
                assertEquals(expected, got, "block " + b + " column " + j + ": " + v[32 * b + j]);
            }
        }
    }

    /** A weight beyond what an F16 scale can cover (or NaN) is refused with its row named. */
    @Test
    void q8QuantizerRefusesValuesWithoutAQ8Form() {
        for (float bad : new float[] {1e10f, Float.NaN, Float.POSITIVE_INFINITY}) {
            float[] v = new float[2 * 64];
            v[64 + 5] = bad;
            try (WorkerPool pool = new WorkerPool(1)) {
                WeightMatrix w = WeightMatrix.of("w", DType.F32, 2, 64, encode(v, DType.F32));
                IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                        () -> Q8Quantizer.quantize(w, ARENA, pool));
                assertTrue(e.getMessage().contains("row 1"), e.getMessage());
            }
        }
    }

    @Test
    void halfWideningIsExactForEveryBitPattern() {
        int lanes = Vectors.L;
        int[] pairs = new int[lanes];
        for (int base = 0; base < 65536; base += 2 * lanes) {
            for (int j = 0; j < lanes; j++) pairs[j] = ((base + 2 * j + 1) << 16) | (base + 2 * j);
            IntVector v = IntVector.fromArray(Vectors.I, pairs, 0);
            float[] even = F16Kernels.even(v).toArray();
            float[] odd = F16Kernels.odd(v).toArray();
            for (int j = 0; j < lanes; j++) {
                assertSameFloat(Float.float16ToFloat((short) (base + 2 * j)), even[j], base + 2 * j);
                assertSameFloat(Float.float16ToFloat((short) (base + 2 * j + 1)), odd[j], base + 2 * j + 1);
            }
        }
    }

    /**
     * Every finite F16 weight (zeros, subnormals, 65504) and every finite BF16 weight comes out of
     * every product path exactly: each token's activations are one-hot, so each output is one weight
     * times 1. The tolerance of {@link #assertProductsClose} scales with the row's magnitude, so it
     * would let a subnormal or a huge weight widened wrong go by; this does not. Paths by token
     * count (F16 with bounded activations): 1 the fast decode kernel, 3 the fast decode kernel
     * per token (BF16: the 4×4 tiles), {@code PAIR_TOKENS} gemmPairs (with 16 lanes; with 4 it is
     * below the panel threshold of 8), {@code PAIR_TOKENS + 3} gemmPairs32 (BF16: gemmPairs32 where BF16Kernels.PAIRS32, on Intel, else gemm), and
     * {@code WIDTH + 1} a full panel then a single token, which takes gemmPairs at every lane count.
     */
    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F16", "BF16"})
    void productsWidenEveryHalfPatternExactly(DType dt) {
        short[] halves = new short[1 << 16];
        int count = 0;
        for (int b = 0; b < 1 << 16; b++) {
            float f = dt == DType.F16 ? Float.float16ToFloat((short) b) : Float.intBitsToFloat(b << 16);
            if (Float.isFinite(f)) halves[count++] = (short) b; // an infinity times a zero activation would be NaN
        }
        int cols = 32, rows = count / cols; // one whole step of the paired kernels at 16 lanes
        MemorySegment w = ARENA.allocate(2L * rows * cols, 64);
        for (int i = 0; i < count; i++) w.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, halves[i]);
        WeightMatrix m = WeightMatrix.of("every half", dt, rows, cols, w);
        try (CpuBackend b = new CpuBackend(1)) {
            for (int n : new int[] {1, 3, TokenPanels.PAIR_TOKENS, TokenPanels.PAIR_TOKENS + 3, TokenPanels.WIDTH + 1}) {
                float[] x = new float[n * cols], out = new float[n * rows];
                for (int c0 = 0; c0 < cols; c0 += n) {
                    java.util.Arrays.fill(x, 0f);
                    for (int t = 0; t < n; t++) x[t * cols + (c0 + t) % cols] = 1f;
                    b.matmul(m, x, n, out);
                    for (int t = 0; t < n; t++) {
                        int c = (c0 + t) % cols;
                        for (int r = 0; r < rows; r++) {
                            float want = m.get(r, c), got = out[t * rows + r];
                            if (want != got) { // −0 may come out +0: the sums start from +0
                                assertEquals(want, got, dt + " weight 0x" + Integer.toHexString(w.get(ValueLayout.JAVA_SHORT_UNALIGNED,
                                        2L * (r * cols + c)) & 0xffff) + " through the " + n + "-token product");
                            }
                        }
                    }
                }
            }
        }
    }

    /** Bit-exact, except that any NaN matches any NaN (the scalar intrinsic also quiets signalling NaNs). */
    static void assertSameFloat(float expected, float got, int half) {
        if (Float.isNaN(expected)) assertTrue(Float.isNaN(got), "half 0x" + Integer.toHexString(half) + " should be NaN");
        else assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got), "half 0x" + Integer.toHexString(half));
    }

    /** The load-time warm-up runs every dtype's kernels and leaves the backend as it found it. */
    @Test
    void warmUpRunsAndLeavesTheBackendUsable() {
        Random rnd = new Random(13);
        try (CpuBackend b = new CpuBackend(2, 0)) {
            WeightMatrix w = WeightMatrix.of("w", DType.F16, 24, 96, encode(random(rnd, 24 * 96), DType.F16));
            java.util.List<WeightMatrix> all = new java.util.ArrayList<>();
            for (DType dt : new DType[] {DType.F32, DType.F16, DType.BF16}) {
                all.add(WeightMatrix.of("w", dt, 20, 64, encode(random(rnd, 20 * 64), dt)));
            }
            try (WorkerPool pool = new WorkerPool(1)) {
                all.add(Q8Quantizer.quantize(all.get(0), ARENA, pool));
            }
            all.add(WeightMatrix.of("too small", DType.BF16, 3, 64, encode(random(rnd, 3 * 64), DType.BF16)));
            assertTrue(b.warmUp(all, 64, 20) >= 1);
            assertTrue(b.warmUp(all, 8, 20) >= 1); // heads of half a vector: VectorOps' pair kernels
            for (int n : new int[] {1, 16}) {
                float[] x = random(rnd, n * 96), out = new float[n * 24];
                b.matmul(w, x, n, out);
                assertProductsClose(w, x, n, out);
            }
        }
    }

    /**
     * A PairPanel holds what packPairs writes (for a full block of 16 tokens with 16 lanes, through
     * packPairs16's shuffles; column counts with 1–15 past a multiple of 16 exercise its edges),
     * from a 64-byte boundary (the reason it exists), and
     * stays so as it grows for wider matrices and is reused for narrower ones.
     */
    @Test
    void pairPanelIsAlignedAndHoldsThePackedBlock() {
        PairPanel panel = new PairPanel();
        Random rnd = new Random(11);
        for (int cols : new int[] {8, 2048, 5, 5632, 64, 20, 47, 16, 4, 100}) {
            for (int nt : new int[] {1, Vectors.L}) {
                float[] x = random(rnd, (nt + 1) * cols);
                MemorySegment packed = panel.pack(x, 1, nt, cols);
                assertEquals(0, packed.address() % 64, "cols " + cols);
                float[] expected = new float[TokenPanels.pairBlockSize(cols)];
                TokenPanels.packPairs(x, 1, nt, cols, expected);
                float[] got = packed.asSlice(0, 4L * expected.length).toArray(ValueLayout.JAVA_FLOAT);
                assertArrayEquals(expected, got, "cols " + cols + ", " + nt + " tokens");
                assertTrue(packed == panel.packed());
            }
        }
    }

    /**
     * packQuads16 (16 lanes only) puts every (token, column) where quadAt, the scalar edges'
     * accessor, looks for it, and writes every slot of the block: widths around multiples of 8 and
     * 16, and 2048.
     */
    @Test
    void quadPanelHoldsEveryActivationOnce() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Vectors.LANES16, "16 lanes");
        for (int cols : new int[] {1, 7, 8, 9, 15, 16, 17, 24, 31, 33, 40, 2048}) {
            int n = 18;
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = i + 1;
            MemorySegment xq = ARENA.allocate(4L * cols * 16, 64);
            xq.fill((byte) 0xFF); // NaN in every float
            TokenPanels.packQuads16(x, 2, cols, xq);
            java.util.Set<Float> seen = new java.util.HashSet<>();
            for (int k = 0; k < cols; k++) {
                for (int j = 0; j < 16; j++) {
                    float v = TokenPanels.quadAt(xq, cols, k, j);
                    assertEquals(x[(2 + j) * cols + k], v, "cols " + cols + " k " + k + " token " + j);
                    seen.add(v);
                }
            }
            assertEquals(16 * cols, seen.size());
            for (int i = 0; i < 16 * cols; i++) assertTrue(!Float.isNaN(xq.getAtIndex(ValueLayout.JAVA_FLOAT, i)), "every slot written");
        }
    }

    /** packPairs puts every (token, column) where pairAt, the scalar edges' accessor, looks for it. */
    @Test
    void pairPanelHoldsEveryActivationOnce() {
        for (int cols : new int[] {1, 3, 4, 7, 16, 33, 50, 64}) {
            for (int nt : new int[] {1, Math.min(5, Vectors.L), Vectors.L}) { // nt ≤ PAIR_TOKENS = L (4 with 128-bit vectors)
                int n = nt + 2;
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) x[i] = i + 1;
                float[] xq = new float[cols * TokenPanels.PAIR_TOKENS];
                java.util.Arrays.fill(xq, Float.NaN);
                TokenPanels.packPairs(x, 2, nt, cols, xq);
                java.util.Set<Float> seen = new java.util.HashSet<>();
                for (int k = 0; k < cols; k++) {
                    for (int j = 0; j < TokenPanels.PAIR_TOKENS; j++) {
                        float v = TokenPanels.pairAt(MemorySegment.ofArray(xq), cols, k, j);
                        assertEquals(j < nt ? x[(2 + j) * cols + k] : 0f, v, "cols " + cols + " k " + k + " token " + j);
                        if (v != 0) seen.add(v);
                    }
                }
                assertEquals(nt * cols, seen.size());
                for (float v : xq) assertTrue(!Float.isNaN(v), "every slot written");
            }
        }
    }

    @Test
    void bf16WideningIsExact() {
        int lanes = Vectors.L;
        int[] pairs = new int[lanes];
        Random rnd = new Random(3);
        for (int it = 0; it < 1000; it++) {
            for (int j = 0; j < lanes; j++) pairs[j] = rnd.nextInt();
            IntVector v = IntVector.fromArray(Vectors.I, pairs, 0);
            FloatVector e = BF16Kernels.even(v), o = BF16Kernels.odd(v);
            for (int j = 0; j < lanes; j++) {
                assertEquals(pairs[j] << 16, Float.floatToRawIntBits(e.lane(j)));
                assertEquals(pairs[j] & 0xFFFF0000, Float.floatToRawIntBits(o.lane(j)));
            }
        }
    }

    @Test
    void elementwiseOpsMatchScalar() {
        Random rnd = new Random(11);
        for (int n : new int[] {1, 3, 15, 16, 17, 33, 64, 100}) {
            float[] x = random(rnd, n), w = random(rnd, n);
            float[] a = new float[n], b = new float[n];
            VectorOps.rmsnorm(x, 0, w, 1e-5f, a, 0, n);
            ScalarOps.rmsnorm(x, 0, w, 1e-5f, b, 0, n);
            assertClose(b, a, 1e-5f, "rmsnorm n=" + n);

            float[] s1 = x.clone(), s2 = x.clone();
            VectorOps.softmax(s1, 0, n);
            ScalarOps.softmax(s2, 0, n);
            assertClose(s2, s1, 1e-6f, "softmax n=" + n);

            float[] g1 = x.clone(), g2 = x.clone();
            VectorOps.siluMul(g1, 0, w, 0, n);
            ScalarOps.siluMul(g2, 0, w, 0, n);
            assertClose(g2, g1, 1e-5f, "silu·mul n=" + n);

            float[] acc1 = w.clone(), acc2 = w.clone();
            VectorOps.add(acc1, 0, x, 0, n);
            ScalarOps.add(acc2, 0, x, 0, n);
            assertClose(acc2, acc1, 0f, "add n=" + n);
        }
    }

    @Test
    void ropeMatchesScalarAndRotatesHalves() {
        Random rnd = new Random(5);
        for (int headDim : new int[] {2, 8, 24, 64, 128}) {
            RopeTable table = new RopeTable(headDim, 64, 10000, 1);
            float[] x = random(rnd, headDim * 3);
            float[] a = x.clone(), b = x.clone();
            for (int h = 0; h < 3; h++) {
                VectorOps.rope(a, h * headDim, headDim, table.cos(), table.sin(), table.offset(37));
                ScalarOps.rope(b, h * headDim, headDim, table.cos(), table.sin(), table.offset(37));
            }
            assertClose(b, a, 1e-6f, "rope d=" + headDim);
            // A rotation keeps the norm of each (i, i + d/2) pair.
            for (int i = 0; i < headDim / 2; i++) {
                double before = Math.hypot(x[i], x[i + headDim / 2]), after = Math.hypot(a[i], a[i + headDim / 2]);
                assertEquals(before, after, 1e-5);
            }
        }
        // Position 0 is the identity.
        RopeTable t = new RopeTable(8, 4, 10000, 1);
        float[] v = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] c = v.clone();
        VectorOps.rope(c, 0, 8, t.cos(), t.sin(), t.offset(0));
        assertClose(v, c, 0f, "rope at 0");
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16"})
    void attentionMatchesScalarWithGroupedHeads(DType kv) {
        Random rnd = new Random(9);
        for (int[] cfg : new int[][] {{8, 4, 8}, {4, 4, 16}, {6, 2, 24}, {4, 1, 128}, {2, 2, 3}, {8, 2, 64}, {2, 1, 80}}) {
            int heads = cfg[0], kvHeads = cfg[1], hd = cfg[2];
            // [kvHead][capacity][headDim] with room beyond the 40 positions in use, as a cache has.
            int positions = 40, capacity = 48, n = 5;
            MemorySegment keys = encode(random(rnd, kvHeads * capacity * hd), kv);
            MemorySegment values = encode(random(rnd, kvHeads * capacity * hd), kv);
            float[] q = random(rnd, n * heads * hd);
            int[] pos = {0, 1, 17, 38, positions - 1};
            MemorySegment[] ks = new MemorySegment[n], vs = new MemorySegment[n];
            java.util.Arrays.fill(ks, keys);
            java.util.Arrays.fill(vs, values);
            long[] strides = new long[n];
            java.util.Arrays.fill(strides, capacity * kv.sizeOf(hd));
            float[] a = new float[n * heads * hd], b = new float[n * heads * hd];
            try (CpuBackend cpu = new CpuBackend(2, 0)) {
                cpu.attention(new AttentionBatch(n, heads, kvHeads, hd, q, a, pos, ks, vs, strides, kv));
            }
            new ScalarBackend().attention(new AttentionBatch(n, heads, kvHeads, hd, q, b, pos, ks, vs, strides, kv));
            // The reference itself, for one head: softmax of scaled q·k over the positions, then Σ p·v.
            int t = 3, h = heads - 1, g = h / (heads / kvHeads);
            double[] sc = new double[pos[t] + 1];
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (int p = 0; p <= pos[t]; p++) {
                double d = 0;
                for (int i = 0; i < hd; i++) {
                    d += q[(t * heads + h) * hd + i] * element(keys, kv, (long) (g * capacity + p) * hd + i);
                }
                sc[p] = d / Math.sqrt(hd);
                max = Math.max(max, sc[p]);
            }
            for (int p = 0; p <= pos[t]; p++) sum += sc[p] = Math.exp(sc[p] - max);
            for (int i = 0; i < hd; i++) {
                double o = 0;
                for (int p = 0; p <= pos[t]; p++) o += sc[p] / sum * element(values, kv, (long) (g * capacity + p) * hd + i);
                assertEquals(o, b[(t * heads + h) * hd + i], 1e-5 * Math.max(1, Math.abs(o)), "reference attention, element " + i);
            }
            assertClose(b, a, 2e-5f, "attention " + heads + "/" + kvHeads + "x" + hd);
        }
    }

    /**
     * A batched step's rows come from different sequences: each row has its own cache segments and
     * head stride (caches of different capacities), its own position, and the rows of one sequence's
     * prefill chunk sit among them. {@link #attentionMatchesScalarWithGroupedHeads} gives every row
     * the same cache, which a kernel reading row 0's segments or stride for every row would pass.
     * Checked against float64 attention: scores err by at most (hd + 2)·u·Σ|q·k| in float32, which
     * moves each softmax weight by a factor within 1 ± 2·that (plus (2·len + 16)·u for the exponentials and
     * sums), so |Δout| ≤ Σ_p p_p·|v_p| times that bound. Heads of 12 dimensions take the scalar
     * tails at every vector width; heads of 8, with 16 lanes, two positions a vector
     * (VectorOps.scoresPairs and weightedSumPairs), over lengths with and without whole blocks of
     * 16 and odd ones.
     */
    @ParameterizedTest
    @CsvSource({"F32, 12", "F16, 12", "F32, 8", "F16, 8"})
    void attentionRowsReadTheirOwnSequencesCaches(DType kv, int hd) {
        Random rnd = new Random(31);
        int heads = 6, kvHeads = 2, group = heads / kvHeads, qDim = heads * hd;
        // Sequence 1 fills its cache: its last kv head's last position ends the segment, where the pair kernels' load of a lone last value row must not run past it.
        int[] lengths = {1, 9, 70, 300}, capacities = {16, 9, 96, 512};
        int[][] rows = {{2, 0}, {0, 0}, {3, 299}, {2, 60}, {1, 8}, {2, 69}, {2, 61}}; // {sequence, position}
        MemorySegment[] ks = new MemorySegment[lengths.length], vs = new MemorySegment[lengths.length];
        for (int s = 0; s < lengths.length; s++) {
            ks[s] = encode(random(rnd, kvHeads * capacities[s] * hd), kv);
            vs[s] = encode(random(rnd, kvHeads * capacities[s] * hd), kv);
        }
        int n = rows.length;
        int[] pos = new int[n];
        MemorySegment[] keys = new MemorySegment[n], values = new MemorySegment[n];
        long[] strides = new long[n];
        for (int t = 0; t < n; t++) {
            int s = rows[t][0];
            pos[t] = rows[t][1];
            keys[t] = ks[s];
            values[t] = vs[s];
            strides[t] = kv.sizeOf((long) capacities[s] * hd);
        }
        float[] q = random(rnd, n * qDim);
        for (CpuBackend b : new CpuBackend[] {new CpuBackend(1), new CpuBackend(2, 0)}) {
            try (b) {
                float[] out = new float[n * qDim];
                b.attention(new AttentionBatch(n, heads, kvHeads, hd, q, out, pos, keys, values, strides, kv));
                for (int t = 0; t < n; t++) {
                    long stride = capacities[rows[t][0]];
                    for (int h = 0; h < heads; h++) {
                        int len = pos[t] + 1;
                        long base = (long) (h / group) * stride * hd;
                        double[] p = new double[len];
                        double max = Double.NEGATIVE_INFINITY, sum = 0, ds = 0;
                        for (int j = 0; j < len; j++) {
                            double d = 0, mag = 0;
                            for (int i = 0; i < hd; i++) {
                                double prod = q[t * qDim + h * hd + i] * (double) element(keys[t], kv, base + (long) j * hd + i);
                                d += prod;
                                mag += Math.abs(prod);
                            }
                            p[j] = d / Math.sqrt(hd);
                            ds = Math.max(ds, ((hd + 2) * mag + 2 * Math.abs(d)) * 0x1p-24 / Math.sqrt(hd));
                            max = Math.max(max, p[j]);
                        }
                        for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - max);
                        for (int i = 0; i < hd; i++) {
                            double o = 0, mag = 0;
                            for (int j = 0; j < len; j++) {
                                double v = element(values[t], kv, base + (long) j * hd + i);
                                o += p[j] / sum * v;
                                mag += p[j] / sum * Math.abs(v);
                            }
                            double tol = mag * (2 * ds + (2.0 * len + 16) * 0x1p-24);
                            float got = out[t * qDim + h * hd + i];
                            assertTrue(Math.abs(got - o) <= tol, b.name() + " row " + t + " head " + h + " element " + i + ": " + got + " vs " + o);
                        }
                    }
                }
            }
        }
    }

    /** Element i of an F32 or F16 array, as the reference reads it. */
    private static float element(MemorySegment m, DType dt, long i) {
        return dt == DType.F16 ? Float.float16ToFloat(m.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2 * i))
                : m.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 4 * i);
    }

    /**
     * The F16 attention kernels widen every finite half exactly: all 63,488 of them (zeros,
     * subnormals, the largest), read as one value row with weight 1, come out as
     * {@link Float#float16ToFloat} gives them; and a dot product with a one-hot query picks each out.
     */
    @Test
    void halfPrecisionAttentionWidensEveryFiniteHalfExactly() {
        int n = 0;
        short[] finite = new short[1 << 16];
        for (int b = 0; b < 1 << 16; b++) {
            if ((b & 0x7c00) != 0x7c00) finite[n++] = (short) b;
        }
        assertEquals(63488, n);
        MemorySegment v = ARENA.allocate(2L * n, 64);
        for (int i = 0; i < n; i++) v.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, finite[i]);
        float[] out = new float[n];
        VectorOps.weightedSumHalves(new float[] {1f}, 0, 1, v, 0, 2L * n, out, 0, n);
        for (int i = 0; i < n; i++) {
            float want = Float.float16ToFloat(finite[i]);
            // Exactly equal (−0 comes out +0: the sum starts from +0, as the float32 kernel's does).
            assertEquals(want, out[i], 0f, "half 0x" + Integer.toHexString(finite[i] & 0xffff));
        }
        int hd = 48; // three vectors at 16 lanes, plus no tail; 40 would take the scalar tail too
        for (int len : new int[] {hd, 40}) {
            for (int j = 0; j < len; j++) {
                float[] q = new float[len];
                q[j] = 1f;
                for (int start = 0; start + len <= n; start += 997 * len) {
                    float got = VectorOps.dotHalves(q, 0, v, 2L * start, len);
                    assertEquals(Float.float16ToFloat(finite[start + j]), got, 0f, "dot at " + (start + j));
                }
            }
        }
    }

    /**
     * groupScores and groupScoresHalves give every score as the float that dot (dotHalves) times
     * the scale gives, bit for bit, whether the positions go through the 16-at-a-time blocks (with
     * 16 lanes) or one at a time: every length from 0 to 50 (whole blocks, a remainder, and none),
     * head widths with blocks (32, 64, 128) and without (8, 40), groups of 1 and 8 query heads.
     */
    @Test
    void groupScoresEqualOneDotPerPosition() {
        Random rnd = new Random(23);
        for (int hd : new int[] {8, 32, 40, 64, 128}) {
            for (int group : new int[] {1, 8}) {
                int maxLen = 50;
                float[] q = new float[group * hd];
                for (int i = 0; i < q.length; i++) q[i] = (float) rnd.nextGaussian();
                MemorySegment k32 = ARENA.allocate(4L * hd * maxLen, 64), k16 = ARENA.allocate(2L * hd * maxLen, 64);
                for (int i = 0; i < hd * maxLen; i++) {
                    short h = Float.floatToFloat16((float) rnd.nextGaussian());
                    k16.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, h);
                    k32.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, (float) rnd.nextGaussian());
                }
                float scale = 0.125f;
                for (int len = 0; len <= maxLen; len++) {
                    float[] s32 = new float[group * maxLen], s16 = new float[group * maxLen];
                    VectorOps.groupScores(q, 0, group, hd, k32, 0, len, scale, s32, maxLen);
                    VectorOps.groupScoresHalves(q, 0, group, hd, k16, 0, len, scale, s16, maxLen);
                    for (int h = 0; h < group; h++) {
                        for (int p = 0; p < len; p++) {
                            String at = "hd " + hd + ", group " + group + ", len " + len + ", head " + h + ", position " + p;
                            assertEquals(Float.floatToRawIntBits(VectorOps.dot(q, h * hd, k32, 4L * hd * p, hd) * scale),
                                    Float.floatToRawIntBits(s32[h * maxLen + p]), "F32 keys, " + at);
                            assertEquals(Float.floatToRawIntBits(VectorOps.dotHalves(q, h * hd, k16, 2L * hd * p, hd) * scale),
                                    Float.floatToRawIntBits(s16[h * maxLen + p]), "F16 keys, " + at);
                        }
                    }
                }
            }
        }
    }

    static void assertClose(float[] expected, float[] got, float tol, String what) {
        assertEquals(expected.length, got.length, what);
        for (int i = 0; i < expected.length; i++) {
            float d = Math.abs(expected[i] - got[i]);
            assertTrue(d <= tol * Math.max(1, Math.abs(expected[i])), what + " at " + i + ": " + expected[i] + " vs " + got[i]);
        }
    }
}
