package org.scans.bench.engine;

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
import org.openjdk.jmh.annotations.Warmup;
import org.scans.engine.kernel.PairedLayout;
import org.scans.engine.kernel.VectorOps;
import org.scans.engine.model.RopeTable;

/**
 * The small kernels of one token's layer at the 7B width (4096, MLP 11008) and the 1.1B width
 * (2048, MLP 5632): RMSNorm, SwiGLU's silu·mul, RoPE over all heads, the paired reordering of
 * activations for 16-bit weights, softmax over a 4096-position score row. Each is microseconds
 * against a decode step's tens of milliseconds; this shows they stay that way.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar ElementwiseBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class ElementwiseBenchmark {
    /** hidden/intermediate/headDim. */
    @Param({"4096/11008/128", "2048/5632/64"})
    public String width;

    int dim, inter, headDim;
    float[] x, w, out, gate, up, paired, scores;
    RopeTable rope;

    @Setup
    public void setup() {
        String[] p = width.split("/");
        dim = Integer.parseInt(p[0]);
        inter = Integer.parseInt(p[1]);
        headDim = Integer.parseInt(p[2]);
        x = RandomWeights.activations(dim, 1);
        w = RandomWeights.activations(dim, 2);
        out = new float[dim];
        gate = RandomWeights.activations(inter, 3);
        up = RandomWeights.activations(inter, 4);
        paired = new float[inter];
        scores = RandomWeights.activations(4096, 5);
        rope = new RopeTable(headDim, 4096, 10000, 1);
    }

    @Benchmark
    public float rmsnorm() {
        VectorOps.rmsnorm(x, 0, w, 1e-5f, out, 0, dim);
        return out[0];
    }

    @Benchmark
    public float siluMul() {
        float[] g = gate.clone();
        VectorOps.siluMul(g, 0, up, 0, inter);
        return g[0];
    }

    @Benchmark
    public float ropeAllHeads() {
        for (int h = 0; h < dim / headDim; h++) VectorOps.rope(x, h * headDim, headDim, rope.cos(), rope.sin(), rope.offset(1000));
        return x[0];
    }

    @Benchmark
    public float pairForMlpInput() {
        PairedLayout.pair(gate, 0, inter, paired, 0);
        return paired[1];
    }

    @Benchmark
    public float softmax4096() {
        float[] s = scores.clone();
        VectorOps.softmax(s, 0, s.length);
        return s[0];
    }
}
