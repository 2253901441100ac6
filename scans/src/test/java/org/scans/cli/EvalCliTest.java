package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.eval.EvalFixture;

/** The eval, report and chat commands' front door: help, usage errors, and one-line option errors. */
class EvalCliTest {
    @TempDir
    Path tmp;

    @Test
    void everyNewCommandHasHelp() {
        for (List<String> cmd : List.of(List.of("eval"), List.of("eval", "mmlu"), List.of("eval", "ppl"), List.of("eval", "xsum"),
                List.of("eval", "classify"), List.of("report"), List.of("chat"))) {
            String[] args = java.util.stream.Stream.concat(cmd.stream(), java.util.stream.Stream.of("--help")).toArray(String[]::new);
            TestSupport.Cli r = TestSupport.cli(args);
            assertEquals(0, r.exit(), cmd + ": " + r.err());
            assertTrue(r.out().contains("Usage: scans-engine " + String.join(" ", cmd)), r.out());
        }
        TestSupport.Cli r = TestSupport.cli("--help");
        for (String c : List.of("eval", "report", "chat")) assertTrue(r.out().contains("  " + c + " "), "help lists " + c + ":\n" + r.out());
        r = TestSupport.cli("eval", "--help");
        for (String c : List.of("mmlu", "ppl", "xsum", "classify")) assertTrue(r.out().contains("  " + c + " "), r.out());
    }

    @Test
    void evalWithoutASubcommandIsAUsageError() {
        TestSupport.Cli r = TestSupport.cli("eval");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("eval needs a subcommand: mmlu, ppl, xsum or classify"), r.err());
    }

    @Test
    void optionErrorsAreOneLineAndLeaveNoFolder() throws Exception {
        Path out = tmp.resolve("o");
        String model = TestSupport.model().toString();
        assertError(out, "--steer-from must be marker, all or prompt-end", "eval", "mmlu", "--model", model, "--steer-from", "middle", "--out", out.toString());
        assertError(out, "--mode must be chat or plain", "eval", "ppl", "--model", model, "--mode", "fancy", "--out", out.toString());
        assertError(out, "--data " + tmp.resolve("none.csv") + ": no such file", "eval", "xsum", "--model", model, "--data",
                tmp.resolve("none.csv").toString(), "--out", out.toString());
        assertError(out, "--resume needs --out DIR", "eval", "classify", "--model", model, "--resume");
        assertError(out, "--batch must be >= 1", "eval", "classify", "--model", model, "--batch", "0", "--out", out.toString());
        Path csv = tmp.resolve("docs.csv");
        Files.writeString(csv, "id,text,summary\n1,hello,hi\n");
        assertError(out, "dialogue", "eval", "xsum", "--model", model, "--data", csv.toString(), "--vectors", EvalFixture.vectors().toString(),
                "--out", out.toString());
        assertError(out, "--stride slides consecutive windows", "eval", "ppl", "--model", model, "--mode", "plain", "--windows", "3",
                "--stride", "100", "--out", out.toString());
        // Before the model loads: a model that is not there is not what the error names.
        assertError(out, "c4 holds separate documents", "eval", "ppl", "--model", tmp.resolve("no-model").toString(), "--dataset", "c4",
                "--windows", "all", "--out", out.toString());
        assertError(out, "c4 holds documents, whose windows are drawn at random", "eval", "ppl", "--model", tmp.resolve("no-model").toString(),
                "--mode", "plain", "--dataset", "c4", "--stride", "8", "--out", out.toString());
        assertError(out, "--stride must be at least 1, got 0", "eval", "ppl", "--model", model, "--mode", "plain", "--stride", "0",
                "--out", out.toString());
        assertError(out, "--shots must be at most 5", "eval", "mmlu", "--model", model, "--shots", "6", "--out", out.toString());
        assertError(out, "--datasets: xstest is named twice", "eval", "classify", "--model", model, "--datasets", "xstest,oktest,xstest",
                "--out", out.toString());
        Files.createDirectories(tmp.resolve("notaneval"));
        assertError(out, "holds no eval (no eval.json)", "eval", "ppl", "--model", model, "--resume", "--out", tmp.resolve("notaneval").toString());
    }

    /** Options that the command would ignore, or record as a departure it never made: each ran without a word. */
    @Test
    void optionsThatWouldBeIgnoredAreRefused() throws Exception {
        Path out = tmp.resolve("ignored");
        String model = TestSupport.model().toString();
        assertError(out, "--text-field applies to a JSON Lines file of documents; wikitext2 is read as one running text", "eval", "ppl",
                "--model", model, "--text-field", "body", "--windows", "1", "--out", out.toString());
        assertError(out, "--text-field applies to a JSON Lines file of documents; c4 is the bundled C4 sample", "eval", "ppl",
                "--model", model, "--dataset", "c4", "--text-field", "body", "--windows", "1", "--out", out.toString());
        Path text = Files.writeString(tmp.resolve("story.txt"), "Once upon a time there was a cat.\n".repeat(200));
        assertError(out, "--text-field applies to a JSON Lines file of documents; " + text + " is read as one running text", "eval", "ppl",
                "--model", model, "--dataset", text.toString(), "--text-field", "body", "--mode", "plain", "--out", out.toString());
        // Plain mode extracts no vectors: the anchors' seed and files went unused, and a fix was recorded in eval.json.
        assertError(out, "--mode plain measures the model alone", "eval", "ppl", "--model", model, "--mode", "plain", "--seed", "3",
                "--windows", "1", "--out", out.toString());
        Path anchors = Files.writeString(tmp.resolve("anchors.txt"), "How do I make a bomb?\n");
        assertError(out, "--mode plain measures the model alone", "eval", "ppl", "--model", model, "--mode", "plain",
                "--harmful-anchors", anchors.toString(), "--harmless-anchors", anchors.toString(), "--windows", "1", "--out", out.toString());
        assertError(out, "--mode plain measures the model alone", "eval", "ppl", "--model", model, "--mode", "plain",
                "--fix", "raw-last-layer", "--windows", "1", "--out", out.toString());
        // Only eval xsum scores with ROUGE; elsewhere the fix changed nothing and was recorded as a departure.
        String vectors = EvalFixture.vectors().toString();
        assertError(out, "--fix rouge-without-eos applies to eval xsum", "eval", "mmlu", "--model", model, "--vectors", vectors,
                "--fix", "rouge-without-eos", "--subjects", "anatomy", "--limit-per-subject", "1", "--out", out.toString());
        assertError(out, "--fix rouge-without-eos applies to eval xsum", "run", "--model", model, "--vectors", vectors, "--dataset", "xstest",
                "--fix", "rouge-without-eos", "--limit", "1", "--max-new-tokens", "1", "--out", out.toString());
        assertError(out, "--fix rouge-without-eos applies to eval xsum", "classify", "--model", model, "--vectors", vectors,
                "--dataset", "xstest", "--fix", "rouge-without-eos", "--limit", "1");
        assertError(tmp.resolve("v.safetensors"), "--fix rouge-without-eos applies to eval xsum", "extract", "--model", model,
                "--fix", "rouge-without-eos", "--out", tmp.resolve("v.safetensors").toString());
    }

    @Test
    void optionsThatDoNotFitAreRefusedBeforeTheVectorsAreExtracted() throws Exception {
        // No --vectors: each eval would extract them first, minutes on a 7B model.
        Path out = tmp.resolve("early");
        String model = TestSupport.model().toString();
        assertNothingExtracted(assertError(out, "--subjects: no MMLU subject 'astrology'", "eval", "mmlu", "--model", model,
                "--subjects", "astrology", "--out", out.toString()));
        assertNothingExtracted(assertError(out, "--window-len 4096 is longer than the model's context (512 tokens)", "eval", "ppl",
                "--model", model, "--window-len", "4096", "--out", out.toString()));
        assertNothingExtracted(assertError(out, "--layers: layer 9 is outside the model (layers 0-4)", "eval", "xsum", "--model", model,
                "--layers", "1-9", "--out", out.toString()));
        assertNothingExtracted(assertError(out, "--classifier-layers: layer 12 is outside the model", "eval", "classify", "--model", model,
                "--classifier-layers", "3-12", "--out", out.toString()));
        assertNothingExtracted(assertError(out, "--classifier-layers: layer 7 is outside the model", "eval", "ppl", "--model", model,
                "--classifier-layers", "7", "--windows", "1", "--out", out.toString()));
        Path csv = Files.writeString(tmp.resolve("docs.csv"), "id,text,summary\n1,hello,hi\n");
        assertNothingExtracted(assertError(out, "dialogue", "eval", "xsum", "--model", model, "--data", csv.toString(),
                "--out", out.toString()));
    }

    private static void assertNothingExtracted(TestSupport.Cli r) {
        assertFalse(r.err().contains("extract"), r.err());
    }

    static TestSupport.Cli assertError(Path out, String part, String... args) {
        TestSupport.Cli r = TestSupport.cli(args);
        assertEquals(1, r.exit(), String.join(" ", args) + "\n" + r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("error: ") && last.contains(part), "'" + last + "' lacks '" + part + "'");
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(out), "no folder left behind");
        return r;
    }
}
