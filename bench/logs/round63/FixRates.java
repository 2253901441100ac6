import java.util.*;

/** ns per listed half of the F16 decode's fix-up pass: row order (the engine's) against rows interleaved in 16-row blocks. */
public class FixRates {
    static float excess(short half) {
        float e = 2f - (half & 0x3FF) * 0x1p-9f;
        return Float.intBitsToFloat(Float.floatToRawIntBits(e) | (half & 0x8000) << 16);
    }
    // row order
    static char[] rowOf, cols; static short[] halves; static float[] ex;
    // interleaved
    static char[] iRow, iCol; static short[] iHalf; static float[] iEx; static short[] exHalf, iExHalf; static byte[] iOff; static int[] blockStart;
    static final int B = 16;

    public static void main(String[] a) {
        int rows = Integer.parseInt(a[0]), ncols = Integer.parseInt(a[1]);
        Random rnd = new Random(7);
        List<Integer> er = new ArrayList<>(), ec = new ArrayList<>(); List<Short> eh = new ArrayList<>();
        for (int r = 0; r < rows; r++) for (int c = 0; c < ncols; c++) {
            short h = Float.floatToFloat16((float) (rnd.nextGaussian() * 0.02));
            if ((h & 0x7C00) == 0) { er.add(r); ec.add(c); eh.add(h); }
        }
        int n = er.size();
        rowOf = new char[n]; cols = new char[n]; halves = new short[n]; ex = new float[n];
        for (int i = 0; i < n; i++) { rowOf[i] = (char) (int) er.get(i); cols[i] = (char) (int) ec.get(i); halves[i] = eh.get(i); ex[i] = excess(halves[i]) * 0x1p-16f; }
        exHalf = new short[n]; for (int i = 0; i < n; i++) { exHalf[i] = Float.floatToFloat16(excess(halves[i])); if (Float.float16ToFloat(exHalf[i]) != excess(halves[i])) throw new AssertionError(); }
        // interleave: within each block of B rows, order by (rank in row, row)
        int blocks = (rows + B - 1) / B;
        blockStart = new int[blocks + 1];
        iRow = new char[n]; iCol = new char[n]; iHalf = new short[n]; iEx = new float[n];
        int[] rowStart = new int[rows + 1];
        for (int i = 0; i < n; i++) rowStart[rowOf[i] + 1]++;
        for (int r = 0; r < rows; r++) rowStart[r + 1] += rowStart[r];
        int at = 0;
        for (int b = 0; b < blocks; b++) {
            blockStart[b] = at;
            int r0 = b * B, r1 = Math.min(rows, r0 + B);
            for (int j = 0; ; j++) {
                boolean any = false;
                for (int r = r0; r < r1; r++) if (rowStart[r] + j < rowStart[r + 1]) {
                    int i = rowStart[r] + j; any = true;
                    iRow[at] = rowOf[i]; iCol[at] = cols[i]; iHalf[at] = halves[i]; iEx[at] = ex[i]; at++;
                }
                if (!any) break;
            }
        }
        blockStart[blocks] = at;
        iExHalf = new short[n]; iOff = new byte[n];
        for (int i = 0; i < n; i++) { iExHalf[i] = Float.floatToFloat16(excess(iHalf[i])); iOff[i] = (byte) (iRow[i] % B); }
        float[] x = new float[ncols], y = new float[rows];
        for (int i = 0; i < ncols; i++) x[i] = (float) rnd.nextGaussian();
        System.out.printf("rows %d cols %d: %d listed (%.3f%%)%n", rows, ncols, n, 100.0 * n / rows / ncols);
        for (int pass = 0; pass < 6; pass++) {
            StringBuilder sb = new StringBuilder("ns/half:");
            for (int v = 0; v < 7; v++) {
                long t0 = System.nanoTime(); long reps = 0;
                do { run(v, ncols, 0, rows, x, y); reps++; } while (System.nanoTime() - t0 < 500_000_000L);
                double ns = (System.nanoTime() - t0) / (double) reps / n;
                sb.append(String.format(" %s %.3f", new String[] {"row", "rowEx", "inter", "interEx", "rowHalfEx", "interHalfEx", "blockHalfEx"}[v], ns));
            }
            System.out.println(sb);
        }
        // check equality of sums (order differs per row -> compare within tolerance)
        float[] y1 = new float[rows], y2 = new float[rows];
        run(0, ncols, 0, rows, x, y1); run(3, ncols, 0, rows, x, y2);
        double maxd = 0; for (int i = 0; i < rows; i++) maxd = Math.max(maxd, Math.abs(y1[i] - y2[i]));
        System.out.println("max |diff| " + maxd);
    }

    static void run(int v, int limit, int r0, int r1, float[] x, float[] y) {
        switch (v) {
            case 0 -> v0(limit, x, y);
            case 1 -> v1(limit, x, y);
            case 2 -> v2(limit, x, y);
            case 3 -> v3(limit, x, y);
            case 4 -> v4(limit, x, y);
            case 5 -> v5(limit, x, y);
            case 6 -> v6(limit, r0, r1, x, y);
        }
    }
    static void v4(int limit, float[] x, float[] y) { for (int i = 0, end = rowOf.length; i < end; i++) { int k = cols[i]; if (k < limit) y[rowOf[i]] -= Float.float16ToFloat(exHalf[i]) * 0x1p-16f * x[k]; } }
    static void v5(int limit, float[] x, float[] y) { for (int i = 0, end = iRow.length; i < end; i++) { int k = iCol[i]; if (k < limit) y[iRow[i]] -= Float.float16ToFloat(iExHalf[i]) * 0x1p-16f * x[k]; } }
    static void v6(int limit, int r0, int r1, float[] x, float[] y) {
        for (int b = r0 / B; b < r1 / B; b++) {
            final int base = b * B;
            for (int i = blockStart[b], end = blockStart[b + 1]; i < end; i++) { int k = iCol[i]; if (k < limit) y[base + iOff[i]] -= Float.float16ToFloat(iExHalf[i]) * 0x1p-16f * x[k]; }
        }
    }
    static void v0(int limit, float[] x, float[] y) { { for (int i = 0, end = rowOf.length; i < end; i++) { int k = cols[i]; if (k < limit) y[rowOf[i]] -= excess(halves[i]) * 0x1p-16f * x[k]; } }
    }
    static void v1(int limit, float[] x, float[] y) { { for (int i = 0, end = rowOf.length; i < end; i++) { int k = cols[i]; if (k < limit) y[rowOf[i]] -= ex[i] * x[k]; } }
    }
    static void v2(int limit, float[] x, float[] y) { { for (int i = 0, end = iRow.length; i < end; i++) { int k = iCol[i]; if (k < limit) y[iRow[i]] -= excess(iHalf[i]) * 0x1p-16f * x[k]; } }
    }
    static void v3(int limit, float[] x, float[] y) { { for (int i = 0, end = iRow.length; i < end; i++) { int k = iCol[i]; if (k < limit) y[iRow[i]] -= iEx[i] * x[k]; } }
        }
    }
