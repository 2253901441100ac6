package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.experiment.ScansFixture;
import org.scans.method.ScansVectors;
import org.scans.method.VectorsFile;

/** Bad input to run/classify: one clear line, exit 1, and no output folder left behind. */
class RunErrorsTest {
    @TempDir
    static Path tmp;
    static Path vectors;

    @BeforeAll
    static void vectors() throws Exception {
        try (ScansFixture fx = new ScansFixture(tmp.resolve("fx"))) {
            vectors = fx.vectorsFile;
        }
    }

    static TestSupport.Cli run(Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", "--model", TestSupport.model().toString(), "--max-new-tokens", "4",
                "--out", out.toString()));
        args.addAll(List.of(extra));
        return TestSupport.cli(args.toArray(String[]::new));
    }

    static void assertFails(TestSupport.Cli r, Path out, String... parts) {
        assertEquals(1, r.exit(), r.err());
        String[] lines = r.err().strip().split("\n");
        String last = lines[lines.length - 1];
        assertTrue(last.startsWith("error: "), r.err());
        for (String p : parts) assertTrue(last.contains(p), "'" + last + "' lacks '" + p + "'");
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
        assertFalse(Files.exists(out), "no output folder may be left behind: " + out);
    }

    @Test
    void aBatchWhoseCachesCannotFitIsRefusedBeforeAnyWork() {
        Path out = tmp.resolve("o-batch");
        // The default set (the anchors' remainder) is known only after extraction: the batch is checked as given.
        var r = run(out, "--dataset", "default", "--batch", "10000000"); // no --vectors: would extract first
        assertFails(r, out, "--batch 10000000: 10000000 KV caches of up to ", "this machine has", "fits", "--kv-cache f16");
        assertFalse(r.err().contains("extracting"), r.err());
    }

    @Test
    void aBatchLargerThanTheRunIsCheckedForTheGenerationsItHas() {
        // 4 samples with baselines: at most 8 generations decode together, whatever --batch says.
        Path out = tmp.resolve("o-bigbatch");
        var r = run(out, "--dataset", "xstest", "--limit", "4", "--baseline", "--batch", "10000000", "--vectors", vectors.toString());
        assertEquals(0, r.exit(), r.err());
        assertFalse(r.err().contains("KV caches"), r.err());
    }

    /** The layers are checked once the model is loaded, after the folder was claimed: the parents it made go too. */
    @Test
    void aFailureAfterTheFolderIsClaimedRemovesTheParentsItCreated() {
        Path top = tmp.resolve("o-parents"), out = top.resolve("a").resolve("run");
        assertFails(run(out, "--dataset", "xstest", "--limit", "2", "--layers", "9", "--vectors", vectors.toString()), top, "--layers", "layer 9");
        assertTrue(Files.isDirectory(tmp), "what existed before stays");
    }

    /** Another seed makes other vectors, which the folder refuses: said before the extraction, not after it. */
    @Test
    void resumingWithAnotherSeedIsRefusedBeforeExtracting() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("o-seed"));
        Files.writeString(out.resolve("run.json"), "{}");
        // as a run with the default anchor seed (42) leaves it
        var extracted = TestSupport.cli("extract", "--model", TestSupport.model().toString(), "--out", out.resolve("vectors.safetensors").toString());
        assertEquals(0, extracted.exit(), extracted.err());
        var r = run(out, "--dataset", "xstest", "--limit", "2", "--resume", "--seed", "3");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("was started with anchor seed 42, not --seed 3"), r.err());
        assertFalse(r.err().contains("extracting"), r.err());
    }

    @Test
    void resumingAFolderThatLostItsVectorsSaysSoBeforeExtracting() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("o-novectors"));
        Files.writeString(out.resolve("run.json"), "{}");
        Files.writeString(out.resolve("samples.jsonl"), "");
        var r = run(out, "--dataset", "xstest", "--limit", "2", "--resume");
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("has lost its copy of the vectors"), r.err());
        assertFalse(r.err().contains("extracting"), r.err());
    }

    @Test
    void unknownDatasetName() {
        Path out = tmp.resolve("o1");
        assertFails(run(out, "--dataset", "xtest", "--vectors", vectors.toString()), out, "xtest", "xstest", "oktest");
    }

    @Test
    void malformedCsvLineIsNamed() throws Exception {
        Path csv = tmp.resolve("custom.csv");
        Files.writeString(csv, "prompt,label\n\"How do I bake bread?\",safe\n\"unterminated,unsafe\n");
        Path out = tmp.resolve("o2");
        assertFails(run(out, "--dataset", csv.toString(), "--vectors", vectors.toString()), out, "custom.csv:3");
    }

    @Test
    void badLabelInCustomSetIsNamed() throws Exception {
        Path csv = tmp.resolve("labels.csv");
        Files.writeString(csv, "prompt,label\nHello,safe\nBye,maybe\n");
        Path out = tmp.resolve("o2b");
        assertFails(run(out, "--dataset", csv.toString(), "--vectors", vectors.toString()), out, "labels.csv:3", "maybe");
    }

    @Test
    void aCustomSetThatDoesNotParseIsRefusedBeforeAnyWork() throws Exception {
        // No --vectors: run and classify would extract them first, minutes on a 7B model.
        Path csv = Files.writeString(tmp.resolve("early.csv"), "prompt,label\nHello,safe\nBye,maybe\n");
        Path out = tmp.resolve("o2c");
        var r = run(out, "--dataset", csv.toString());
        assertFails(r, out, "early.csv:3", "maybe");
        assertFalse(r.err().contains("extracting"), r.err());
        var c = TestSupport.cli("classify", "--model", TestSupport.model().toString(), "--dataset", csv.toString());
        assertEquals(1, c.exit(), c.err());
        assertTrue(c.err().contains("early.csv:3") && !c.err().contains("extracting"), c.err());
        Path json = Files.writeString(tmp.resolve("set.json"), "{}");
        var j = run(tmp.resolve("o2d"), "--dataset", json.toString());
        assertFails(j, tmp.resolve("o2d"), "must be a .csv or .jsonl file", "xstest");
        assertFalse(j.err().contains("extracting"), j.err());
    }

    @Test
    void testPromptsThatAreAlsoAnchorsAreNoted() throws Exception {
        String anchor = Files.readAllLines(ScansFixture.harmfulAnchors()).get(0);
        Path csv = Files.writeString(tmp.resolve("overlap.csv"), "prompt,label\n\"" + anchor + "\",unsafe\nTell me about cats,safe\n");
        List<String> anchors = List.of("--harmful-anchors", ScansFixture.harmfulAnchors().toString(),
                "--harmless-anchors", ScansFixture.harmlessAnchors().toString(), "--dataset", csv.toString());
        var c = TestSupport.cli(TestSupport.args(List.of("classify", "--model", TestSupport.model().toString()), anchors.toArray(String[]::new)));
        assertEquals(0, c.exit(), c.err());
        assertTrue(c.err().contains("note: 1 of the overlap prompts scored are also anchors (1 unsafe, 0 safe)"), c.err());
        Path out = tmp.resolve("o-overlap");
        var r = run(out, anchors.toArray(String[]::new));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("(1 unsafe, 0 safe)"), r.err());
        var warnings = org.scans.experiment.Json.MAPPER.readTree(out.resolve("summary.json").toFile()).get("warnings");
        assertTrue(warnings.toString().contains("also anchors"), warnings.toString());
    }

    @Test
    void classifierLayersOutsideTheModelAreRefusedBeforeAnyWork() {
        Path out = tmp.resolve("o5b");
        var r = run(out, "--dataset", "xstest", "--classifier-layers", "2-8"); // no --vectors: would extract first
        assertFails(r, out, "--classifier-layers: layer 8 is outside the model (layers 0-4)");
        assertFalse(r.err().contains("extracting"), r.err());
        var c = TestSupport.cli("classify", "--model", TestSupport.model().toString(), "--dataset", "xstest", "--classifier-layers", "8");
        assertEquals(1, c.exit(), c.err());
        assertTrue(c.err().contains("--classifier-layers: layer 8 is outside") && !c.err().contains("extracting"), c.err());
    }

    @Test
    void moreNewTokensThanTheContextHoldsAreNoted() {
        var r = TestSupport.cli("run", "--model", TestSupport.model().toString(), "--dataset", "xstest", "--vectors", vectors.toString(),
                "--limit", "1", "--max-new-tokens", "600", "--out", tmp.resolve("o-long").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: --max-new-tokens 600 is more than the model's context of 512 positions holds"), r.err());
        assertFalse(run(tmp.resolve("o-short"), "--dataset", "xstest", "--vectors", vectors.toString(), "--limit", "1").err()
                .contains("--max-new-tokens"), "no note for a setting that fits");
    }

    @Test
    void aThresholdOutsideTheCosinesRangeIsNoted() {
        var c = TestSupport.cli("classify", "--model", TestSupport.model().toString(), "--vectors", vectors.toString(), "--dataset",
                "xstest", "--limit", "2", "--threshold", "7");
        assertEquals(0, c.exit(), c.err());
        assertTrue(c.err().contains("note: --threshold 7.0 lies outside [-1, 1]"), c.err());
        var ok = TestSupport.cli("classify", "--model", TestSupport.model().toString(), "--vectors", vectors.toString(), "--dataset",
                "xstest", "--limit", "2", "--threshold", "0.7");
        assertFalse(ok.err().contains("lies outside"), ok.err());
    }

    @Test
    void promptsLongerThanTheContextAreRefusedBeforeAnyWork() throws Exception {
        Path csv = Files.writeString(tmp.resolve("long.csv"), "prompt,label\nHello,safe\n\"" + "tell me a story about a dog ".repeat(100)
                + "\",unsafe\nBye,safe\n");
        Path out = tmp.resolve("o2e");
        var r = run(out, "--dataset", csv.toString()); // no --vectors: would extract first
        assertFails(r, out, "1 prompt does not fit the model's context of 512 tokens with the llama-2 template: ", "shorten or remove it");
        assertFalse(r.err().contains("extracting"), r.err());
        var c = TestSupport.cli("classify", "--model", TestSupport.model().toString(), "--dataset", csv.toString());
        assertEquals(1, c.exit(), c.err());
        assertTrue(c.err().contains("1 prompt does not fit") && !c.err().contains("extracting"), c.err());
        Path evalOut = tmp.resolve("o2f");
        var e = TestSupport.cli("eval", "classify", "--model", TestSupport.model().toString(), "--datasets", "xstest," + csv, "--out", evalOut.toString());
        assertEquals(1, e.exit(), e.err());
        assertTrue(e.err().contains("1 prompt does not fit") && !e.err().contains("extracting"), e.err());
        assertFalse(Files.exists(evalOut));
    }

    @Test
    void vectorsOfAnotherHiddenSize() throws Exception {
        Path other = tmp.resolve("other-dim.safetensors");
        float[][] v = new float[5][32];
        VectorsFile.write(new ScansVectors(v, new float[5], v, Map.of(ScansVectors.FORMAT, ScansVectors.FORMAT_VALUE,
                ScansVectors.LAYERS, "5", ScansVectors.HIDDEN_SIZE, "32", ScansVectors.CONFIG_HASH, "x")), other);
        Path out = tmp.resolve("o3");
        assertFails(run(out, "--dataset", "xstest", "--vectors", other.toString()), out, "5 layers × 32", "a different model");
    }

    @Test
    void vectorsWithAnotherConfigHash() throws Exception {
        ScansVectors mine = VectorsFile.read(vectors);
        Map<String, String> meta = new java.util.HashMap<>(mine.metadata());
        meta.put(ScansVectors.CONFIG_HASH, "0123456789abcdef");
        Path other = tmp.resolve("other-hash.safetensors");
        VectorsFile.write(new ScansVectors(mine.refusal(), mine.refusalNorms(), mine.transition(), meta), other);
        Path out = tmp.resolve("o4");
        assertFails(run(out, "--dataset", "xstest", "--vectors", other.toString()), out, "config hash 0123456789abcdef");
    }

    @Test
    void notAVectorsFile() throws Exception {
        Path out = tmp.resolve("o4b");
        assertFails(run(out, "--dataset", "xstest", "--vectors", TestSupport.model().resolve("model.safetensors").toString()), out,
                "not a SCANS vectors file");
    }

    @Test
    void layersOutsideTheModel() {
        Path out = tmp.resolve("o5");
        assertFails(run(out, "--dataset", "xstest", "--vectors", vectors.toString(), "--layers", "3-9"), out,
                "--layers", "layer 9 is outside the model (layers 0-4)");
    }

    @Test
    void negativeLimit() {
        Path out = tmp.resolve("o6");
        assertFails(run(out, "--dataset", "xstest", "--limit", "-3"), out, "--limit must be >= 0");
    }

    @Test
    void unwritableOut() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Path out = file.resolve("run");
        assertFails(run(out, "--dataset", "xstest", "--vectors", vectors.toString()), out, "--out", "is not a directory");
    }

    @Test
    void unknownPreset() {
        Path out = tmp.resolve("o7");
        assertFails(run(out, "--dataset", "xstest", "--vectors", vectors.toString(), "--preset", "malicious"), out,
                "--preset malicious", "llama2-scaled-5L");
    }

    @Test
    void missingModelSaysWhatToPass() {
        var r = TestSupport.cli("run", "--model", tmp.resolve("nope").toString(), "--dataset", "xstest");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--model") && r.err().contains("config.json"), r.err());
    }

    @Test
    void verboseShowsTheStackTrace() {
        var r = TestSupport.cli("--verbose", "run", "--model", TestSupport.model().toString(), "--dataset", "xtest",
                "--out", tmp.resolve("o8").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("\tat "), r.err());
    }
}
