package org.scans.engine.bench;

import org.scans.engine.io.MappedPages;

/**
 * What {@link EngineBench} measured. A phase that was not asked for is null.
 *
 * @param weightBytesPerToken bytes of weight matrices one decode step reads
 * @param promptFlops floating-point operations of one pp run (matrix products and attention)
 * @param read passes of a plain read over the same weight bytes (one "token" per pass), measured
 *     right after tg; null if tg was skipped or the backend is not the CPU one
 * @param pages how the model's mapped files sat in memory after the runs (the page size decides
 *     how fast a core can stream them); null where that cannot be read (not Linux)
 * @param quantizedPages the same for the anonymous memory of a {@code --quantize} copy; null
 *     without one, or where it cannot be read
 */
public record BenchReport(String model, String dtype, int threads, String backend, long weightBytesPerToken,
                          double promptFlops, PhaseResult pp, PhaseResult tg, PhaseResult tgBatch, PhaseResult read,
                          MappedPages pages, MappedPages quantizedPages) {

    /** GB/s of the plain read of the weights. */
    public double readGigabytesPerSecond() {
        return read == null ? Double.NaN : weightBytesPerToken * read.mean() / 1e9;
    }

    /** Effective weight bandwidth of tg in GB/s: weight bytes per step times steps per second. */
    public double tgGigabytesPerSecond() {
        return tg == null ? Double.NaN : weightBytesPerToken * tg.mean() / 1e9;
    }

    /** pp throughput in GFLOP/s. */
    public double ppGigaflopsPerSecond() {
        return pp == null ? Double.NaN : promptFlops * pp.mean() / pp.tokensPerRun() / 1e9;
    }
}
