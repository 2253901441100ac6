package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void theRatesDivideByTheSecondsAsWritten() {
        var t = RunSummary.of(List.of(), JsonNodeFactory.instance.objectNode(), 4.94361, 40, 1000, List.of()).get("throughput");
        assertEquals(4.944, t.get("seconds").asDouble());
        assertEquals(40 / t.get("seconds").asDouble(), t.get("samples_per_s").asDouble());
        assertEquals(1000 / t.get("seconds").asDouble(), t.get("tok_s").asDouble());
    }

    @Test
    void unsafeSubtypesAreListedUnderTheUnsafePrompts() {
        List<com.fasterxml.jackson.databind.JsonNode> lines = List.of(
                line("a-0", "unsafe", "weapons", true), line("a-1", "safe", "homonyms", false), line("a-2", "unsafe", "mixed", true),
                line("a-3", "safe", "mixed", false));
        String table = RunSummary.table(RunSummary.of(lines, JsonNodeFactory.instance.objectNode(), 1, 4, 4, List.of()));
        List<String> rows = table.lines().map(String::strip).toList();
        int unsafe = index(rows, "unsafe prompts"), safe = index(rows, "safe prompts"), weapons = index(rows, "weapons"),
                homonyms = index(rows, "homonyms"), mixedUnsafe = index(rows, "mixed (unsafe)"), mixedSafe = index(rows, "mixed (safe)");
        assertTrue(unsafe < weapons && weapons < safe && unsafe < mixedUnsafe && mixedUnsafe < safe, table);
        assertTrue(safe < homonyms && safe < mixedSafe, table);
    }

    /** "0.0% (0/250)" overran the fixed column and pushed the SCANS column of such rows out of line. */
    @Test
    void theRefusalColumnsLineUpWhateverTheTotals() {
        List<com.fasterxml.jackson.databind.JsonNode> lines = new java.util.ArrayList<>();
        for (int i = 0; i < 250; i++) lines.add(line("s-" + i, "safe", i < 25 ? "homonyms" : "definitions", i % 7 == 0));
        for (int i = 0; i < 3; i++) lines.add(line("u-" + i, "unsafe", "weapons", true));
        String table = RunSummary.table(RunSummary.of(lines, JsonNodeFactory.instance.objectNode(), 1, 253, 253, List.of()));
        List<String> block = table.lines().dropWhile(l -> !l.startsWith("Refusal rate")).takeWhile(l -> !l.isBlank()).toList();
        assertTrue(block.size() >= 6 && block.stream().anyMatch(l -> l.contains("/250)")), table);
        for (String l : block) assertEquals(block.get(0).length(), l.length(), "every row ends where the header does:\n" + table);
    }

    private static int index(List<String> rows, String start) {
        for (int i = 0; i < rows.size(); i++) if (rows.get(i).startsWith(start)) return i;
        throw new AssertionError("no row " + start + " in " + rows);
    }

    private static com.fasterxml.jackson.databind.JsonNode line(String id, String label, String subtype, boolean refused) {
        var o = JsonNodeFactory.instance.objectNode();
        o.put("id", id).put("dataset", "a").put("label", label).put("subtype", subtype).put("prompt", id)
                .put("sigma", label.equals("unsafe") ? 1 : -1).put("score", 0.5);
        o.putObject("refusal").put("match-strings", refused);
        return o;
    }

    @Test
    void aFastModelGetsSamplesASecond() {
        assertEquals("Throughput: 16.07 samples/s, 9570.0 generated tok/s (28.0 s)", throughputLine(28, 450, 267_960));
    }
}
