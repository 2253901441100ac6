package org.scans.eval.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.data.Summarization;
import org.scans.eval.EvalFixture;
import org.scans.eval.Rouge;
import org.scans.experiment.Json;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.SteeredGenerator;

/** XSum end to end on a tiny CSV: the empty document skipped with a warning, ROUGE per summary and its means. */
class XsumEvalTest {
    @TempDir
    Path tmp;

    @Test
    void summariesAreScoredAndAveraged() throws Exception {
        Path csv = tmp.resolve("tiny.csv");
        Files.writeString(csv, """
                id,dialogue,summary
                a1,"Lily found a red ball in the park. She played with it all day and then went home with her mom.",A girl plays with a ball in the park.
                a2,"",Nothing to summarise.
                a3,"Tom had a small dog. The dog liked to run and jump. Tom and the dog were best friends.",A boy and his dog are friends.
                """);
        Path dir = tmp.resolve("out");
        TestSupport.Cli r = TestSupport.cli("eval", "xsum", "--model", TestSupport.model().toString(), "--data", csv.toString(), "--rows", "0",
                "--max-new-tokens", "12", "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("skipped row 1 (id a2): empty 'dialogue'"), r.err());
        // Logged as each document's second summary ends (its two summaries decode beside the others').
        List<JsonNode> lines = new java.util.ArrayList<>(SampleLog.read(dir));
        lines.sort(java.util.Comparator.comparing(l -> l.get("id").asText()));
        assertEquals(List.of("a1", "a3"), lines.stream().map(l -> l.get("id").asText()).toList());
        double[] sums = new double[6];
        for (JsonNode l : lines) {
            // A summary that ended on EOS is scored with the reference's trailing </s>.
            String hyp = l.get("response").asText() + (l.get("stop").asText().equals("eos") ? "</s>" : "");
            String baseHyp = l.get("baseline_response").asText() + (l.get("baseline_stop").asText().equals("eos") ? "</s>" : "");
            Rouge.Scores s = Rouge.score(hyp, l.get("summary").asText());
            Rouge.Scores b = Rouge.score(baseHyp, l.get("summary").asText());
            assertEquals(s.rouge1().f(), l.get("rouge").get("scans").get("rouge1").asDouble(), 0.0);
            assertEquals(s.rouge2().f(), l.get("rouge").get("scans").get("rouge2").asDouble(), 0.0);
            assertEquals(s.rougeL().f(), l.get("rouge").get("scans").get("rougeL").asDouble(), 0.0);
            assertEquals(b.rouge1().f(), l.get("rouge").get("baseline").get("rouge1").asDouble(), 0.0);
            sums[0] += s.rouge1().f();
            sums[1] += s.rouge2().f();
            sums[2] += s.rougeL().f();
            sums[3] += b.rouge1().f();
            assertTrue(l.get("response_tokens").asInt() <= 12);
        }
        JsonNode res = Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile());
        assertEquals(2, res.get("scored").asInt());
        assertEquals(sums[0] / 2, res.get("rouge").get("scans").get("rouge1").asDouble(), 1e-15);
        assertEquals(sums[1] / 2, res.get("rouge").get("scans").get("rouge2").asDouble(), 1e-15);
        assertEquals(sums[2] / 2, res.get("rouge").get("scans").get("rougeL").asDouble(), 1e-15);
        assertEquals(sums[3] / 2, res.get("rouge").get("baseline").get("rouge1").asDouble(), 1e-15);
        assertTrue(res.get("warnings").toString().contains("empty 'dialogue'"));
        assertTrue(r.out().contains("ROUGE-1"), r.out());

        // The baseline is the reference's unsteered greedy generation of the same query.
        ScansContext ctx = EvalFixture.shared();
        SteeredGenerator g = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), w -> {});
        String q = Summarization.instruction("Tom had a small dog. The dog liked to run and jump. Tom and the dog were best friends.");
        String expected = g.generate(q, null, 0, SteeredGenerator.referenceConfig(12), id -> {}).text();
        assertEquals(expected, lines.get(1).get("baseline_response").asText());
    }

    @Test
    void aSummaryEndedByEosIsScoredWithTheReferencesTrailingEos() {
        org.scans.tokenizer.Tokenizer tok = EvalFixture.shared().tokenizer();
        int[] text = tok.encode("A dog runs. ", false, false);
        int[] withEos = java.util.Arrays.copyOf(text, text.length + 1);
        withEos[text.length] = 2;
        var eos = new org.scans.engine.generate.Generation(new int[] {1}, withEos, org.scans.engine.generate.StopReason.EOS, 0, 0, 0);
        var cut = new org.scans.engine.generate.Generation(new int[] {1}, text, org.scans.engine.generate.StopReason.MAX_TOKENS, 0, 0, 0);
        String decoded = tok.decodeOutput(text);
        // Python's (decoded + "</s>").strip(): the space before </s> stays, as in the reference's cut of its decode.
        assertEquals(org.scans.data.PythonText.strip(decoded + "</s>"), XsumEval.hypothesis(eos, tok, org.scans.method.Fix.none()));
        assertTrue(XsumEval.hypothesis(eos, tok, org.scans.method.Fix.none()).endsWith("</s>"));
        assertEquals(org.scans.data.PythonText.strip(decoded), XsumEval.hypothesis(cut, tok, org.scans.method.Fix.none()));
        assertEquals(org.scans.data.PythonText.strip(decoded),
                XsumEval.hypothesis(eos, tok, java.util.EnumSet.of(org.scans.method.Fix.ROUGE_WITHOUT_EOS)));
        assertTrue(Rouge.score(XsumEval.hypothesis(eos, tok, org.scans.method.Fix.none()), "A dog runs.").rouge1().f() < 1.0,
                "the </s> is one more hypothesis word");
    }

    /**
     * Stopped after 5 of 20 documents and resumed, the eval classifies each document in the same
     * fixed group of 16 as an uninterrupted one, so its scores are the same bits.
     */
    @Test
    void aResumedEvalScoresEveryDocumentAsAnUninterruptedOne() throws Exception {
        StringBuilder rows = new StringBuilder("id,dialogue,summary\n");
        for (int i = 0; i < 20; i++) {
            rows.append("d").append(i).append(",\"").append(i % 2 == 0 ? "Lily found " + i + " red balls in the park and played all day."
                    : "Tom had " + i + " small dogs that liked to run, jump and sleep.").append("\",Someone plays.\n");
        }
        Path csv = tmp.resolve("twenty.csv");
        Files.writeString(csv, rows);
        Path whole = tmp.resolve("whole"), resumed = tmp.resolve("resumed");
        List<String> args = List.of("eval", "xsum", "--model", TestSupport.model().toString(), "--data", csv.toString(), "--rows", "0",
                "--max-new-tokens", "2", "--vectors", EvalFixture.vectors().toString());
        TestSupport.Cli r = TestSupport.cli(TestSupport.args(args, "--out", whole.toString()));
        assertEquals(0, r.exit(), r.err());
        TestSupport.stoppedCopy(whole, resumed, 5, EvalFolder.RESULTS_FILE);
        TestSupport.Cli again = TestSupport.cli(TestSupport.args(args, "--out", resumed.toString(), "--resume"));
        assertEquals(0, again.exit(), again.err());
        java.util.Map<String, Double> first = new java.util.HashMap<>();
        for (JsonNode l : SampleLog.read(whole)) first.put(l.get("id").asText(), l.get("score").doubleValue());
        List<JsonNode> second = SampleLog.read(resumed);
        assertEquals(20, second.size());
        for (JsonNode l : second) assertEquals(first.get(l.get("id").asText()), l.get("score").doubleValue(), 0.0, l.get("id").asText());
    }

    /**
     * Summaries decoded together give what one at a time gives (greedy: batched products add in
     * another order, so this could only differ where two logits tie to the last bits), and a
     * batch too large for the memory is refused before anything is written.
     */
    @Test
    void batchedSummariesEqualOneAtATime() throws Exception {
        StringBuilder rows = new StringBuilder("id,dialogue,summary\n");
        for (int i = 0; i < 20; i++) {
            rows.append("d").append(i).append(",\"").append(i % 3 == 0 ? "Lily found " + i + " red balls in the park and played with them all day long."
                    : i % 3 == 1 ? "Tom had " + i + " small dogs." : "The sun was hot, so " + i + " children went to swim in the big blue lake.")
                    .append("\",Someone plays.\n");
        }
        Path csv = tmp.resolve("batch.csv");
        Files.writeString(csv, rows);
        List<String> args = List.of("eval", "xsum", "--model", TestSupport.model().toString(), "--data", csv.toString(), "--rows", "0",
                "--max-new-tokens", "24", "--vectors", EvalFixture.vectors().toString());
        java.util.Map<String, String> one = new java.util.HashMap<>();
        for (String b : List.of("1", "3", "16")) {
            Path out = tmp.resolve("batch" + b);
            TestSupport.Cli r = TestSupport.cli(TestSupport.args(args, "--batch", b, "--out", out.toString()));
            assertEquals(0, r.exit(), r.err());
            List<JsonNode> lines = SampleLog.read(out);
            assertEquals(20, lines.size());
            for (JsonNode l : lines) {
                String both = l.get("response").asText() + "\u0000" + l.get("baseline_response").asText();
                if (b.equals("1")) one.put(l.get("id").asText(), both);
                else assertEquals(one.get(l.get("id").asText()), both, "--batch " + b + ", " + l.get("id").asText());
            }
        }
        Path out = tmp.resolve("huge");
        TestSupport.Cli r = TestSupport.cli(TestSupport.args(args, "--batch", "100000000", "--out", out.toString()));
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().strip().lines().toList().getLast().startsWith("error: --batch 100000000: 100000000 KV caches of up to "), r.err());
        assertTrue(!Files.exists(out.resolve(SampleLog.FILE)), "nothing logged");
    }

    @Test
    void meansAndSkipsByHand() {
        ObjectNode a = line(0.5, 0.25, 0.5, 1.0, 0.0, 0.2, 1);
        ObjectNode b = line(0.25, 0.0, 0.25, 0.0, 0.0, 0.4, -1);
        ObjectNode skipped = JsonFigures.object().put("id", "x").put("skipped", "too long");
        ObjectNode r = XsumEval.results(List.of(a, skipped, b), List.of("w"), 1.0);
        assertEquals(3, r.get("documents").asInt());
        assertEquals(2, r.get("scored").asInt());
        assertEquals(1, r.get("skipped").asInt());
        assertEquals(0.375, r.get("rouge").get("scans").get("rouge1").asDouble(), 0.0);
        assertEquals(0.125, r.get("rouge").get("scans").get("rouge2").asDouble(), 0.0);
        assertEquals(0.375, r.get("rouge").get("scans").get("rougeL").asDouble(), 0.0);
        assertEquals(0.5, r.get("rouge").get("baseline").get("rouge1").asDouble(), 0.0);
        assertEquals(0.3, r.get("rouge").get("baseline").get("rougeL").asDouble(), 1e-15);
        assertEquals(1, r.get("judged_unsafe").get("count").asInt());
        ObjectNode none = XsumEval.results(List.of(skipped), List.of(), 0);
        assertTrue(none.get("rouge").get("scans").get("rouge1").isNull(), "no document: no mean, not NaN");
    }

    static ObjectNode line(double s1, double s2, double sl, double b1, double b2, double bl, int sigma) {
        ObjectNode o = JsonFigures.object().put("id", "i" + s1).put("sigma", sigma);
        ObjectNode rouge = o.putObject("rouge");
        rouge.putObject("scans").put("rouge1", s1).put("rouge2", s2).put("rougeL", sl);
        rouge.putObject("baseline").put("rouge1", b1).put("rouge2", b2).put("rougeL", bl);
        return o;
    }
}
