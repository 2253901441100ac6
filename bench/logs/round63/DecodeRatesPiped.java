import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.kernel.BF16Kernels;
import org.scans.engine.kernel.F16Fixups;
import org.scans.engine.kernel.F16Kernels;
import org.scans.engine.kernel.VectorOps;
import org.scans.engine.util.JitDirectives;
import org.scans.engine.util.LargeAllocation;

/**
 * Why the F16 decode streams from memory slower than the BF16 one on the same bytes (round 52).
 * One thread, one JVM: six 8-row decode kernels over a 256 × 2048 matrix that stays in L2, over a
 * 1 GB one, and over the same gigabyte as 128 matrices of 2048 × 2048 (the 1.1B model's square
 * shape, one after another as a decode step takes them; a tile's rows are then 1 MB apart rather
 * than 128 MB), then a plain read of the gigabyte, PASSES times in turn (default 8), SECONDS each
 * (default 1); at the end each rate's median over the passes after the second (C2 compiles during
 * the first two). The kernels:
 * <ul>
 *   <li>{@code bf16}, {@code f16}: the engine's decode kernels ({@code BF16Kernels.matvec},
 *       {@code F16Kernels.matvecFast});
 *   <li>{@code bf16'}, {@code f16'}: the same two tiles written here as the probes are (the finish
 *       and the fix-ups left out), so that each probe has a tile from the same place to be
 *       compared with. In this harness C2 keeps a bounds check and reloads each row's address from
 *       the stack before every row's load, in the engine's kernels and in these alike;
 *   <li>{@code bf16+}: BF16's tile doing F16's integer work on each weight vector as well (its sums
 *       are wrong; it reads the same bytes in the same order as {@code bf16});
 *   <li>{@code f16-}: F16's tile with two vector instructions a row fewer (the 2^-112 widening,
 *       exact only with the activations scaled and subnormal halves as subnormal floats).
 * </ul>
 * The halves are random normal F16 values, finite as BF16 too, so no kernel meets a NaN or a
 * fix-up. If the rates from memory follow the rates from L2, a kernel's own instruction count sets
 * how fast it streams from memory, even where that count allows three times the memory's rate.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/scans-engine.jar bench/DecodeRates.java [PASSES] [SECONDS]
 * </pre>
 * Needs 512-bit vectors ({@code L} = 16): the probes are written for them.
 */
public class DecodeRatesPiped {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    private static final int L = F.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int COLS = 2048;

    private record Kernel(String name, Consumer<MemorySegment> run) {}

    public static void main(String[] args) {
        if (FloatVector.SPECIES_PREFERRED.length() != L) throw new IllegalStateException("DecodeRates needs 512-bit vectors");
        JitDirectives.start();
        if (!JitDirectives.await()) System.err.println("warning: compiler directives not added; the rates may be C1's");
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        MemorySegment small = randomHalves(256), large = randomHalves(1 << 18);
        float[] xp = new float[COLS];
        Random random = new Random(1);
        for (int i = 0; i < COLS; i++) xp[i] = (float) random.nextGaussian() * 0x1p-100f; // the probes widen some halves to near 2^128: keeps every product finite
        float[] y = new float[rows(large)];
        // The same gigabyte as 128 matrices of 2048 rows, the 1.1B model's 2048 × 2048 shape, one after another as in a decode step.
        MemorySegment[] parts = new MemorySegment[rows(large) / 2048];
        for (int i = 0; i < parts.length; i++) parts[i] = large.asSlice(i * 2048L * COLS * 2, 2048L * COLS * 2);
        // The engine's F16 kernel takes each matrix's fix-ups (none here: no subnormal halves).
        Map<MemorySegment, F16Fixups> fixes = new IdentityHashMap<>();
        for (MemorySegment m : List.of(small, large)) fixes.put(m, F16Fixups.scan(m, rows(m), COLS));
        for (MemorySegment m : parts) fixes.put(m, F16Fixups.scan(m, rows(m), COLS));
        List<Kernel> kernels = List.of(
                new Kernel("bf16", w -> BF16Kernels.matvec(w, COLS, 0, rows(w), xp, 0, y, 0)),
                new Kernel("f16", w -> F16Kernels.matvecFast(w, fixes.get(w), COLS, 0, rows(w), xp, xp, 0, y, 0)),
                new Kernel("bf16'", w -> tiles(w, xp, y, DecodeRatesPiped::bf16Copy)),
                new Kernel("f16'", w -> tiles(w, xp, y, DecodeRatesPiped::f16Copy)),
                                new Kernel("f16p", w -> tiles(w, xp, y, DecodeRatesPiped::f16Piped)),
                new Kernel("bf16p", w -> tiles(w, xp, y, DecodeRatesPiped::bf16Piped)));
        long window = (long) (seconds * 1e9);
        List<double[]> rows = new ArrayList<>();
        for (int pass = 1; pass <= passes; pass++) {
            // Per kernel: from L2, from memory as one matrix, as 2048-row matrices; the plain read last.
            double[] r = new double[3 * kernels.size() + 1];
            StringBuilder line = new StringBuilder("pass " + pass + ", GB/s from L2 / from memory as one matrix / as 2048-row matrices:");
            for (int k = 0; k < kernels.size(); k++) {
                Kernel kernel = kernels.get(k);
                r[3 * k] = rate(window, small.byteSize(), () -> kernel.run().accept(small));
                r[3 * k + 1] = rate(window, large.byteSize(), () -> kernel.run().accept(large));
                r[3 * k + 2] = rate(window, large.byteSize(), () -> {
                    for (MemorySegment m : parts) kernel.run().accept(m);
                });
            }
            float[] sink = new float[1];
            r[r.length - 1] = rate(window, large.byteSize(), () -> sink[0] += VectorOps.read(large, 0, large.byteSize()));
            rows.add(r);
            System.out.println(format(line, kernels, r));
        }
        if (passes > 2) {
            double[] median = new double[rows.get(0).length];
            for (int c = 0; c < median.length; c++) {
                final int col = c;
                double[] v = rows.subList(2, rows.size()).stream().mapToDouble(r -> r[col]).sorted().toArray();
                median[c] = v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
            }
            System.out.println(format(new StringBuilder("median of passes 3-" + passes + ":"), kernels, median));
        }
    }

    private static String format(StringBuilder line, List<Kernel> kernels, double[] r) {
        double read = r[r.length - 1];
        for (int k = 0; k < kernels.size(); k++)
            line.append(String.format(" %s %.1f / %.1f (%.0f%%) / %.1f (%.0f%%),", kernels.get(k).name(), r[3 * k], r[3 * k + 1], 100 * r[3 * k + 1] / read,
                    r[3 * k + 2], 100 * r[3 * k + 2] / read));
        return line.append(String.format(" plain read %.1f", read)).toString();
    }

    private static int rows(MemorySegment w) {
        return (int) (w.byteSize() / (2L * COLS));
    }

    private interface Tile {
        void run(MemorySegment w, int r, int s, float[] xp, float[] y);
    }

    /** The engine's row order: tile t takes rows t + j·tiles, j from 0 to 7 (BF16Kernels.rows8). */
    private static void tiles(MemorySegment w, float[] xp, float[] y, Tile tile) {
        int tiles = rows(w) / 8;
        for (int t = 0; t < tiles; t++) tile.run(w, t, tiles, xp, y);
    }

    /** The engine's BF16 tile written here, compiled as the probes are (their column count a constant). */
    private static void bf16Copy(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < COLS; k += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
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
            p = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            a4 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a4);
            c4 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c4);
            p = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            a5 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a5);
            c5 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c5);
            p = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            a6 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a6);
            c6 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c6);
            p = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            a7 = p.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(xe, a7);
            c7 = p.and(0xFFFF0000).reinterpretAsFloats().fma(xo, c7);
        }
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** The engine's fast F16 tile written here, without its finish, compiled as the probes are. */
    private static void f16Copy(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < COLS; k += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
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
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** BF16's tile with F16's extra integer work: wrong sums, BF16's bytes in BF16's order, F16's count of vector instructions. */
    private static void bf16Padded(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < COLS; k += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
            final long o = o0 + 2L * k;
            IntVector p;
            p = IntVector.fromMemorySegment(I, w, o, LE);
            a0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a0);
            c0 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c0);
            p = IntVector.fromMemorySegment(I, w, o + rb, LE);
            a1 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a1);
            c1 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c1);
            p = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            a2 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a2);
            c2 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c2);
            p = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            a3 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a3);
            c3 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c3);
            p = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            a4 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a4);
            c4 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c4);
            p = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            a5 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a5);
            c5 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c5);
            p = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            a6 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a6);
            c6 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c6);
            p = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            a7 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).or(0x40000000).reinterpretAsFloats().fma(xe, a7);
            c7 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c7);
        }
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** F16's tile with the 2^-112 widening (no {@code or}, so no register copies): two vector instructions a row fewer than the engine's. */
    private static void f16Short(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        for (int k = 0; k < COLS; k += 2 * L) {
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
            final long o = o0 + 2L * k;
            IntVector p;
            p = IntVector.fromMemorySegment(I, w, o, LE);
            a0 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a0);
            c0 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c0);
            p = IntVector.fromMemorySegment(I, w, o + rb, LE);
            a1 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a1);
            c1 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c1);
            p = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            a2 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a2);
            c2 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c2);
            p = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            a3 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a3);
            c3 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c3);
            p = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            a4 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a4);
            c4 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c4);
            p = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            a5 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a5);
            c5 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c5);
            p = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            a6 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a6);
            c6 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c6);
            p = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            a7 = p.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xe, a7);
            c7 = p.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).reinterpretAsFloats().fma(xo, c7);
        }
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** F16's tile with each row's load issued one iteration ahead of its widening. */
    private static void f16Piped(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        IntVector p0 = IntVector.fromMemorySegment(I, w, o0, LE);
        IntVector p1 = IntVector.fromMemorySegment(I, w, o0 + rb, LE);
        IntVector p2 = IntVector.fromMemorySegment(I, w, o0 + 2 * rb, LE);
        IntVector p3 = IntVector.fromMemorySegment(I, w, o0 + 3 * rb, LE);
        IntVector p4 = IntVector.fromMemorySegment(I, w, o0 + 4 * rb, LE);
        IntVector p5 = IntVector.fromMemorySegment(I, w, o0 + 5 * rb, LE);
        IntVector p6 = IntVector.fromMemorySegment(I, w, o0 + 6 * rb, LE);
        IntVector p7 = IntVector.fromMemorySegment(I, w, o0 + 7 * rb, LE);
        int k = 0;
        for (; k < COLS - 2 * L; k += 2 * L) {
            final long o = o0 + 2L * (k + 2 * L);
            IntVector n0 = IntVector.fromMemorySegment(I, w, o, LE);
            IntVector n1 = IntVector.fromMemorySegment(I, w, o + rb, LE);
            IntVector n2 = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            IntVector n3 = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            IntVector n4 = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            IntVector n5 = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            IntVector n6 = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            IntVector n7 = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
            a0 = p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a0);
            c0 = p0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c0);
            a1 = p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a1);
            c1 = p1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c1);
            a2 = p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a2);
            c2 = p2.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c2);
            a3 = p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a3);
            c3 = p3.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c3);
            a4 = p4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a4);
            c4 = p4.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c4);
            a5 = p5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a5);
            c5 = p5.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c5);
            a6 = p6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a6);
            c6 = p6.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c6);
            a7 = p7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a7);
            c7 = p7.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c7);
            p0 = n0; p1 = n1; p2 = n2; p3 = n3; p4 = n4; p5 = n5; p6 = n6; p7 = n7;
        }
        FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
        a0 = p0.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a0);
        c0 = p0.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c0);
        a1 = p1.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a1);
        c1 = p1.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c1);
        a2 = p2.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a2);
        c2 = p2.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c2);
        a3 = p3.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a3);
        c3 = p3.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c3);
        a4 = p4.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a4);
        c4 = p4.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c4);
        a5 = p5.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a5);
        c5 = p5.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c5);
        a6 = p6.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a6);
        c6 = p6.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c6);
        a7 = p7.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xe, a7);
        c7 = p7.lanewise(VectorOperators.ASHR, 3).and(0x8FFFE000).or(0x40000000).reinterpretAsFloats().fma(xo, c7);
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** BF16's tile with each row's load issued one iteration ahead. */
    private static void bf16Piped(MemorySegment w, int r, int s, float[] xp, float[] y) {
        final long rb = COLS * 2L * s, o0 = r * (COLS * 2L);
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, c4 = a0, c5 = a0, c6 = a0, c7 = a0;
        IntVector p0 = IntVector.fromMemorySegment(I, w, o0, LE);
        IntVector p1 = IntVector.fromMemorySegment(I, w, o0 + rb, LE);
        IntVector p2 = IntVector.fromMemorySegment(I, w, o0 + 2 * rb, LE);
        IntVector p3 = IntVector.fromMemorySegment(I, w, o0 + 3 * rb, LE);
        IntVector p4 = IntVector.fromMemorySegment(I, w, o0 + 4 * rb, LE);
        IntVector p5 = IntVector.fromMemorySegment(I, w, o0 + 5 * rb, LE);
        IntVector p6 = IntVector.fromMemorySegment(I, w, o0 + 6 * rb, LE);
        IntVector p7 = IntVector.fromMemorySegment(I, w, o0 + 7 * rb, LE);
        int k = 0;
        for (; k < COLS - 2 * L; k += 2 * L) {
            final long o = o0 + 2L * (k + 2 * L);
            IntVector n0 = IntVector.fromMemorySegment(I, w, o, LE);
            IntVector n1 = IntVector.fromMemorySegment(I, w, o + rb, LE);
            IntVector n2 = IntVector.fromMemorySegment(I, w, o + 2 * rb, LE);
            IntVector n3 = IntVector.fromMemorySegment(I, w, o + 3 * rb, LE);
            IntVector n4 = IntVector.fromMemorySegment(I, w, o + 4 * rb, LE);
            IntVector n5 = IntVector.fromMemorySegment(I, w, o + 5 * rb, LE);
            IntVector n6 = IntVector.fromMemorySegment(I, w, o + 6 * rb, LE);
            IntVector n7 = IntVector.fromMemorySegment(I, w, o + 7 * rb, LE);
            FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
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
            p0 = n0; p1 = n1; p2 = n2; p3 = n3; p4 = n4; p5 = n5; p6 = n6; p7 = n7;
        }
        FloatVector xe = FloatVector.fromArray(F, xp, k), xo = FloatVector.fromArray(F, xp, k + L);
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
        y[r] = a0.add(c0).reduceLanes(VectorOperators.ADD);
        y[r + s] = a1.add(c1).reduceLanes(VectorOperators.ADD);
        y[r + 2 * s] = a2.add(c2).reduceLanes(VectorOperators.ADD);
        y[r + 3 * s] = a3.add(c3).reduceLanes(VectorOperators.ADD);
        y[r + 4 * s] = a4.add(c4).reduceLanes(VectorOperators.ADD);
        y[r + 5 * s] = a5.add(c5).reduceLanes(VectorOperators.ADD);
        y[r + 6 * s] = a6.add(c6).reduceLanes(VectorOperators.ADD);
        y[r + 7 * s] = a7.add(c7).reduceLanes(VectorOperators.ADD);
    }

    /** GB/s of {@code bytes} per call, over as many calls as fit in the window. */
    private static double rate(long windowNanos, long bytes, Runnable call) {
        long calls = 0, t0 = System.nanoTime(), t;
        do {
            call.run();
            calls++;
        } while ((t = System.nanoTime()) - t0 < windowNanos);
        return calls * (double) bytes / (t - t0);
    }

    /** Rows of random normal halves (exponent 1 to 30), in 2 MiB pages where the allocator can. */
    private static MemorySegment randomHalves(int rows) {
        MemorySegment data = LargeAllocation.allocate((long) rows * COLS * 2, Arena.global());
        Random random = new Random(rows);
        short[] chunk = new short[1 << 19];
        for (long at = 0; at < data.byteSize(); at += 2L * chunk.length) {
            for (int i = 0; i < chunk.length; i++) chunk[i] = (short) (random.nextInt(2) << 15 | (1 + random.nextInt(30)) << 10 | random.nextInt(1024));
            MemorySegment.copy(MemorySegment.ofArray(chunk), 0, data, at, Math.min(2L * chunk.length, data.byteSize() - at));
        }
        return data;
    }
}
