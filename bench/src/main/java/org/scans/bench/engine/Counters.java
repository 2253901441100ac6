package org.scans.bench.engine;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Bytes read and floating-point operations done by a benchmark's calls, reported by JMH as the
 * secondary results {@code :bytes} and {@code :flops} (per second), next to the primary score.
 */
@AuxCounters(AuxCounters.Type.OPERATIONS)
@State(Scope.Thread)
public class Counters {
    public long bytes;
    public long flops;

    @Setup(Level.Iteration)
    public void reset() {
        bytes = 0;
        flops = 0;
    }
}
