package org.scans.engine.generate;

/**
 * The result of one generation.
 *
 * @param ids the generated ids, including a stop id that ended generation
 * @param promptNanos time of the prompt's forward pass
 * @param decodeNanos time of the single-token forward passes
 * @param decodeSteps how many single-token forward passes ran
 */
public record Generation(int[] promptIds, int[] ids, StopReason reason, long promptNanos, long decodeNanos, int decodeSteps) {

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptIds.length * 1e9 / promptNanos;
    }

    public double decodeTokensPerSecond() {
        return decodeNanos == 0 ? 0 : decodeSteps * 1e9 / decodeNanos;
    }
}
