package org.scans.engine.bench;

/**
 * What {@link EngineBench} measured. A phase that was not asked for is null.
 *
 * @param weightBytesPerToken bytes of weight matrices one decode step reads
 * @param promptFlops floating-point operations of one pp run (matrix products and attention)
 */
public record BenchReport(String model, String dtype, int threads, String backend, long weightBytesPerToken,
                          double promptFlops, PhaseResult pp, PhaseResult tg, PhaseResult tgBatch) {

    /** Effective weight bandwidth of tg in GB/s: weight bytes per step times steps per second. */
    public double tgGigabytesPerSecond() {
        return tg == null ? Double.NaN : weightBytesPerToken * tg.mean() / 1e9;
    }

    /** pp throughput in GFLOP/s. */
    public double ppGigaflopsPerSecond() {
        return pp == null ? Double.NaN : promptFlops * pp.mean() / pp.tokensPerRun() / 1e9;
    }
}
