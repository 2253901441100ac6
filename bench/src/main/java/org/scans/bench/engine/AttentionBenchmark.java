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
import org.scans.engine.tensor.DType;

/**
 * One layer's attention for one decoding token at context lengths 128 to 4096, at the Llama-2-7B
 * geometry (32 heads of 128, no grouping), TinyLlama's (32 heads of 64 over 4 kv heads) and the
 * bundled stories260K's (8 heads of 8 over 4 kv heads: with 16 lanes a head is half a vector, and
 * two positions share one, see VectorOps.scoresPairs).
 * Decoding reads the whole layer cache once: {@code bytes} (keys and values, float32 or F16 as
 * {@code kv} says) against the read bandwidth; {@code flops} counts q·k and p·v (4·headDim per head and position).
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
    @Param({"32/32/128", "32/4/64", "8/4/8"})
    public String geometry;

    @Param({"1", "2"})
    public int threads;

    /** What the cache holds: F32 or F16 (half the bytes, widened in the kernel). */
    @Param({"F32", "F16"})
    public String kv;

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
        DType type = DType.valueOf(kv);
        MemorySegment k = arena.allocate(type.sizeOf((long) context * kvDim), 64), v = arena.allocate(type.sizeOf((long) context * kvDim), 64);
        float[] values = RandomWeights.activations(context * kvDim, 2);
        for (int i = 0; i < values.length; i++) {
            if (type == DType.F16) {
                k.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Float.floatToFloat16(values[i]));
                v.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, Float.floatToFloat16(values[i]));
            } else {
                k.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, values[i]);
                v.set(ValueLayout.JAVA_FLOAT_UNALIGNED, 4L * i, values[i]);
            }
        }
        backend = new CpuBackend(threads);
        float[] q = RandomWeights.activations(heads * headDim, 3);
        // The cache's layout, [kvHead][position][headDim], with the capacity equal to the context.
        batch = new AttentionBatch(1, heads, kvHeads, headDim, q, new float[heads * headDim], new int[] {context - 1},
                new MemorySegment[] {k}, new MemorySegment[] {v}, new long[] {type.sizeOf((long) context * headDim)}, type);
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public float decodeStep(Counters c) {
        backend.attention(batch);
        c.bytes += 2 * batch.kvType().sizeOf((long) context * kvHeads * headDim);
        c.flops += 4L * heads * headDim * context;
        return batch.out()[0];
    }
}
