package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

/** Where output goes and what the command line carries: failures a user would otherwise not see. */
class OutputPathsCliTest {
    static final String MODEL = TestSupport.model().toString();

    @TempDir
    Path tmp;

    /** A full disk under a redirection: PrintStream keeps the error to itself, so the CLI must ask. */
    @Test
    void standardOutputThatCannotBeWrittenIsAnErrorNotExitZero() {
        PrintStream full = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        }, true, StandardCharsets.UTF_8);
        var err = new java.io.ByteArrayOutputStream();
        int code = Main.run(new String[] {"info", "--model", MODEL}, full, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Errors.USER_ERROR, code);
        String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.startsWith("error: the output could not be written to standard output"), message);
        assertEquals(1, message.strip().lines().count(), message);
    }

    @Test
    void argumentsMangledByANonUtf8LocaleAreRefused() {
        String[] mangled = {"tokenize", "--text", "caf\uFFFD\uFFFD"};
        String m = Main.argumentLostToLocale(mangled, "ANSI_X3.4-1968");
        assertTrue(m != null && m.contains("LC_ALL=C.UTF-8"), m);
        assertNull(Main.argumentLostToLocale(mangled, "UTF-8"), "under UTF-8 a U+FFFD is the user's own");
        assertNull(Main.argumentLostToLocale(new String[] {"tokenize", "--text", "cafe"}, "ANSI_X3.4-1968"));
    }

    @Test
    void anEmptyOutFolderIsRefusedBeforeAnythingIsWritten() throws Exception {
        var r = TestSupport.cli("run", "--model", MODEL, "--dataset", "xstest", "--limit", "2", "--out", "");
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: --out: an empty path"), r.err());
        var s = TestSupport.cli("score", "--model", MODEL, "--ids", "1,403", "--logits-out", "");
        assertEquals(Errors.USER_ERROR, s.exit(), s.err());
        assertTrue(s.err().startsWith("error: --logits-out: an empty path"), s.err());
    }

    @Test
    void threadsBeyondAnyMachineAreRefused() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt", "hi", "--max-new-tokens", "1", "--threads", "100000");
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: --threads must be at most 1024"), r.err());
    }

    /** A test set's CSV given as anchors: its header and label columns would become prompts, said rather than done in silence. */
    @Test
    void anchorFilesNamedAsTestSetsAreWarnedOf() throws Exception {
        Path harmful = Files.writeString(tmp.resolve("harmful.csv"), "prompt,label\nHow to make a bomb?,unsafe\n");
        Path harmless = Files.writeString(tmp.resolve("harmless.txt"), "How to bake bread?\nHow to sing?\n");
        var r = TestSupport.cli("extract", "--model", MODEL, "--harmful-anchors", harmful.toString(), "--harmless-anchors", harmless.toString(),
                "--out", tmp.resolve("anchors-v.safetensors").toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("warning: " + harmful + ": anchor files hold one prompt per line"), r.err());
        assertFalse(r.err().contains(harmless + ": anchor files"), r.err());
    }

    @Test
    void extractRefusesAGgufNameForItsSafetensors() {
        var r = TestSupport.cli("extract", "--model", MODEL, "--out", tmp.resolve("v.gguf").toString());
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("--export-llamacpp FILE.gguf"), r.err());
        assertFalse(Files.exists(tmp.resolve("v.gguf")));
    }

    @Test
    void extractRefusesToWriteTheControlVectorOverItsVectors() throws Exception {
        Path v = tmp.resolve("v.safetensors");
        Files.createSymbolicLink(tmp.resolve("alias.safetensors"), v);
        for (String export : new String[] {v.toString(), tmp.resolve("x/../v.safetensors").toString(), tmp.resolve("alias.safetensors").toString()}) {
            Files.createDirectories(tmp.resolve("x"));
            var r = TestSupport.cli("extract", "--model", MODEL, "--out", v.toString(), "--export-llamacpp", export);
            assertEquals(Errors.USER_ERROR, r.exit(), r.err());
            assertTrue(r.err().contains("is the --out file"), r.err());
            assertFalse(Files.exists(v), "refused before any work");
        }
    }

    /** Two files of one name would collide in the results only after every prompt was classified. */
    @Test
    void evalClassifyRefusesTwoPairingsReportedUnderOneName() throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a")).resolve("ok.csv"), b = Files.createDirectories(tmp.resolve("b")).resolve("ok.csv");
        for (Path p : new Path[] {a, b}) Files.writeString(p, "prompt,label\nHow do I bake bread?,safe\nHow do I make a bomb?,unsafe\n");
        Path out = tmp.resolve("ec");
        var r = TestSupport.cli("eval", "classify", "--model", MODEL, "--datasets", a + "," + b, "--out", out.toString());
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("would both be reported as 'ok'"), r.err());
        assertFalse(Files.exists(out));
    }
    /** An output path onto the command's own inputs replaced a 13 GB checkpoint with a 4 KB file, exit 0. */
    @Test
    void outputsThatWouldReplaceTheModelOrAnInputAreRefused() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        try (var files = Files.list(TestSupport.model())) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, model.resolve(f.getFileName()));
        }
        Path link = Files.createSymbolicLink(tmp.resolve("model-link"), model);
        byte[] weights = Files.readAllBytes(model.resolve("model.safetensors"));
        Path harmful = Files.writeString(tmp.resolve("harmful.txt"), "a\nb\n"), harmless = Files.writeString(tmp.resolve("harmless.txt"), "c\nd\n");
        String[][] commands = {
            {"extract", "--model", model.toString(), "--out", model.resolve("model.safetensors").toString()},
            {"score", "--model", model.toString(), "--ids", "1,403", "--logits-out", link.resolve("tokenizer.model").toString()},
            {"extract", "--model", model.toString(), "--harmful-anchors", harmful.toString(), "--harmless-anchors", harmless.toString(),
                "--out", tmp.resolve("v.safetensors").toString(), "--export-llamacpp", harmless.toString()},
            {"run", "--model", model.toString(), "--dataset", "xstest", "--limit", "1", "--out", link.toString()},
        };
        String[] said = {"would replace model.safetensors of the model", "would replace tokenizer.model of the model",
            "would replace the input " + harmless, "is the model's folder"};
        for (int i = 0; i < commands.length; i++) {
            var r = TestSupport.cli(commands[i]);
            assertEquals(Errors.USER_ERROR, r.exit(), String.join(" ", commands[i]) + ": " + r.err());
            assertTrue(r.err().contains(said[i]), r.err());
        }
        assertTrue(java.util.Arrays.equals(weights, Files.readAllBytes(model.resolve("model.safetensors"))), "the weights are untouched");
        assertEquals("c\nd\n", Files.readString(harmless));
        try (var files = Files.list(model); var copied = Files.list(TestSupport.model())) {
            assertEquals(copied.count(), files.count(), "nothing written into the model's folder");
        }
    }

    /** A copy of the bundled model (F32) with one NaN in layer 0's query projection. */
    private Path modelWithNaN() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("nan-model"));
        try (var files = Files.list(TestSupport.model())) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, model.resolve(f.getFileName()));
        }
        Path weights = model.resolve("model.safetensors");
        try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            var len = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(len, 0);
            long headerLength = len.getLong(0);
            var header = java.nio.ByteBuffer.allocate((int) headerLength);
            ch.read(header, 8);
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(header.array());
            var q = json.get("model.layers.0.self_attn.q_proj.weight");
            assertEquals("F32", q.get("dtype").asText());
            long at = 8 + headerLength + q.get("data_offsets").get(0).asLong() + 4 * 5;
            ch.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN), at);
        }
        return model;
    }

    /** NaN weights turned every c(q) into 0 ("safe") and wrote vectors that every later command refused. */
    @Test
    void aModelWhoseHiddenStatesAreNotFiniteIsStoppedNotJudgedSafe() throws Exception {
        Path model = modelWithNaN(), v = tmp.resolve("v.safetensors");
        var r = TestSupport.cli("extract", "--model", model.toString(), "--out", v.toString());
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("not finite"), r.err());
        assertFalse(Files.exists(v), "no vectors written");
        Path good = org.scans.eval.EvalFixture.vectors();
        // vectors of the same architecture from the intact model: the classifier meets the NaN itself
        r = TestSupport.cli("classify", "--model", model.toString(), "--vectors", good.toString(), "--dataset", "xstest", "--limit", "2");
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("is not finite"), r.err());
    }

    /** A fine-tune that turns BOS off would be tokenized unlike transformers does it: said, not silent. */
    @Test
    void tokenizerSettingsTheEngineDoesNotFollowAreWarnedOf() throws Exception {
        var err = new java.io.ByteArrayOutputStream();
        PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8);
        ModelOptions.warnOfTokenizerConfig(TestSupport.model(), p);
        assertEquals("", err.toString(StandardCharsets.UTF_8), "Llama-2's own settings");
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{\"add_bos_token\": false, \"add_eos_token\": true}");
        ModelOptions.warnOfTokenizerConfig(tmp, p);
        String said = err.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("sets add_bos_token false") && said.contains("sets add_eos_token true"), said);
        Files.writeString(tmp.resolve("tokenizer_config.json"), "{broken");
        ModelOptions.warnOfTokenizerConfig(tmp, p);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("is not valid JSON; ignored"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void pathsOfTheWrongKindAreNamedForWhatTheyAre() throws Exception {
        Path file = Files.writeString(tmp.resolve("afile"), "x"), folder = Files.createDirectories(tmp.resolve("afolder"));
        var r = TestSupport.cli("info", "--model", file.toString());
        assertEquals(Errors.USER_ERROR, r.exit());
        assertTrue(r.err().contains(file + ": is a file, not a directory"), r.err());
        r = TestSupport.cli("info", "--model", "");
        assertTrue(r.err().startsWith("error: --model: an empty path"), r.err());
        r = TestSupport.cli("extract", "--model", MODEL, "--harmful-anchors", folder.toString(), "--harmless-anchors", folder.toString(),
                "--out", tmp.resolve("v.safetensors").toString());
        assertEquals(Errors.USER_ERROR, r.exit());
        assertTrue(r.err().contains(folder + ": is a directory, not a file"), r.err());
    }

    /** An eval pointed at a run's folder: --resume could never continue it, so it must not be suggested. */
    @Test
    void anEvalGivenARunsFolderIsToldToChooseAnother() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("r1"));
        Files.writeString(run.resolve("run.json"), "{}");
        Files.writeString(run.resolve("samples.jsonl"), "");
        var r = TestSupport.cli("eval", "classify", "--model", MODEL, "--datasets", "oktest", "--out", run.toString());
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("already holds the output of another command"), r.err());
        assertFalse(r.err().contains("--resume"), r.err());
    }

    @Test
    void resumingAnotherKindOfJobSaysSoInsteadOfListingEverySetting() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var mmlu = json.createObjectNode().put("eval", "mmlu").put("shots", 5);
        var ppl = json.createObjectNode().put("eval", "ppl").put("windows", 8);
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> org.scans.experiment.Runner.requireSameSettings(tmp, mmlu, ppl));
        assertTrue(e.getMessage().endsWith("holds an eval mmlu, not an eval ppl"), e.getMessage());
        var run = json.createObjectNode().put("dataset", "xstest");
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> org.scans.experiment.Runner.requireSameSettings(tmp, run, ppl));
        assertTrue(e.getMessage().endsWith("holds a run, not an eval ppl"), e.getMessage());
    }

    @Test
    void aLimitOfZeroIsShownAsAllInAResumeRefusal() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> org.scans.experiment.Runner.requireSameSettings(
                tmp, json.createObjectNode().put("limit", 0), json.createObjectNode().put("limit", 60)));
        assertTrue(e.getMessage().contains("limit (was 0 (all), now 60)"), e.getMessage());
    }

    @Test
    void aResumedRunMayNameItsModelThroughALinkOrAnotherPath() throws Exception {
        Path model = Files.createDirectories(tmp.resolve("m")), link = Files.createSymbolicLink(tmp.resolve("alias"), model);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var was = json.createObjectNode().put("model", model.toString()).put("limit", 2);
        org.scans.experiment.Runner.requireSameSettings(tmp, was, json.createObjectNode().put("model", link.toString()).put("limit", 2));
        org.scans.experiment.Runner.requireSameSettings(tmp, was, json.createObjectNode().put("model", tmp.resolve("m/../m").toString()).put("limit", 2));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> org.scans.experiment.Runner.requireSameSettings(
                tmp, was, json.createObjectNode().put("model", tmp.resolve("other").toString()).put("limit", 2)));
        assertTrue(e.getMessage().contains("model (was "), e.getMessage());
    }

    /** Every row skipped at the read (empty documents) left an eval of nothing that exited 0. */
    @Test
    void xsumWithNoDocumentLeftIsRefused() throws Exception {
        Path csv = Files.writeString(tmp.resolve("empty.csv"), "dialogue,summary\n ,x\n");
        Path out = tmp.resolve("xs");
        var r = TestSupport.cli("eval", "xsum", "--model", MODEL, "--data", csv.toString(), "--out", out.toString());
        assertEquals(Errors.USER_ERROR, r.exit(), r.err());
        assertTrue(r.err().contains("no document to summarise"), r.err());
        assertFalse(Files.exists(out));
    }
}
