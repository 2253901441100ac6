package org.scans.bench.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.scans.engine.backend.AttentionBatch;
import org.scans.engine.backend.CpuBackend;

/**
 * One layer's attention for one decoding token at context lengths 128 to 4096, at the Llama-2-7B
 * geometry (32 heads of 128, no grouping) and TinyLlama's (32 heads of 64 over 4 kv heads).
 * Decoding reads the whole layer cache once: {@code bytes} (keys and values, float32) against
 * the read bandwidth; {@code flops} counts q·k and p·v (4·headDim per head and position).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar AttentionBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionBenchmark {
    @Param({"128", "512", "1024", "2048", "4096"})
    public int context;

    /** heads/kvHeads/headDim. */
    @Param({"32/32/128", "32/4/64"})
    public String geometry;

    @Param({"1", "2"})
    public int threads;

    int heads, kvHeads, headDim;
    Arena arena;
    CpuBackend backend;
    AttentionBatch batch;

    @Setup
    public void setup() {
        String[] g = geometry.split("/");
        heads = Integer.parseInt(g[0]);
        kvHeads = Integer.parseInt(g[1]);
        headDim = Integer.parseInt(g[2]);
        int kvDim = kvHeads * headDim;
        arena = Arena.ofShared();
        MemorySegment k = arena.allocate((long) context * kvDim * 4, 64), v = arena.allocate((long) context * kvDim * 4, 64);
        float[] kv = RandomWeights.activations(context * kvDim, 2);
        MemorySegment.copy(kv, 0, k, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, kv.length);
        MemorySegment.copy(kv, 0, v, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, kv.length);
        backend = new CpuBackend(threads);
        float[] q = RandomWeights.activations(heads * headDim, 3);
        // The cache's layout, [kvHead][position][headDim], with the capacity equal to the context.
        batch = new AttentionBatch(1, heads, kvHeads, headDim, q, new float[heads * headDim], new int[] {context - 1},
                new MemorySegment[] {k}, new MemorySegment[] {v}, new long[] {(long) context * headDim * 4});
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public float decodeStep(Counters c) {
        backend.attention(batch);
        c.bytes += 2L * context * kvHeads * headDim * 4;
        c.flops += 4L * heads * headDim * context;
        return batch.out()[0];
    }
}
