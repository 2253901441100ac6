package org.scans.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scan behind the fast F16 widening: which halves it lists, what it refuses, and the excess
 * it takes back, checked against plain scalar loops.
 */
class F16FixupsTest {
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final Arena ARENA = Arena.ofAuto();

    /** A mix of normal halves, ±0 and ± subnormals, about a quarter of them with a zero exponent. */
    private static MemorySegment mixed(Random rnd, int rows, int cols) {
        MemorySegment w = ARENA.allocate(2L * rows * cols, 64);
        for (long i = 0; i < (long) rows * cols; i++) {
            int pick = rnd.nextInt(8);
            short h = switch (pick) {
                case 0 -> (short) (rnd.nextInt(1024) | (rnd.nextBoolean() ? 0x8000 : 0)); // subnormal or ±0
                case 1 -> (short) (rnd.nextBoolean() ? 0x8000 : 0);
                default -> Float.floatToFloat16((float) rnd.nextGaussian());
            };
            w.set(HALF, 2 * i, h);
        }
        return w;
    }

    /** What {@link F16Fixups#excessDot} must give, by a scalar walk over every half of the row. */
    private static float expectedExcessDot(MemorySegment w, int cols, int row, int limit, float[] x) {
        float s = 0;
        for (int k = 0; k < limit; k++) {
            short h = w.get(HALF, 2L * ((long) row * cols + k));
            if ((h & 0x7C00) == 0) s += F16Fixups.excess(h) * x[k];
        }
        return s;
    }

    @Test
    void listsExactlyTheHalvesWithAZeroExponentInColumnOrder() {
        Random rnd = new Random(5);
        // Widths below one vector of shorts, with a tail past the last vector, and several vectors.
        for (int cols : new int[] {1, 7, 31, 32, 33, 100, 257, 2048}) {
            int rows = 9;
            MemorySegment w = mixed(rnd, rows, cols);
            F16Fixups fix = F16Fixups.scan(w, rows, cols, 1);
            assertNotNull(fix, cols + " columns");
            float[] x = new float[cols];
            for (int k = 0; k < cols; k++) x[k] = k + 1; // distinct: a wrong column changes the sum
            int listed = 0;
            for (int r = 0; r < rows; r++) {
                for (int limit : new int[] {cols, cols / 2}) {
                    assertEquals(expectedExcessDot(w, cols, r, limit, x), fix.excessDot(r, limit, x, 0),
                            cols + " columns, row " + r + ", limit " + limit);
                }
                for (int k = 0; k < cols; k++) if ((w.get(HALF, 2L * (r * cols + k)) & 0x7C00) == 0) listed++;
            }
            assertEquals(listed, fix.count(), cols + " columns");
        }
    }

    @Test
    void rowRangesScannedApartJoinToTheWholeScan() {
        Random rnd = new Random(6);
        int rows = 23, cols = 70;
        MemorySegment w = mixed(rnd, rows, cols);
        F16Fixups whole = F16Fixups.scan(w, rows, cols, 1);
        F16Fixups joined = F16Fixups.join(new F16Fixups.Part[] {
            F16Fixups.scanRows(w, cols, 0, 5), F16Fixups.scanRows(w, cols, 5, 6), F16Fixups.scanRows(w, cols, 6, 23)}, 1);
        assertEquals(whole.count(), joined.count());
        float[] x = new float[cols];
        for (int k = 0; k < cols; k++) x[k] = (float) rnd.nextGaussian();
        for (int r = 0; r < rows; r++) assertEquals(whole.excessDot(r, cols, x, 0), joined.excessDot(r, cols, x, 0), "row " + r);
    }

    @Test
    void anInfinityOrNaNAnywhereOrTooManyColumnsMeansNoFixups() {
        Random rnd = new Random(7);
        int rows = 4, cols = 45; // one vector of shorts and a tail at 256 bits; at 512, all tail
        for (short bad : new short[] {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00, (short) 0xFFFF}) {
            for (int at : new int[] {0, 17, cols - 1, 3 * cols + 40}) {
                MemorySegment w = mixed(rnd, rows, cols);
                w.set(HALF, 2L * at, bad);
                assertNull(F16Fixups.scan(w, rows, cols, 1), "0x" + Integer.toHexString(bad & 0xFFFF) + " at " + at);
            }
        }
        int wide = F16Fixups.MAX_COLS + 1;
        assertNull(F16Fixups.scan(ARENA.allocate(2L * wide, 64), 1, wide), "wider than the column lists can hold");
        assertNotNull(F16Fixups.scan(ARENA.allocate(2L * F16Fixups.MAX_COLS, 64), 1, F16Fixups.MAX_COLS, 1));
    }

    /**
     * For every half with a zero exponent field (±0 and the 2 × 1023 subnormals), the fast
     * widening's float (bits moved to the float positions, bit 30 set) minus the excess is the
     * half times 2^16, exactly; for every other finite half the widened float is exactly that.
     */
    @Test
    void theExcessMakesEveryFiniteHalfExact() {
        for (int b = 0; b < 1 << 16; b++) {
            short h = (short) b;
            float value = Float.float16ToFloat(h);
            if (!Float.isFinite(value)) continue;
            int bits = ((int) h << 16 >> 3) & 0x8FFFE000 | 0x40000000;
            float widened = Float.intBitsToFloat(bits);
            float want = value * 0x1p16f;
            float got = (h & 0x7C00) == 0 ? widened - F16Fixups.excess(h) : widened;
            if (want != got || Float.isNaN(got)) {
                assertEquals(want, got, "half 0x" + Integer.toHexString(b));
            }
        }
    }

    /**
     * The decode's one pass over a row range ({@link F16Fixups#subtractExcess}) against a scalar
     * walk of each row in column order, bit for bit: its blocks hold the halves in another order,
     * and each row's terms must still come in column order. Ranges that start and end inside a
     * block, inside one block, on block edges, and the whole matrix; rows outside stay untouched.
     */
    @Test
    void theDecodePassSubtractsEachRowsExcessInColumnOrderOverAnyRowRange() {
        Random rnd = new Random(8);
        int rows = 53, cols = 90; // 53 rows: three whole blocks of 16 and a short one
        MemorySegment w = mixed(rnd, rows, cols);
        F16Fixups fix = F16Fixups.scan(w, rows, cols, 1);
        assertNotNull(fix);
        float[] x = new float[cols], y0 = new float[rows];
        for (int k = 0; k < cols; k++) x[k] = (float) rnd.nextGaussian();
        for (int r = 0; r < rows; r++) y0[r] = (float) rnd.nextGaussian() * 100;
        int[][] ranges = {{0, rows}, {1, 52}, {3, 9}, {16, 32}, {17, 18}, {15, 17}, {16, 53}, {5, 40}, {0, 16}, {48, 53}, {20, 20}};
        for (int limit : new int[] {cols, 64}) {
            for (int[] range : ranges) {
                int r0 = range[0], r1 = range[1];
                float[] want = y0.clone(), got = y0.clone();
                for (int r = r0; r < r1; r++) {
                    for (int k = 0; k < limit; k++) {
                        short h = w.get(HALF, 2L * ((long) r * cols + k));
                        if ((h & 0x7C00) == 0) want[r] -= F16Fixups.excess(h) * 0x1p-16f * x[k];
                    }
                }
                fix.subtractExcess(limit, r0, r1, x, 0, got, 0);
                for (int r = 0; r < rows; r++) {
                    assertEquals(Float.floatToRawIntBits(want[r]), Float.floatToRawIntBits(got[r]),
                            "rows [" + r0 + ", " + r1 + "), limit " + limit + ", row " + r);
                }
            }
        }
    }

    /** The pass keeps each excess as a half: exact for every half with a zero exponent field. */
    @Test
    void everyExcessIsExactAsAHalf() {
        for (int m = 0; m < 1024; m++) {
            for (int sign : new int[] {0, 0x8000}) {
                float e = F16Fixups.excess((short) (sign | m));
                assertEquals(e, Float.float16ToFloat(Float.floatToFloat16(e)), "half 0x" + Integer.toHexString(sign | m));
            }
        }
    }

    /**
     * A matrix with more than one zero or subnormal half in {@link F16Fixups#MAX_SHARE} gets no
     * fix-ups (the exact kernels), whether scanned whole or in row ranges; one just under gets them.
     */
    @Test
    void tooManyHalvesToListMeansNoFixups() {
        int rows = 40, cols = 256, halves = rows * cols, limit = halves / F16Fixups.MAX_SHARE;
        for (int zeros : new int[] {limit, limit + 1, halves / 2}) {
            MemorySegment w = ARENA.allocate(2L * halves, 64);
            Random rnd = new Random(zeros);
            for (int i = 0; i < halves; i++) w.set(HALF, 2L * i, Float.floatToFloat16(1f + rnd.nextFloat()));
            for (int i = 0; i < zeros; i++) w.set(HALF, 2L * (i * (halves / zeros)), (short) (rnd.nextInt(1024)));
            F16Fixups whole = F16Fixups.scan(w, rows, cols);
            F16Fixups joined = F16Fixups.join(new F16Fixups.Part[] {F16Fixups.scanRows(w, cols, 0, 7), F16Fixups.scanRows(w, cols, 7, rows)});
            if (zeros <= limit) {
                assertNotNull(whole, zeros + " listed");
                assertEquals(zeros, whole.count());
                assertNotNull(joined, zeros + " listed, joined");
            } else {
                assertNull(whole, zeros + " listed");
                assertNull(joined, zeros + " listed, joined");
            }
        }
    }
}
