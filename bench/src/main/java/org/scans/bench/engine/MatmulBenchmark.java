package org.scans.bench.engine;

import java.lang.foreign.Arena;
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
import org.scans.engine.backend.CpuBackend;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.WeightMatrix;

/**
 * Matrix products through {@link CpuBackend#matmul} (the kernels plus the row split across
 * threads) for every weight type, at the Llama-2-7B shapes (q/k/v/o 4096×4096, gate/up
 * 11008×4096, down 4096×11008, lm_head 32000×4096) and the TinyLlama-1.1B ones (2048×2048,
 * k/v 256×2048, 5632×2048, 2048×5632, 32000×2048). {@code tokens} = 1 is decoding (memory-bound:
 * read the {@code bytes} counter against {@code PeaksBenchmark.streamRead}); 16 is a batched
 * decode step, 128 and 512 prefill (compute-bound: read {@code flops} against
 * {@code PeaksBenchmark.fmaPeak}). Weights are random and off-heap, as mapped weights are.
 *
 * <pre>
 * # decode, every dtype and shape, 1 and 2 threads (about 6 minutes):
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatmulBenchmark -p tokens=1
 * # decode with the weights 56 bytes past a cache line, as in a safetensors file:
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatmulBenchmark -p tokens=1 -p offset=0,56
 * # prefill at the 7B shapes, BF16:
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar MatmulBenchmark -p tokens=512 -p dtype=BF16 \
 *     -p shape=4096x4096,11008x4096,4096x11008,32000x4096
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g"})
public class MatmulBenchmark {
    @Param({"BF16", "F16", "F32", "Q8_0"})
    public String dtype;

    @Param({"4096x4096", "11008x4096", "4096x11008", "32000x4096", "2048x2048", "256x2048", "5632x2048", "2048x5632", "32000x2048"})
    public String shape;

    @Param({"1", "16", "512"})
    public int tokens;

    @Param({"1", "2"})
    public int threads;

    /**
     * Bytes past a 64-byte boundary at which the weights start (F32, F16, BF16): 0, or 56 as in
     * the safetensors files of bench/README.md, whose rows the decode kernels read from the
     * boundary before (RowLead).
     */
    @Param({"0"})
    public int offset;

    Arena arena;
    WeightMatrix w;
    CpuBackend backend;
    float[] x, out;

    @Setup
    public void setup() {
        int[] s = RandomWeights.shape(shape);
        arena = Arena.ofShared();
        w = RandomWeights.matrix(DType.valueOf(dtype), s[0], s[1], arena, offset);
        backend = new CpuBackend(threads);
        x = RandomWeights.activations(tokens * s[1], 1);
        out = new float[tokens * s[0]];
    }

    @TearDown
    public void tearDown() {
        backend.close();
        arena.close();
    }

    @Benchmark
    public float matmul(Counters c) {
        backend.matmul(w, x, tokens, out);
        c.bytes += w.bytes();
        c.flops += 2L * w.rows() * w.cols() * tokens;
        return out[0];
    }
}
