package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The throughput line at the end of a run, for fast and slow models. */
class RunSummaryThroughputTest {
    static String throughputLine(double seconds, int samples, long tokens) {
        String table = RunSummary.table(RunSummary.of(List.of(), JsonNodeFactory.instance.objectNode(), seconds, samples, tokens, List.of()));
        return table.lines().filter(l -> l.startsWith("Throughput")).findFirst().orElseThrow();
    }

    @Test
    void aSlowModelGetsSecondsASample() {
        // The 7B-shaped F16 run of 2026-11-29: 16 samples, 32 answers of 256 tokens, in 507.7 s.
        assertEquals("Throughput: 31.7 s a sample (0.032 samples/s), 16.1 generated tok/s (507.7 s)", throughputLine(507.7, 16, 8192));
    }

    @Test
    void aFastModelGetsSamplesASecond() {
        assertEquals("Throughput: 16.07 samples/s, 9570.0 generated tok/s (28.0 s)", throughputLine(28, 450, 267_960));
    }
}
