package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.scans.TestSupport;

/**
 * The bench command's interface on the bundled model: the JSON keys and their types, and the
 * table's lines. Only the shape is checked, never a speed: timings on a shared machine are noise.
 */
class BenchCommandTest {
    static final String MODEL = TestSupport.model().toString();

    @Test
    void jsonHasTheAgreedKeys() throws Exception {
        var r = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "16", "--gen", "4", "--reps", "1",
                "--batch", "3", "--threads", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        List<String> keys = List.of("pp_tok_s", "tg_tok_s", "tg_batch_tok_s", "threads", "model");
        for (String k : keys) assertTrue(o.has(k), "missing " + k + " in " + r.out());
        for (String k : List.of("pp_tok_s", "tg_tok_s", "tg_batch_tok_s")) {
            assertTrue(o.get(k).isNumber() && o.get(k).asDouble() > 0, k + " = " + o.get(k));
        }
        assertEquals(2, o.get("threads").asInt());
        assertTrue(o.get("model").asText().endsWith("stories260K"), o.get("model").asText());
        assertTrue(r.err().contains("pp16 run 1/1"), r.err());
        assertTrue(r.err().matches("(?s).*\\bread run 1/1: [0-9.]+ GB/s\\n.*"), "the read's progress line is a bandwidth: " + r.err());
        assertTrue(r.err().matches("(?s).*\\btg4x3 run 1/1: [0-9.]+ tok/s\\n.*"), r.err());
        // the model's files are mapped, so on Linux some of them are resident after the runs
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/smaps"))) {
            assertTrue(o.get("mapped_resident_bytes").asLong() > 0, r.out());
            assertTrue(o.get("mapped_huge_page_bytes").asLong() <= o.get("mapped_resident_bytes").asLong(), r.out());
        }
        assertTrue(o.get("quantized_resident_bytes").isNull(), "no quantized copy: " + r.out());
    }

    /** With --quantize the quantized copy's memory is reported too (anonymous memory, found by address). */
    @Test
    void quantizedCopyPagesAreReported() throws Exception {
        var r = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "2", "--reps", "1",
                "--quantize", "q8_0", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/smaps"))) {
            long resident = o.get("quantized_resident_bytes").asLong();
            assertTrue(resident > 0, r.out());
            assertTrue(o.get("quantized_huge_page_bytes").asLong() <= resident, r.out());
        }
        var table = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "2", "--reps", "1", "--quantize", "q8_0");
        assertEquals(0, table.exit(), table.err());
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/smaps"))) {
            assertTrue(table.out().contains("of the Q8_0 copy in 2 MiB pages"), table.out());
        }
    }

    @Test
    void withoutBatchTheBatchedRateIsNull() throws Exception {
        var r = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "2", "--reps", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertTrue(o.get("tg_batch_tok_s").isNull(), r.out());
        assertTrue(o.get("pp_tok_s").isNull(), r.out());
        assertTrue(o.get("tg_tok_s").asDouble() > 0, r.out());
    }

    @Test
    void tablePrintsEachPhase() {
        var r = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "8", "--gen", "2", "--reps", "2", "--batch", "2");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("pp8 "), r.out());
        assertTrue(r.out().contains("GFLOP/s"), r.out());
        assertTrue(r.out().contains("tg2 "), r.out());
        assertTrue(r.out().contains("GB/s"), r.out());
        assertTrue(r.out().contains("tg2x2 "), r.out());
        // A 1 MB model decodes from cache: no ratio to the read (it came out at thousands of percent).
        assertTrue(r.out().contains("a model this small is read from the CPU's caches: no ratio") && !r.out().contains("% of it"), r.out());
        if (java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/self/smaps"))) {
            assertTrue(r.out().contains("MB of the mapped model files in 2 MiB pages"), r.out()); // 1 MB model: MB
        }
    }

    @Test
    void theKvCacheTypeIsReportedAndABadOneRefused() throws Exception {
        var r = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "2", "--reps", "1", "--batch", "2",
                "--kv-cache", "f16", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("f16", o.get("kv_cache").asText(), r.out());
        assertTrue(o.get("tg_batch_tok_s").asDouble() > 0, r.out());
        var table = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "2", "--reps", "1", "--kv-cache", "f16");
        assertTrue(table.out().contains(", F16 KV caches"), table.out());
        var bad = TestSupport.cli("bench", "--model", MODEL, "--kv-cache", "bf16");
        assertEquals(2, bad.exit(), bad.err());
        assertTrue(bad.err().contains("--kv-cache") && bad.err().contains("f16"), bad.err());
    }

    @Test
    void badValuesAreOneLineErrors() {
        var r = TestSupport.cli("bench", "--model", MODEL, "--reps", "0");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: --reps must be >= 1"), r.err());
        var big = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "100000");
        assertEquals(1, big.exit());
        assertTrue(big.err().contains("context"), big.err());
    }
    /** A toy model's figures printed as 0.0 in the table while --json had them. */
    @Test
    void smallFiguresKeepThreeSignificantDigits() {
        org.junit.jupiter.api.Assertions.assertEquals("0.0368", BenchCommand.figure(0.036812, 1));
        org.junit.jupiter.api.Assertions.assertEquals("0.00104", BenchCommand.figure(0.001040128, 2));
        org.junit.jupiter.api.Assertions.assertEquals("237.9", BenchCommand.figure(237.94, 1));
        org.junit.jupiter.api.Assertions.assertEquals("2.07", BenchCommand.figure(2.0712, 2));
        org.junit.jupiter.api.Assertions.assertEquals("0.0", BenchCommand.figure(0, 1));
    }

    /**
     * A kernel choice set wrong on the java command line is refused in one line naming the
     * property, with the usage exit code, not a stack trace. In a JVM of its own: the property is
     * read once, when its class is first loaded.
     */
    @ParameterizedTest
    @ValueSource(strings = {"scans.bytePermute", "scans.f16Quads", "scans.q8Quads", "scans.q8Shifts", "scans.q8Pairs", "scans.f16Widened"})
    void badKernelPropertyIsOneLine(String property) throws Exception {
        // On every machine: bytePermute and the quads choices only apply with 16 float lanes (q8Shifts
        // with 8), and
        // the test model's weights are F32, which neither F16Kernels nor Q8Kernels serves (round
        // 39 found an AVX2 machine where -Dscans.bytePermute=maybe went unread and the bench ran).
        assertEquals(List.of("error: " + property + " must be true or false, not maybe"), benchWith(property, "maybe"));
    }

    /** The Q8_0 kernels' touch distance: a whole number of 4 KiB pages, at most 1 MiB, or refused in one line. */
    @ParameterizedTest
    @ValueSource(strings = {"maybe", "100", "-4096", "2097152", "16k"})
    void badTouchDistanceIsOneLine(String value) throws Exception {
        assertEquals(List.of("error: scans.q8TouchAhead must be a multiple of 4096 from 0 to 1048576, not " + value),
                benchWith("scans.q8TouchAhead", value));
    }

    /**
     * The page touch of the Q8_0 decode kernels changes no logit by a bit, at the least distance,
     * at the greatest (past the end of every matrix of the test model: the touch is clamped to the
     * last byte) and off. One token's logits, so that the forward takes Q8Kernels.matvec; each
     * setting in a JVM of its own, as the property is read once.
     */
    @Test
    void q8TouchAheadLeavesLogitsAlone(@TempDir Path dir) throws Exception {
        byte[] off = q8Logits(dir, "0");
        assertEquals(4 * 512, off.length, "one position of the test model's 512 logits");
        assertArrayEquals(off, q8Logits(dir, "4096"));
        assertArrayEquals(off, q8Logits(dir, "1048576"));
    }

    private static byte[] q8Logits(Path dir, String touchAhead) throws Exception {
        Path out = dir.resolve("logits-" + touchAhead + ".f32");
        Cli run = cli("scans.q8TouchAhead", touchAhead, "score", "--model", MODEL, "--quantize", "q8_0", "--ids", "1", "--logits-out", out.toString());
        assertEquals(0, run.exit(), run.err());
        return Files.readAllBytes(out);
    }

    /** The stderr lines of a bench of the test model with {@code -Dproperty=value}, after asserting the usage exit code. */
    private static List<String> benchWith(String property, String value) throws Exception {
        Cli run = cli(property, value, "bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "1", "--reps", "1");
        assertEquals(Errors.USAGE_ERROR, run.exit(), run.err());
        return run.err().lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
    }

    /** A finished CLI run: its exit code and its stderr. */
    private record Cli(int exit, String err) {}

    /**
     * The CLI in a JVM of its own with {@code -Dproperty=value} (kernel properties are read once,
     * when their class loads), on this test's class path; stdout discarded.
     */
    private static Cli cli(String property, String value, String... args) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        var cmd = new java.util.ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector", "-D" + property + "=" + value,
                "-cp", System.getProperty("java.class.path"), "org.scans.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return new Cli(p.waitFor(), err);
    }
}
