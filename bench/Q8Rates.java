import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.scans.engine.kernel.Q8Kernels;
import org.scans.engine.kernel.VectorOps;
import org.scans.engine.tensor.Q8Matrix;
import org.scans.engine.util.JitDirectives;
import org.scans.engine.util.LargeAllocation;

/**
 * Whether the Q8_0 decode kernel waits on memory or on its own arithmetic: one thread runs
 * {@code Q8Kernels.matvec} over a matrix small enough for L2 (256 × 2048, 576 KB) and over one of
 * about 1 GB (in 2 MiB pages where the kernel allows, as the engine's Q8_0 copy is), then a plain
 * read of the large one, PASSES times in turn (default 6), SECONDS each (default 1). Random quants,
 * every scale 1.
 *
 * <p>The L2 rate is the kernel's compute ceiling. If it is far above the 1 GB rate, the decode is
 * bound by how fast memory streams into the kernel; if it falls between passes with nothing
 * recompiled (check with {@code -XX:+PrintCompilation}), something else is taking the core. The
 * first pass or two run while C2 compiles the kernel and the read: leave them out. The engine's
 * kernel properties apply ({@code -Dscans.q8TouchAhead=N} compares touch distances, round 46).
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/scans-engine.jar bench/Q8Rates.java [PASSES] [SECONDS]
 * </pre>
 */
public class Q8Rates {
    private static final int COLS = 2048;

    public static void main(String[] args) {
        // The engine's compiler directives first, as the engine adds them at load: without them C1
        // can compile the group kernel at tier 2 (no intrinsics: every vector boxed, 0.1 GB/s),
        // fail at tier 3 and leave it there for good (round 47, AVX2, most runs).
        JitDirectives.start();
        if (!JitDirectives.await()) System.err.println("warning: compiler directives not added; the rates may be C1's");
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 1;
        Q8Matrix small = randomMatrix(256), large = randomMatrix(460_000 / Q8Matrix.GROUP * Q8Matrix.GROUP);
        float[] x = new float[COLS];
        Random random = new Random(1);
        for (int i = 0; i < COLS; i++) x[i] = (float) random.nextGaussian();
        float[] y = new float[large.rows()];
        long window = (long) (seconds * 1e9);
        for (int pass = 1; pass <= passes; pass++) {
            double l2 = rate(window, small.data().byteSize(), () -> Q8Kernels.matvec(small, 0, small.rows(), x, 0, y, 0));
            double memory = rate(window, large.data().byteSize(), () -> Q8Kernels.matvec(large, 0, large.rows(), x, 0, y, 0));
            float[] sink = new float[1];
            double read = rate(window, large.data().byteSize(), () -> sink[0] += VectorOps.read(large.data(), 0, large.data().byteSize()));
            System.out.printf("pass %d: kernel from L2 %.1f GB/s, from memory %.1f GB/s, plain read %.1f GB/s (%.0f%% of it)%n",
                    pass, l2, memory, read, 100 * memory / read);
        }
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

    private static Q8Matrix randomMatrix(int rows) {
        MemorySegment data = LargeAllocation.allocate(Q8Matrix.bytesFor(rows, COLS), Arena.global());
        Random random = new Random(rows);
        byte[] chunk = new byte[1 << 20];
        for (long at = 0; at < data.byteSize(); at += chunk.length) {
            random.nextBytes(chunk);
            MemorySegment.copy(MemorySegment.ofArray(chunk), 0, data, at, Math.min(chunk.length, data.byteSize() - at));
        }
        Q8Matrix m = new Q8Matrix("random", rows, COLS, data);
        for (int r = 0; r < rows; r++) for (int b = 0; b < m.blocks(); b++) m.setScale(r, b, (short) 0x3C00);
        return m;
    }
}
