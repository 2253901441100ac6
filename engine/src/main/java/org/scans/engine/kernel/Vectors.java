package org.scans.engine.kernel;

import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes every kernel uses, fixed once per JVM: the widest the CPU offers (512 bits
 * with AVX-512, 256 with AVX2). Keeping them {@code static final} lets C2 fold them into the
 * loops.
 */
final class Vectors {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints of the same width as {@link #F}: one int holds two 16-bit weights. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    /** Shorts with as many lanes as {@link #F}, for widening 16-bit values one per float lane. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * 16 float lanes (512-bit vectors): the register layouts that tile8x16's sums from registers,
     * tile4x16 and the 16-token packings ({@code TokenPanels.packPairs16}, {@code packQuads16})
     * are written for. Below it they are not used.
     */
    static final boolean LANES16 = L == 16;
    /** Bytes in one float vector: the step between the vectors of a {@link PairPanel}. */
    static final long VBYTES = 4L * L;
    /** The byte order a {@link PairPanel} is written and read in, as the JVM writes a float[]. */
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /**
     * Whether the kernels have only 16 vector registers: x86-64 below AVX-512, where HotSpot
     * cannot encode registers 16–31 (Intel laptops since 2021, AMD before Zen 4). Vectors of 256
     * bits or fewer on x86 mean this case (AVX-512 gives 512); NEON and SVE have 32 registers.
     * {@code -Dscans.vectorRegisters=16} or {@code 32} overrides it, for tests and measurements.
     */
    static final boolean FEW_REGISTERS = fewRegisters();
    /**
     * Whether the CPU is Intel's ({@code vendor_id} in {@code /proc/cpuinfo}; false where that file
     * is missing). Some tile shapes measured faster on one vendor's cores and slower on the other's
     * (see BF16Kernels.QUADS). {@code -Dscans.cpuVendor=intel} or {@code other}
     * overrides it, for tests and measurements.
     */
    static final boolean INTEL = intel();
    /**
     * Whether the core permutes bytes across a whole 512-bit vector in one instruction
     * ({@code avx512vbmi} in {@code /proc/cpuinfo}: Intel since Ice Lake, AMD since Zen 4). Without
     * it HotSpot builds a byte rearrange from several shuffles, so the 4-row tiles that widen
     * weights with one ({@code tile4x16} of BF16Kernels and F16Kernels) use int shuffles instead,
     * and Q8_0 keeps {@code Q8Kernels.gemmPairs} (see {@code Q8Kernels.QUADS}). Only asked with 16
     * lanes. {@code -Dscans.bytePermute=true} or {@code false} overrides it.
     */
    static final boolean BYTE_PERMUTE = bytePermute();

    /*
     * Lane i swapped with lane i ^ h: the steps of sum's tree, for every lane count up to 16. The
     * decode kernels write the tree out with these instead of calling sum: C2 does not inline sum
     * into methods that large (NodeCountInliningCutoff, or "callee is too large" at a call site it
     * does not count as hot), and a vector passed to a method it does not inline is boxed on the
     * heap, once per row. Q8_0's compute-bound decode ran 13–25% faster without those boxes
     * (bench/README.md, round 28).
     */
    static final VectorShuffle<Float> SWAP8 = swap(8), SWAP4 = swap(4), SWAP2 = swap(2), SWAP1 = swap(1);

    /** 128-bit species: the eight 16-bit weights of one 16-byte load, as ints or as bytes. */
    static final VectorSpecies<Integer> I128 = IntVector.SPECIES_128;
    static final VectorSpecies<Byte> B128 = ByteVector.SPECIES_128;
    /** Bytes of the float vectors' width. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize()));
    /**
     * Ints 0–3 of a zero-extended 16-byte load (eight 16-bit weights) into every 128-bit lane: one
     * {@code vpermd}. The identity below 16 lanes, where the 4-row tiles that use it do not run.
     */
    static final VectorShuffle<Integer> REPEAT_QUARTER = VectorShuffle.fromOp(I, i -> LANES16 ? i & 3 : i);

    /** Odd lanes; lanes whose bit 1 is set: the blends of the 4-row tiles' row sums. */
    static final VectorMask<Float> ODD1 = VectorMask.fromLong(F, 0xAAAAL), ODD2 = VectorMask.fromLong(F, 0xCCCCL);
    /** Lanes 4q…4q+3: a 4-row tile's four rows of one token, stored by one masked store. */
    static final VectorMask<Float> QUARTER_0 = VectorMask.fromLong(F, 0x000FL), QUARTER_1 = VectorMask.fromLong(F, 0x00F0L),
            QUARTER_2 = VectorMask.fromLong(F, 0x0F00L), QUARTER_3 = VectorMask.fromLong(F, 0xF000L);

    /**
     * Lane i: the float of lane {@code 2(i & 3)} (REPEAT_EVENS) or {@code 2(i & 3) + 1}
     * (REPEAT_ODDS): eight widened weights' even and odd ones, repeated in each 128-bit lane as
     * the 4-row tiles' layout wants them ({@code vpermps}). The identity below 16 lanes.
     */
    static final VectorShuffle<Float> REPEAT_EVENS = VectorShuffle.fromOp(F, i -> LANES16 ? 2 * (i & 3) : i),
            REPEAT_ODDS = VectorShuffle.fromOp(F, i -> LANES16 ? 2 * (i & 3) + 1 : i);

    private Vectors() {}

    /**
     * A byte shuffle ({@code vpermb} with {@link #BYTE_PERMUTE}) of a zero-extended 16-byte load of
     * eight 16-bit weights: int lane i gets weight {@code half(i)} in its high 16 bits and byte 16,
     * a zero of the extension, in both low bytes. A BF16 weight comes out as its float, an F16 one
     * as {@code h << 16}. The identity below 16 lanes.
     */
    static VectorShuffle<Byte> highHalves(java.util.function.IntUnaryOperator half) {
        return VectorShuffle.fromOp(B, j -> !LANES16 ? j : (j & 3) < 2 ? 16 : 2 * half.applyAsInt(j >> 2) + (j & 1));
    }

    private static VectorShuffle<Float> swap(int h) {
        return VectorShuffle.fromOp(F, i -> h < L ? i ^ h : i);
    }

    /**
     * The sum of {@code v}'s lanes, added in one fixed order (halves folded onto each other) in
     * every JIT tier. {@code reduceLanes(ADD)} leaves the order to the implementation: compiled
     * by C2 it adds as a tree, interpreted or compiled by C1 lane after lane, so a result
     * depended on whether its kernel had been compiled yet; scores and greedy answers moved in
     * their last bits between runs and between a resumed job and one that was not interrupted.
     */
    static float sum(FloatVector v) {
        if (L > 16) return wideSum(v);
        FloatVector s = v;
        if (L > 8) s = s.add(s.rearrange(SWAP8));
        if (L > 4) s = s.add(s.rearrange(SWAP4));
        if (L > 2) s = s.add(s.rearrange(SWAP2));
        if (L > 1) s = s.add(s.rearrange(SWAP1));
        return s.lane(0);
    }

    /** {@link #sum} for vectors of more than 16 lanes (none on x86), the same tree on an array. */
    private static float wideSum(FloatVector v) {
        float[] a = v.toArray();
        for (int h = a.length / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) a[i] += a[i + h];
        }
        return a[0];
    }

    static {
        if (I.length() != L || S.length() != L) throw new AssertionError("vector species lane counts disagree");
    }

    private static boolean fewRegisters() {
        String forced = System.getProperty("scans.vectorRegisters", "");
        if (forced.equals("16") || forced.equals("32")) return forced.equals("16");
        if (!forced.isEmpty()) throw new IllegalArgumentException("scans.vectorRegisters must be 16 or 32, not " + forced);
        String arch = System.getProperty("os.arch", "");
        return (arch.equals("amd64") || arch.equals("x86_64")) && L <= 8;
    }

    private static boolean intel() {
        String forced = System.getProperty("scans.cpuVendor", "");
        if (forced.equals("intel") || forced.equals("other")) return forced.equals("intel");
        if (!forced.isEmpty()) throw new IllegalArgumentException("scans.cpuVendor must be intel or other, not " + forced);
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("vendor_id")).findFirst().map(l -> l.endsWith("GenuineIntel")).orElse(false);
        } catch (java.io.IOException | java.io.UncheckedIOException | SecurityException e) {
            return false;
        }
    }

    private static boolean bytePermute() {
        return flagWhere(LANES16, "scans.bytePermute", cpuFlag("avx512vbmi"));
    }

    /** Whether {@code /proc/cpuinfo} lists {@code name} among the CPU's flags (false where that file is missing). */
    private static boolean cpuFlag(String name) {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("flags")).findFirst().map(l -> java.util.List.of(l.split("\\s+")).contains(name)).orElse(false);
        } catch (java.io.IOException | java.io.UncheckedIOException | SecurityException e) {
            return false;
        }
    }

    /**
     * A kernel choice: {@code -Dname=true} or {@code false} where given, else {@code otherwise}; any
     * other value is refused with a message naming the property.
     */
    static boolean flag(String name, boolean otherwise) {
        String forced = System.getProperty(name, "");
        if (forced.equals("true") || forced.equals("false")) return forced.equals("true");
        if (!forced.isEmpty()) throw new IllegalArgumentException(name + " must be true or false, not " + forced);
        return otherwise;
    }

    /**
     * {@link #flag} for a choice that only exists where {@code applies}: false elsewhere, but the
     * property is read on every machine, so that a wrong value is refused there too (a {@code
     * LANES16 && flag(…)} never read it with 256-bit vectors, and such a typo went unnoticed).
     */
    static boolean flagWhere(boolean applies, String name, boolean otherwise) {
        boolean chosen = flag(name, otherwise);
        return applies && chosen;
    }

    /** Returns the shape in words, for logs and benchmark reports. */
    static String describe() {
        return F.vectorBitSize() + "-bit vectors (" + L + " float lanes" + (FEW_REGISTERS ? ", 16 registers" : "") + ")";
    }
}
