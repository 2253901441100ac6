package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

/** The front door: help, version, and the engine commands' exact interfaces. */
class CliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = TestSupport.model().toString();

    @TempDir
    Path tmp;

    @Test
    void helpListsEveryCommand() {
        var r = TestSupport.cli("--help");
        assertEquals(0, r.exit());
        for (String c : new String[] {"info", "tokenize", "generate", "score", "extract", "classify", "run"}) {
            assertTrue(r.out().contains("  " + c + " "), "help lists " + c + ":\n" + r.out());
        }
    }

    @Test
    void everyCommandHasHelp() {
        for (String[] c : new String[][] {{"info"}, {"tokenize"}, {"generate"}, {"score"}, {"extract"}, {"classify"}, {"run"},
                {"bench"}, {"eval"}, {"eval", "mmlu"}, {"eval", "ppl"}, {"eval", "xsum"}, {"eval", "classify"}, {"report"}, {"chat"}}) {
            String[] args = java.util.Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--help";
            var r = TestSupport.cli(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("Usage: scans-engine " + String.join(" ", c)), r.out());
        }
    }

    @Test
    void samplingOptionsOfAGreedyRunAreNotedAndAFloatBeyondRangeIsNamedAsTyped() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--max-new-tokens", "1", "--seed", "7", "--top-p", "0.9");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("note: --seed, --top-p take effect only when sampling"), r.err());
        r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--max-new-tokens", "1", "--temperature", "0.5", "--seed", "7");
        assertFalse(r.err().contains("take effect only"), r.err());
        r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--repetition-penalty", "1e308");
        assertEquals(1, r.exit());
        assertTrue(r.err().startsWith("error: --repetition-penalty 1e308: beyond the largest float"), r.err());
    }

    /** generate scored --sign auto with another template's vectors without a word, where every other command says so. */
    @Test
    void steeringWithVectorsOfAnotherTemplateIsNoted() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--steer", org.scans.eval.EvalFixture.vectors().toString(), "--family", "vicuna",
                "--prompt", "USER: Tell me a story \nASSISTANT:", "--max-new-tokens", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("was extracted with the llama-2 template; this session uses vicuna"), r.err());
    }

    /** --family chose the templates for --steer alone: without it, even a family that does not exist ran without a word. */
    @Test
    void familyWithoutSteeringIsRefused() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--max-new-tokens", "1", "--family", "vicuna");
        assertEquals(1, r.exit());
        assertEquals("error: --alpha, --layers, --sign and --family need --steer FILE", r.err().strip());
        assertEquals("", r.out());
    }

    /** No command is a usage error, as eval without its subcommand is: a script that lost its command fails. */
    @Test
    void noCommandIsAUsageError() {
        var r = TestSupport.cli();
        assertEquals(2, r.exit());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("Usage: scans-engine"), r.err());
        assertTrue(r.err().contains("  run "), r.err());
    }

    @Test
    void versionPrintsTheVersion() {
        var r = TestSupport.cli("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("scans-engine "), r.out());
    }

    /** Every help lists -V, --version; eval and its subcommands printed nothing for it. */
    @Test
    void everyCommandPrintsTheVersion() {
        for (String[] c : new String[][] {{"run"}, {"eval"}, {"eval", "mmlu"}, {"eval", "ppl"}, {"eval", "xsum"}, {"eval", "classify"}}) {
            String[] args = java.util.Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--version";
            var r = TestSupport.cli(args);
            assertEquals(0, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.out().startsWith("scans-engine "), String.join(" ", args) + ": '" + r.out() + "'");
        }
    }

    @Test
    void unknownOptionIsAUsageError() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--bogus");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: Unknown option: '--bogus'"), r.err());
        // One line, as every error, naming where the options are.
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("(see 'scans-engine generate --help')"), r.err());
        var bad = TestSupport.cli("run", "--limit", "abc");
        assertEquals(2, bad.exit());
        assertEquals(1, bad.err().lines().count(), bad.err());
    }

    @Test
    void badValuesThatOnceSlippedThroughAreRefused() throws Exception {
        var nan = TestSupport.cli("generate", "--model", MODEL, "--prompt", "[INST] hi [/INST]", "--steer", org.scans.eval.EvalFixture.vectors().toString(),
                "--alpha", "NaN", "--max-new-tokens", "2");
        assertEquals(1, nan.exit());
        assertTrue(nan.err().contains("--alpha must be a number"), nan.err());
        var empty = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1,,403", "--max-new-tokens", "2");
        assertEquals(1, empty.exit());
        assertTrue(empty.err().contains("--prompt-ids: an empty item in '1,,403'"), empty.err());
        var trailing = TestSupport.cli("score", "--model", MODEL, "--ids", "1,403,");
        assertEquals(1, trailing.exit(), trailing.err());
        var dir = TestSupport.cli("score", "--model", MODEL, "--ids", "1,403", "--logits-out", System.getProperty("java.io.tmpdir"));
        assertEquals(1, dir.exit());
        assertTrue(dir.err().contains(": is a directory"), dir.err());
        // picocli's own "Error: " is not doubled after ours.
        var both = TestSupport.cli("tokenize", "--model", MODEL, "--text", "hi", "--jsonl");
        assertEquals(2, both.exit());
        assertTrue(both.err().startsWith("error: ") && !both.err().contains("Error:"), both.err());
        var nothing = TestSupport.cli("bench", "--model", MODEL, "--prompt-tokens", "0", "--gen", "0");
        assertEquals(1, nothing.exit());
        assertTrue(nothing.err().contains("nothing to measure"), nothing.err());
    }

    @Test
    void generateStoppedByTheContextGivesItsOutputAndExitsCleanly() throws Exception {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-new-tokens", "600", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = new ObjectMapper().readTree(r.out());
        assertEquals("context_limit", o.get("stop").asText(), r.out());
        assertTrue(r.err().contains("note: the generation stopped at the model's context of 512 positions"), r.err());
    }

    /** With --json the steering's facts (c(q), sign, layers) went only to stderr as text. */
    @Test
    void generateJsonCarriesTheSteeringItApplied() throws Exception {
        String vectors = org.scans.eval.EvalFixture.vectors().toString();
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt", "[INST] Tell me a story [/INST]", "--steer", vectors,
                "--max-new-tokens", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode s = new ObjectMapper().readTree(r.out()).get("steering");
        assertTrue(s != null && s.isObject(), r.out());
        assertEquals("classifier", s.get("sign_from").asText());
        // The same verdict as stderr's line, which prints c(q) to four places.
        String printed = r.err().lines().filter(l -> l.startsWith("classifier: c(q) = ")).findFirst().orElseThrow();
        assertEquals(printed.substring(19, printed.indexOf(',')), String.format(java.util.Locale.ROOT, "%.4f", s.get("c_q").asDouble()));
        assertEquals(s.get("verdict").asText().equals("unsafe") ? 1 : -1, s.get("sign").asInt());
        assertTrue(s.get("alpha").isNumber() && s.get("layers").isTextual() && s.get("from_position").asInt() > 0, s.toString());
        var fixed = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1,403", "--steer", vectors, "--sign", "-1",
                "--layers", "2-3", "--max-new-tokens", "2", "--json");
        assertEquals(0, fixed.exit(), fixed.err());
        s = new ObjectMapper().readTree(fixed.out()).get("steering");
        assertEquals("--sign", s.get("sign_from").asText());
        assertEquals(-1, s.get("sign").asInt());
        assertEquals("2-3", s.get("layers").asText());
        assertFalse(s.has("c_q"), s.toString());
        // + and - as chat's /steer on takes them
        for (String sign : new String[] {"+", "-"}) {
            var short_ = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1,403", "--steer", vectors, "--sign", sign,
                    "--max-new-tokens", "1", "--json");
            assertEquals(0, short_.exit(), short_.err());
            assertEquals(sign.equals("+") ? 1 : -1, new ObjectMapper().readTree(short_.out()).get("steering").get("sign").asInt());
        }
    }

    @Test
    void steeringOptionsThatWouldDoNothingOrTheOppositeAreRefused() {
        var r = TestSupport.cli("extract", "--model", MODEL, "--out", "never.safetensors", "--alpha", "5");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--alpha applies to the llama.cpp control vector: add --export-llamacpp FILE"), r.err());
        var nan = TestSupport.cli("extract", "--model", MODEL, "--out", "never.safetensors", "--export-llamacpp", "never.gguf", "--alpha", "NaN");
        assertEquals(1, nan.exit());
        assertTrue(nan.err().contains("--alpha must be a number >= 0"), nan.err());
        String out = java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "scans-cli-never-" + ProcessHandle.current().pid()).toString();
        var negative = TestSupport.cli("run", "--model", MODEL, "--dataset", "xstest", "--alpha", "-3", "--out", out);
        assertEquals(1, negative.exit());
        assertTrue(negative.err().contains("--alpha must be >= 0"), negative.err());
        var fix = TestSupport.cli("run", "--model", MODEL, "--dataset", "xstest", "--fix", "full-vicuna-prompt", "--out", out);
        assertEquals(1, fix.exit());
        assertTrue(fix.err().contains("--fix full-vicuna-prompt applies to --family vicuna"), fix.err());
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of("never.safetensors")));
        assertFalse(java.nio.file.Files.exists(java.nio.file.Path.of(out)), "refused before any folder is made");
    }

    @Test
    void theCommandListShowsWholeSentences() {
        // The list shows each command's first description line: a whole sentence, not one cut mid-way.
        for (String[] c : new String[][] {{}, {"eval"}}) {
            String[] args = java.util.Arrays.copyOf(c, c.length + 1);
            args[c.length] = "--help";
            String out = TestSupport.cli(args).out();
            String list = out.substring(out.indexOf("Commands:"));
            List<String> entries = new java.util.ArrayList<>();
            for (String line : list.lines().skip(1).toList()) {
                if (line.startsWith("  ") && !line.startsWith("    ")) entries.add(line.strip());
                else if (!entries.isEmpty()) entries.set(entries.size() - 1, entries.get(entries.size() - 1) + " " + line.strip());
            }
            assertTrue(entries.size() >= 4, list);
            for (String e : entries) assertTrue(e.endsWith("."), "cut description: " + e);
        }
        var chat = TestSupport.cli("chat", "--help");
        assertTrue(chat.out().contains("Required") && !chat.out().contains("Default: the bundled"), chat.out());
    }

    @Test
    void extractHasNoVectorsOption() {
        // It computes the vectors --vectors would name: not offered in its help, refused as unknown.
        var help = TestSupport.cli("extract", "--help");
        assertEquals(0, help.exit());
        assertFalse(help.out().contains("--vectors"), help.out());
        assertTrue(help.out().contains("--seed"), help.out());
        var r = TestSupport.cli("extract", "--out", "x.safetensors", "--vectors", "v.safetensors");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: Unknown option") && r.err().contains("'--vectors'"), r.err());
        assertTrue(TestSupport.cli("run", "--help").out().contains("--vectors"), "run keeps --vectors");
    }

    @Test
    void infoReportsConfigParametersAndDtypes() {
        var r = TestSupport.cli("info", "--model", MODEL);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("5 layers, hidden 64"), r.out());
        assertTrue(r.out().contains("parameters       260,032"), r.out());
        assertTrue(r.out().contains("F32            260,032 (100.0%)"), r.out());
        assertTrue(r.out().contains("47 found, 0 unused"), r.out());
        assertTrue(r.out().contains("tokenizer.model (512 pieces)\n"), r.out());
    }

    @Test
    void generateJsonReproducesRuncGreedyAndStopsAtTheStopId() throws Exception {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1,403,407,261,378", "--max-new-tokens", "400",
                "--stop-id", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertEquals("[1,403,407,261,378]", o.get("prompt_ids").toString());
        JsonNode ids = o.get("ids");
        assertEquals(342, ids.size());
        assertEquals(432, ids.get(0).asInt());
        assertEquals(1, ids.get(341).asInt());
        assertTrue(o.get("text").asText().startsWith(", there was a little girl named Lily"), o.get("text").asText());
        assertTrue(o.has("prompt_tok_s") && o.has("gen_tok_s"));
    }

    @Test
    void generateNamesItsStopTheSameUnderATurkishLocale() throws Exception {
        // toLowerCase() there turns the I of STOP_ID into a dotless ı.
        java.util.Locale was = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.forLanguageTag("tr-TR"));
        try {
            var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1,403,407,261,378", "--max-new-tokens", "30",
                    "--stop-id", "261", "--json");
            assertEquals(0, r.exit(), r.err());
            assertEquals("stop_id", JSON.readTree(r.out()).get("stop").asText(), r.out());
            assertEquals("plain", org.scans.eval.run.PerplexityEval.Mode.PLAIN.id());
        } finally {
            java.util.Locale.setDefault(was);
        }
    }

    @Test
    void figuresPrintWithADecimalPointUnderAnyLocale() {
        java.util.Locale was = java.util.Locale.getDefault();
        java.util.Locale.setDefault(java.util.Locale.GERMANY);
        try {
            var r = TestSupport.cli("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-new-tokens", "5");
            assertEquals(0, r.exit(), r.err());
            assertTrue(java.util.regex.Pattern.compile("generated: 5 tokens, \\d+\\.\\d tok/s").matcher(r.err()).find(), r.err());
            assertEquals(java.util.Locale.GERMANY, java.util.Locale.getDefault(), "restored after the command");
            assertEquals(java.util.Locale.GERMANY, java.util.Locale.getDefault(java.util.Locale.Category.FORMAT));
        } finally {
            java.util.Locale.setDefault(was);
        }
    }

    @Test
    void generateStreamsTextThenTheSpeedLine() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-new-tokens", "20");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(", there was a little girl"), r.out());
        assertTrue(r.err().contains("prompt: 5 tokens") && r.err().contains("generated: 20 tokens"), r.err());
    }

    @Test
    void generateRejectsAStopIdOutsideTheVocabulary() {
        var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", "--stop-id", "512");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("error: --stop-id 512 is outside the vocabulary (0..511)"), r.err());
    }

    @Test
    void generateRejectsBadSamplingSettingsNamingTheFlag() {
        String[][] bad = {{"--top-p", "1.5", "error: --top-p must be in (0, 1], got 1.5"},
                {"--max-new-tokens", "-3", "error: --max-new-tokens must be >= 0, got -3"},
                {"--temperature", "-1", "error: --temperature must be >= 0, got -1.0"},
                {"--top-k", "-2", "error: --top-k must be >= 0, got -2"},
                {"--repetition-penalty", "0", "error: --repetition-penalty must be > 0, got 0.0"}};
        for (String[] b : bad) {
            var r = TestSupport.cli("generate", "--model", MODEL, "--prompt-ids", "1", b[0], b[1]);
            assertEquals(1, r.exit(), b[0]);
            assertEquals(b[2], r.err().strip(), b[0]);
        }
    }

    @Test
    void scorePrintsLogProbsAndWritesRawLogits() throws Exception {
        Path logits = tmp.resolve("logits.bin");
        var r = TestSupport.cli("score", "--model", MODEL, "--ids", "1,403,407", "--top", "3", "--logits-out", logits.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode pos = JSON.readTree(r.out()).get("positions");
        assertEquals(3, pos.size());
        assertEquals(403, pos.get(0).get("id").asInt());
        assertTrue(pos.get(2).get("id").isNull());
        assertEquals(3, pos.get(0).get("top").size());
        byte[] raw = Files.readAllBytes(logits);
        assertEquals(3 * 512 * 4, raw.length);
        // log-softmax of the raw logits reproduces the printed log-prob.
        float[] row = new float[512];
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(row);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float f : row) max = Math.max(max, f);
        for (float f : row) sum += Math.exp(f - max);
        assertEquals(pos.get(0).get("logprob").asDouble(), row[403] - max - Math.log(sum), 1e-6);
    }

    @Test
    void tokenizeTextAndJsonl() throws Exception {
        var r = TestSupport.cli("tokenize", "--model", MODEL, "--bos", "--text", "Once upon a time");
        assertEquals(0, r.exit(), r.err());
        assertEquals("[1,403,407,261,378]", JSON.readTree(r.out()).get("ids").toString());
        InputStream old = System.in;
        java.io.PrintStream oldOut = System.out;
        var captured = new java.io.ByteArrayOutputStream();
        try {
            System.setIn(new ByteArrayInputStream("{\"text\": \"Once upon a time\"}\n{\"text\": \"<s>\"}\n".getBytes(StandardCharsets.UTF_8)));
            System.setOut(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
            var j = TestSupport.cli("tokenize", "--model", MODEL, "--jsonl");
            assertEquals(0, j.exit(), j.err());
        } finally {
            System.setIn(old);
            System.setOut(oldOut);
        }
        String[] lines = captured.toString(StandardCharsets.UTF_8).strip().split("\n");
        assertEquals(2, lines.length);
        assertEquals("[403,407,261,378]", JSON.readTree(lines[0]).get("ids").toString());
        assertEquals("Once upon a time", JSON.readTree(lines[0]).get("decoded").asText());
        assertFalse(JSON.readTree(lines[1]).get("ids").toString().equals("[1]"), "plain mode: <s> is text");
    }
}
