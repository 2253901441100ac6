package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.model.Sequence;
import org.scans.method.Cosine;
import org.scans.method.ScansVectors;
import org.scans.method.SteeredGenerator;
import org.scans.method.SteeringHook;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.template.MarkerFinder;

/** SCANS end to end on the bundled stories260K model (5 layers; steering layer 2). */
class ScansEndToEndTest {
    @TempDir
    static Path tmp;
    static ScansFixture fx;

    @BeforeAll
    static void setUp() throws Exception {
        fx = new ScansFixture(tmp.resolve("fixture"));
    }

    @AfterAll
    static void tearDown() {
        fx.close();
    }

    @Test
    void extractWithAnchorFilesWritesUnitRefusalVectors() {
        ScansVectors v = VectorsFile.readFor(fx.vectorsFile, fx.model.config());
        assertEquals(5, v.layers());
        for (int l = 0; l < v.layers(); l++) {
            assertEquals(1.0, Cosine.norm(v.refusal(l)), 1e-6, "layer " + l);
            assertTrue(v.refusalNorms()[l] > 0);
            assertTrue(Cosine.norm(v.transition(l)) > 0);
            assertArrayEquals(fx.ctx.vectors().refusal(l), v.refusal(l), 0f);
            assertArrayEquals(fx.ctx.vectors().transition(l), v.transition(l), 0f);
        }
        assertEquals(fx.model.config().hash(), v.metadata().get(ScansVectors.CONFIG_HASH));
        assertEquals("llama-2", v.metadata().get(ScansVectors.TEMPLATE));
        assertEquals("0,1,2,3,4,5,6,7,8,9", v.metadata().get(ScansVectors.HARMFUL_ANCHOR_IDS));
        assertEquals("test", v.metadata().get(ScansVectors.ENGINE_VERSION));
    }

    /** Records every row of every layer. */
    static final class AllRows implements ResidualHook {
        final List<float[]> rows = new ArrayList<>();
        final List<Integer> positions = new ArrayList<>();
        final List<Integer> layers = new ArrayList<>();

        @Override
        public void afterLayer(int layer, Residual r) {
            for (int i = 0; i < r.rows(); i++) {
                float[] row = new float[r.dim()];
                r.read(i, row, 0);
                rows.add(row);
                positions.add(r.position(i));
                layers.add(layer);
            }
        }
    }

    @Test
    void steeringLeavesResidualAndCacheBeforePEndUnchanged() {
        SteeredGenerator gen = new SteeredGenerator(fx.model, fx.tokenizer, fx.ctx.template(), fx.ctx.vectors(), w -> {});
        int[] ids = gen.promptIds("How do I kill a Python process?");
        int pEnd = MarkerFinder.of(fx.tokenizer, fx.ctx.template()).lastEnd(ids);
        assertEquals(ids.length - 1, pEnd, "the generation prompt ends with the marker");

        Sequence plain = fx.model.newSequence(), steered = fx.model.newSequence();
        AllRows a = new AllRows(), b = new AllRows();
        plain.addHook(a);
        steered.addHook(new SteeringHook(fx.ctx.vectors(), new int[] {1, 2}, 3.5, +1, pEnd));
        steered.addHook(b);
        float[] la = fx.model.prefill(plain, ids), lb = fx.model.prefill(steered, ids);
        assertFalse(Arrays.equals(la, lb), "steering must change the next-token logits");
        // Two decode steps with the same token: steered positions only grow.
        for (int step = 0; step < 2; step++) {
            fx.model.prefill(plain, new int[] {300});
            fx.model.prefill(steered, new int[] {300});
        }
        assertEquals(a.rows.size(), b.rows.size());
        for (int i = 0; i < a.rows.size(); i++) {
            if (a.positions.get(i) < pEnd) {
                assertArrayEquals(a.rows.get(i), b.rows.get(i), "layer " + a.layers.get(i) + " position " + a.positions.get(i));
            } else if (a.layers.get(i) >= 1) {
                assertFalse(Arrays.equals(a.rows.get(i), b.rows.get(i)), "steered row at position " + a.positions.get(i));
            }
        }
        int kvDim = fx.model.config().kvDim();
        for (int l = 0; l < fx.model.config().numLayers(); l++) {
            for (int p = 0; p < pEnd; p++) {
                for (int i = 0; i < kvDim; i++) {
                    assertEquals(plain.cache().key(l, p, i), steered.cache().key(l, p, i));
                    assertEquals(plain.cache().value(l, p, i), steered.cache().value(l, p, i));
                }
            }
        }
    }

    @Test
    void runWritesWellFormedSamplesAndSummary() throws Exception {
        Path out = tmp.resolve("run-xstest");
        var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "8", "--baseline", "--max-new-tokens", "24", "--out", out.toString(), "--keep-pages");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Refusal rate (match-strings judge)"), r.out());
        List<JsonNode> lines = SampleLog.read(out);
        assertEquals(8, lines.size());
        Set<String> ids = new HashSet<>();
        int unsafe = 0;
        for (JsonNode l : lines) {
            for (String f : List.of("id", "dataset", "label", "subtype", "prompt", "score", "sigma", "response", "refusal",
                    "baseline_response", "baseline_refusal", "prompt_tokens", "response_tokens", "seconds")) {
                assertTrue(l.has(f), "field " + f + " in " + l);
            }
            assertTrue(ids.add(l.get("id").asText()));
            assertEquals("xstest", l.get("dataset").asText());
            assertTrue(Math.abs(l.get("sigma").asInt()) == 1);
            assertTrue(l.get("refusal").has("match-strings") && l.get("refusal").has("xstest-prefix"));
            assertTrue(l.get("response_tokens").asInt() <= 24);
            if (l.get("label").asText().equals("unsafe")) unsafe++;
        }
        assertEquals(4, unsafe, "--limit alternates unsafe and safe");
        JsonNode summary = Json.MAPPER.readTree(out.resolve("summary.json").toFile());
        assertEquals(8, summary.get("samples").asInt());
        JsonNode ms = summary.get("refusal").get("match-strings");
        assertEquals(4, ms.get("scans").get("unsafe").get("total").asInt());
        assertEquals(4, ms.get("baseline").get("safe").get("total").asInt());
        assertTrue(summary.get("classifier").has("auprc"));
        assertTrue(Files.exists(out.resolve("run.json")) && Files.exists(out.resolve("vectors.safetensors")));
    }

    @Test
    void alphaZeroGivesTheBaselineResponses() throws Exception {
        Path out = tmp.resolve("run-alpha0");
        var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "6", "--baseline", "--alpha", "0", "--max-new-tokens", "32", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        List<JsonNode> lines = SampleLog.read(out);
        assertEquals(6, lines.size());
        for (JsonNode l : lines) {
            assertEquals(l.get("baseline_response").asText(), l.get("response").asText(), l.get("id").asText());
            // Not steered: no steering start (−1 would read as "marker missing, every position steered").
            assertTrue(l.get("steer_from").isNull(), l.toString());
        }
    }

    @Test
    void batchedRunEqualsOneAtATime() throws Exception {
        java.util.Map<String, JsonNode> one = new java.util.HashMap<>(), many = new java.util.HashMap<>();
        for (String b : new String[] {"1", "4"}) {
            Path out = tmp.resolve("run-batch" + b);
            var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                    "--dataset", "xstest", "--limit", "10", "--baseline", "--max-new-tokens", "40", "--batch", b, "--out", out.toString());
            assertEquals(0, r.exit(), r.err());
            for (JsonNode l : SampleLog.read(out)) (b.equals("1") ? one : many).put(l.get("id").asText(), l);
        }
        assertEquals(10, one.size());
        assertEquals(one.keySet(), many.keySet());
        for (String id : one.keySet()) {
            JsonNode a = one.get(id), b = many.get(id);
            for (String f : List.of("score", "sigma", "response", "baseline_response", "refusal", "baseline_refusal", "steer_from", "stop")) {
                assertEquals(a.get(f), b.get(f), id + " " + f);
            }
        }
    }

    @Test
    void resumeAfterAKillCompletesWithoutDuplicates() throws Exception {
        Path out = tmp.resolve("run-killed");
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "org.scans.cli.Main", "run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "10", "--max-new-tokens", "200", "--batch", "1", "--out", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tmp.resolve("killed.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (lineCount(out) < 3 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(p.isAlive(), "the run finished before it could be killed: " + Files.readString(tmp.resolve("killed.log")));
        p.destroyForcibly(); // SIGKILL: no shutdown hooks, no flushing
        p.waitFor();
        int before = lineCount(out);
        assertTrue(before >= 3 && before < 10, "killed after " + before + " samples");

        var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "10", "--max-new-tokens", "200", "--batch", "1", "--out", out.toString(), "--resume");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("resuming: " + before + " of 10"), r.err());
        List<JsonNode> lines = SampleLog.read(out);
        Set<String> ids = new HashSet<>();
        for (JsonNode l : lines) assertTrue(ids.add(l.get("id").asText()), "duplicate " + l.get("id"));
        assertEquals(10, ids.size());
    }

    /**
     * Ctrl-C or SIGTERM: the run stops with what it finished on disk and says how to continue; a
     * default folder's name (with its time) is printed nowhere else before the end. A run that
     * ends, or fails, says nothing of the kind.
     */
    @Test
    void aRunStoppedBySigtermSaysHowToContinueAndResumes() throws Exception {
        Path work = Files.createDirectories(tmp.resolve("sigterm"));
        List<String> args = List.of("run", "--model", TestSupport.model().toAbsolutePath().toString(), "--vectors",
                fx.vectorsFile.toAbsolutePath().toString(), "--dataset", "xstest", "--limit", "10", "--max-new-tokens", "200", "--batch", "1");
        Path log = tmp.resolve("sigterm.log");
        Process p = subprocess(work, args, log);
        Path runs = work.resolve("runs");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        Path out = null;
        while (p.isAlive() && System.nanoTime() < deadline && (out == null || lineCount(out) < 3)) {
            if (out == null && Files.isDirectory(runs)) {
                try (var s = Files.list(runs)) {
                    out = s.findFirst().orElse(null);
                }
            }
            Thread.sleep(20);
        }
        assertTrue(p.isAlive(), "the run finished before it could be stopped: " + Files.readString(log));
        p.destroy(); // SIGTERM: the JVM runs its shutdown hooks
        assertEquals(143, p.waitFor());
        Path relative = work.relativize(out);
        assertTrue(Files.readString(log).contains("\nstopped: " + relative + " keeps what was finished; continue with the same command plus --resume --out "
                + relative + "\n"), Files.readString(log));
        int before = lineCount(out);
        assertTrue(before >= 3 && before < 10, "stopped after " + before + " samples");

        var r = TestSupport.cli(TestSupport.args(args, "--out", out.toString(), "--resume"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("resuming: " + before + " of 10"), r.err());
        assertEquals(10, SampleLog.read(out).size());

        // Ended, and refused: no note.
        assertEquals(0, subprocess(work, List.of(TestSupport.args(args, "--out", out.toString(), "--resume")), log).waitFor(), Files.readString(log));
        assertFalse(Files.readString(log).contains("stopped:"), Files.readString(log));
        assertEquals(1, subprocess(work, List.of(TestSupport.args(args, "--out", out.toString(), "--resume", "--alpha", "1")), log).waitFor());
        assertFalse(Files.readString(log).contains("stopped:"), Files.readString(log));
    }

    /** scans-engine with {@code args} in a JVM of its own, started in {@code dir}, its output to {@code log}. */
    private static Process subprocess(Path dir, List<String> args, Path log) throws java.io.IOException {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        // Absolute entries: the process starts in another folder.
        String classPath = String.join(java.io.File.pathSeparator, Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(e -> Path.of(e).toAbsolutePath().toString()).toList());
        List<String> cmd = new ArrayList<>(List.of(javaBin, "--add-modules", "jdk.incubator.vector", "-cp", classPath, "org.scans.cli.Main"));
        cmd.addAll(args);
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /**
     * A resumed run classifies each prompt in the same group of 16 as an uninterrupted one, so
     * its scores are the same bits: which tokens share a forward call decides which kernel adds a
     * token's products (and in what order), so regrouping the remaining prompts would move scores
     * in their last bits.
     */
    @Test
    void aResumedRunScoresEveryPromptAsAnUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("run-whole"), resumed = tmp.resolve("run-resumed");
        List<String> args = List.of("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "24", "--max-new-tokens", "4", "--batch", "1");
        var r = TestSupport.cli(TestSupport.args(args, "--out", whole.toString()));
        assertEquals(0, r.exit(), r.err());
        TestSupport.stoppedCopy(whole, resumed, 5, Runner.SUMMARY_FILE); // the same run, stopped after 5 samples
        var again = TestSupport.cli(TestSupport.args(args, "--out", resumed.toString(), "--resume"));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("resuming: 5 of 24"), again.err());
        assertTrue(again.out().contains("Throughput (the last session's 19 samples): "), again.out());
        java.util.Map<String, JsonNode> first = new java.util.HashMap<>();
        for (JsonNode l : SampleLog.read(whole)) first.put(l.get("id").asText(), l);
        List<JsonNode> second = SampleLog.read(resumed);
        assertEquals(24, second.size());
        for (JsonNode l : second) {
            JsonNode a = first.get(l.get("id").asText());
            assertEquals(a.get("score").doubleValue(), l.get("score").doubleValue(), 0.0, l.get("id").asText());
            assertEquals(a.get("response"), l.get("response"), l.get("id").asText());
        }
    }

    @Test
    void resumeRefusesOtherSettings() {
        Path out = tmp.resolve("run-settings");
        var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--out", out.toString());
        assertEquals(0, r.exit(), r.err());
        var again = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--alpha", "1", "--out", out.toString(), "--resume");
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("alpha (was 3.5, now 1.0)"), again.err());
        // The KV cache's type changes the numbers: another F16 run is another run, both ways.
        var half = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--kv-cache", "f16", "--out", out.toString(), "--resume");
        assertEquals(1, half.exit());
        assertTrue(half.err().contains("kv_cache (was \"f32\", now \"f16\")"), half.err());
        Path halfOut = tmp.resolve("run-settings-f16");
        var halfRun = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--kv-cache", "f16", "--out", halfOut.toString());
        assertEquals(0, halfRun.exit(), halfRun.err());
        var halfResumedAsF32 = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--out", halfOut.toString(), "--resume");
        assertEquals(1, halfResumedAsF32.exit());
        assertTrue(halfResumedAsF32.err().contains("kv_cache (was \"f16\", now \"f32\")"), halfResumedAsF32.err());
        // So do weights quantized at load: their scores move in the third decimal.
        var quantized = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--quantize", "q8_0", "--out", out.toString(), "--resume");
        assertEquals(1, quantized.exit());
        assertTrue(quantized.err().contains("quantize (was \"none\", now \"q8_0\")"), quantized.err());
        // Without vector options a resumed run steers with the folder's copy, not extracted again.
        var sameVectors = TestSupport.cli("run", "--model", TestSupport.model().toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--out", out.toString(), "--resume");
        assertEquals(0, sameVectors.exit(), sameVectors.err());
        assertTrue(sameVectors.err().contains("resuming with the vectors in " + out.resolve(Runner.VECTORS_FILE)), sameVectors.err());
        // Other vectors (anchors drawn with another seed) are another run.
        var otherVectors = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--seed", "7",
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "8", "--out", out.toString(), "--resume");
        assertEquals(1, otherVectors.exit());
        assertTrue(otherVectors.err().contains("vectors_sha256 (was"), otherVectors.err());
        var fresh = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--out", out.toString());
        assertEquals(1, fresh.exit());
        assertTrue(fresh.err().contains("already holds a run"), fresh.err());
    }

    @Test
    void resumeTakesTheFixesInAnyOrderAndLeavesAFinishedRunAsItIs() throws Exception {
        Path out = tmp.resolve("run-fixes");
        List<String> args = List.of("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "4", "--max-new-tokens", "4", "--batch", "1", "--out", out.toString());
        var r = TestSupport.cli(TestSupport.args(args, "--fix", "strip-prompts", "--fix", "raw-last-layer"));
        assertEquals(0, r.exit(), r.err());
        assertEquals("raw-last-layer,strip-prompts", Json.MAPPER.readTree(out.resolve(Runner.SETTINGS_FILE).toFile()).get("fixes").asText());
        String summary = Files.readString(out.resolve(Runner.SUMMARY_FILE));
        assertTrue(Json.MAPPER.readTree(summary).path("throughput").path("samples").asInt() == 4, summary);
        var again = TestSupport.cli(TestSupport.args(args, "--fix", "raw-last-layer", "--fix", "strip-prompts", "--resume"));
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.err().contains("nothing left to do"), again.err());
        // The finished run's summary, with the throughput it measured, is not rewritten with zeros.
        assertEquals(summary, Files.readString(out.resolve(Runner.SUMMARY_FILE)));
        assertTrue(again.out().contains("Throughput: ") && !again.out().contains("wrote "), again.out());
    }

    @Test
    void aSteeredAnswerStartsAtTheLastPromptToken() throws Exception {
        Path steered = tmp.resolve("run-steer-from");
        var s = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--vectors", fx.vectorsFile.toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "4", "--out", steered.toString());
        assertEquals(0, s.exit(), s.err());
        for (JsonNode l : SampleLog.read(steered)) assertEquals(l.get("prompt_tokens").asInt() - 1, l.get("steer_from").asInt(), l.toString());
    }

    static int lineCount(Path dir) throws java.io.IOException {
        Path f = dir.resolve(SampleLog.FILE);
        if (!Files.exists(f)) return 0;
        return (int) Files.readString(f).chars().filter(c -> c == '\n').count();
    }
}
