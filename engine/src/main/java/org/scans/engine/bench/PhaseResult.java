package org.scans.engine.bench;

import java.util.Arrays;

/**
 * The timed runs of one phase.
 *
 * @param name "pp512", "tg128", "tg128x16"
 * @param tokensPerRun tokens one run processes (all sequences together for batched tg)
 * @param seconds wall time of each timed run
 */
public record PhaseResult(String name, int tokensPerRun, double[] seconds) {
    public PhaseResult {
        seconds = seconds.clone();
    }

    /** Tokens per second of each run. */
    public double[] tokPerSec() {
        return Arrays.stream(seconds).map(s -> tokensPerRun / s).toArray();
    }

    /** Mean of the runs' tok/s (as llama-bench averages rates, not times). */
    public double mean() {
        return Arrays.stream(tokPerSec()).average().orElse(Double.NaN);
    }

    /** Sample standard deviation of the runs' tok/s; 0 for a single run. */
    public double sd() {
        double[] r = tokPerSec();
        if (r.length < 2) return 0;
        double m = mean(), ss = 0;
        for (double x : r) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (r.length - 1));
    }
}
