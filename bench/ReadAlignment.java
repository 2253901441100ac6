import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.kernel.VectorOps;

/**
 * What a vector-boundary start is worth to a plain read of a mapped file: one thread reads the
 * file in 64 MiB parts from offset 0 and from offset OFFSET (default 48, where the tensors of the
 * 1.1B F16 safetensors file start against a 64-byte boundary), alternating, in one JVM.
 *
 * <p>The engine's read ({@code VectorOps.read}) now steps to the boundary first, so the misaligned
 * side is the old loop, written out here: plain loads from wherever the part starts.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/scans-engine.jar bench/ReadAlignment.java FILE [OFFSET]
 * </pre>
 */
public class ReadAlignment {
    private static final long PART = 1L << 26;

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ReadAlignment FILE [OFFSET]");
            System.exit(2);
        }
        long skew = args.length > 1 ? Long.parseLong(args[1]) : 48;
        try (FileChannel ch = FileChannel.open(Path.of(args[0])); Arena arena = Arena.ofShared()) {
            MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            long end = m.byteSize() / PART * PART - PART; // whole parts from either start
            float sink = 0;
            for (int i = 0; i < 2; i++) sink += pass(m, 0, end, true) + pass(m, skew, end, false);
            for (int round = 1; round <= 4; round++) {
                long t0 = System.nanoTime();
                sink += pass(m, 0, end, true);
                long t1 = System.nanoTime();
                sink += pass(m, skew, end, false);
                long t2 = System.nanoTime();
                System.out.printf("round %d: from a boundary %.2f GB/s, from +%d bytes %.2f GB/s%n", round, end / 1e9 / ((t1 - t0) / 1e9), skew,
                        end / 1e9 / ((t2 - t1) / 1e9));
            }
            if (sink == 42) System.out.println();
        }
    }

    private static float pass(MemorySegment m, long from, long bytes, boolean aligned) {
        float s = 0;
        for (long r = from; r < from + bytes; r += PART) s += aligned ? VectorOps.read(m, r, PART) : unaligned(m, r, PART);
        return s;
    }

    /** The read as it was before round 45: vector loads from {@code off}, wherever that is. */
    private static float unaligned(MemorySegment m, long off, long bytes) {
        final VectorSpecies<Float> f = FloatVector.SPECIES_PREFERRED;
        final ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        FloatVector a0 = FloatVector.zero(f), a1 = a0, a2 = a0, a3 = a0;
        final long v = f.vectorByteSize(), step = 4 * v, end = off + bytes / step * step;
        for (long i = off; i < end; i += step) {
            a0 = a0.add(FloatVector.fromMemorySegment(f, m, i, le));
            a1 = a1.add(FloatVector.fromMemorySegment(f, m, i + v, le));
            a2 = a2.add(FloatVector.fromMemorySegment(f, m, i + 2 * v, le));
            a3 = a3.add(FloatVector.fromMemorySegment(f, m, i + 3 * v, le));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
