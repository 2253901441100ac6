package org.scans.bench.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
import org.scans.engine.kernel.VectorOps;

/**
 * The machine's limits as Java sees them, the yardsticks for every other figure:
 *
 * <ul>
 *   <li>{@code streamRead}: a STREAM-style read of a private off-heap buffer (default 1 GiB, far
 *       beyond any cache) with the engine's own read loop ({@link VectorOps#read}). Run with
 *       {@code -t 1} and {@code -t 2}; the {@code bytes} counter is bytes/s per thread summed
 *       over threads by JMH.
 *   <li>{@code fmaPeak}: twelve independent FMA chains on full vectors (more than FMA latency ×
 *       issue width), so the score is the FMA throughput; the {@code flops} counter is FLOP/s.
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar PeaksBenchmark -t 1
 * java --add-modules jdk.incubator.vector -jar bench/target/benchmarks.jar PeaksBenchmark -t 2
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeaksBenchmark {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    @State(Scope.Thread)
    public static class Buffer {
        @Param({"1024"})
        public int mebibytes;

        Arena arena;
        MemorySegment seg;

        @Setup
        public void setup() {
            arena = Arena.ofShared();
            seg = arena.allocate((long) mebibytes << 20, 4096);
            for (long i = 0; i < seg.byteSize(); i += 4096) seg.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) 1);
        }

        @TearDown
        public void tearDown() {
            arena.close();
        }
    }

    @Benchmark
    public float streamRead(Buffer b, Counters c) {
        c.bytes += b.seg.byteSize();
        return VectorOps.read(b.seg, 0, b.seg.byteSize());
    }

    static final int FMA_ITERATIONS = 1 << 20;

    @Benchmark
    public float fmaPeak(Counters c) {
        FloatVector a0 = FloatVector.broadcast(F, 1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        FloatVector a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector m = FloatVector.broadcast(F, 0.999999f), k = FloatVector.broadcast(F, 1e-7f);
        for (int i = 0; i < FMA_ITERATIONS; i++) {
            a0 = a0.fma(m, k); a1 = a1.fma(m, k); a2 = a2.fma(m, k); a3 = a3.fma(m, k);
            a4 = a4.fma(m, k); a5 = a5.fma(m, k); a6 = a6.fma(m, k); a7 = a7.fma(m, k);
            a8 = a8.fma(m, k); a9 = a9.fma(m, k); a10 = a10.fma(m, k); a11 = a11.fma(m, k);
        }
        c.flops += 2L * 12 * F.length() * FMA_ITERATIONS;
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11)
                .reduceLanes(VectorOperators.ADD);
    }
}
