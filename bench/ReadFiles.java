import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.scans.engine.kernel.VectorOps;

/**
 * A plain read of whole files through their memory mappings, the yardstick for a decode step
 * that streams a model's weights: run it on llama.cpp's GGUF and on our safetensors in the same
 * minute, and each engine's decode can be judged against the read of its own file.
 *
 * <p>Why a file's own read: on the VMs of bench/README.md two files of the same size, both in the
 * page cache in 2 MiB folios, read at rates 10–30% apart, steadily over minutes (round 31: the
 * 1.1B F16 checkpoint 21–22 GB/s against the BF16 one's 24–25, alternating). Where the kernel
 * happened to put a file's pages in memory decides it, so a ratio of two engines that read two
 * different files carries that factor unless each is stated against its own read.
 *
 * <p>How: each 64 MiB region of the file is cut into one part per thread, as a matrix's rows are
 * split between threads, and each thread walks its parts through the whole file, with no barrier
 * between regions; each part goes through the engine's own plain read ({@code VectorOps.read},
 * the loop behind {@code bench}'s read line). Two passes before the timed ones (the first maps the pages) and the JIT's warm-up
 * are not counted.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp target/scans-engine.jar bench/ReadFiles.java THREADS FILE...
 * </pre>
 */
public class ReadFiles {
    private static final long REGION = 64L << 20;
    private static final int PASSES = 3;

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ReadFiles THREADS FILE...");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[0]);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        float sink = 0;
        try {
            for (int i = 1; i < args.length; i++) {
                Path file = Path.of(args[i]);
                try (FileChannel ch = FileChannel.open(file); Arena arena = Arena.ofShared()) {
                    MemorySegment m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
                    // The JIT first, on the first region (C2 compiles the read after a few calls), then two passes: the first maps the pages, and the first timed pass still ran slow after one.
                    for (int k = 0; k < 20; k++) sink += VectorOps.read(m, 0, Math.min(REGION, m.byteSize()));
                    sink += pass(pool, threads, m);
                    sink += pass(pool, threads, m);
                    double[] gbs = new double[PASSES];
                    for (int p = 0; p < PASSES; p++) {
                        long t0 = System.nanoTime();
                        sink += pass(pool, threads, m);
                        gbs[p] = m.byteSize() / ((System.nanoTime() - t0) / 1e9) / 1e9;
                    }
                    double mean = 0;
                    for (double g : gbs) mean += g / PASSES;
                    System.out.printf("read  %6.2f GB/s  %s (%.2f GB, %d threads, passes %s)%n", mean, file, m.byteSize() / 1e9, threads, list(gbs));
                }
            }
        } finally {
            pool.shutdown();
        }
        if (sink == 42) System.out.println(); // keeps the loads alive
    }

    /** One pass over the whole mapping; returns a sum of what was read. */
    private static float pass(ExecutorService pool, int threads, MemorySegment m) throws Exception {
        List<Future<Float>> parts = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            final int worker = w;
            parts.add(pool.submit(() -> {
                float s = 0;
                for (long r = 0; r < m.byteSize(); r += REGION) {
                    long len = Math.min(REGION, m.byteSize() - r), part = len / threads / 256 * 256;
                    long from = r + worker * part, to = worker == threads - 1 ? r + len : from + part;
                    s += VectorOps.read(m, from, to - from);
                }
                return s;
            }));
        }
        float s = 0;
        for (Future<Float> f : parts) s += f.get();
        return s;
    }

    private static String list(double[] xs) {
        StringBuilder b = new StringBuilder();
        for (double x : xs) b.append(b.isEmpty() ? "" : ", ").append(String.format("%.1f", x));
        return b.toString();
    }
}
