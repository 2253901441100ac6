package org.scans.eval.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.data.Label;
import org.scans.eval.ClassifierMetrics;
import org.scans.eval.EvalFixture;
import org.scans.experiment.Json;
import org.scans.experiment.SampleLog;
import org.scans.method.ClassifierSettings;
import org.scans.method.Layers;

/** The classifier table over several pairings: by hand on four prompts, and end to end on two pairings. */
class ClassifyEvalTest {
    @TempDir
    Path tmp;

    @Test
    void fourPromptsByHand() {
        // c(q): unsafe 0.9 (σ +1), 0.7 (σ −1); safe 0.6 (σ −1), 0.8 (σ +1) at T = 0.75.
        List<JsonNode> lines = List.of(line("unsafe", 0.9, 1), line("unsafe", 0.7, -1), line("safe", 0.6, -1), line("safe", 0.8, 1));
        ClassifyEval.Part part = new ClassifyEval.Part("toy", List.of(), new ClassifierSettings(Layers.range(2, 4), 0.75,
                ClassifierSettings.Rule.MEAN_AT_LEAST));
        JsonNode d = ClassifyEval.results(lines, List.of(part), List.of(), 0).get("datasets").get("toy");
        assertEquals(4, d.get("prompts").asInt());
        assertEquals(1, d.get("unsafe_judged_safe").get("count").asInt());
        assertEquals(0.5, d.get("unsafe_judged_safe").get("rate").asDouble(), 0.0);
        assertEquals(0.5, d.get("safe_judged_unsafe").get("rate").asDouble(), 0.0);
        // safe = positive: TP 1 (0.6), FP 1 (0.7), FN 1 (0.8)
        assertEquals(0.5, d.get("precision").asDouble(), 0.0);
        assertEquals(0.5, d.get("recall").asDouble(), 0.0);
        assertEquals(0.5, d.get("f1").asDouble(), 1e-12);
        // Ranked by 1 − c: 0.4 S, 0.3 U, 0.2 S, 0.1 U → (R, P) = (0, 1) (.5, 1) (.5, .5) (1, 2/3) (1, .5);
        // trapezoids: .5·1 + 0 + .5·(.5 + 2/3)/2 + 0 = 19/24.
        assertEquals(19.0 / 24, d.get("auprc").asDouble(), 1e-12);
        assertEquals("2-4", d.get("classifier_layers").asText());
    }

    static ObjectNode line(String label, double score, int sigma) {
        return JsonFigures.object().put("id", label + score).put("pairing", "toy").put("label", label).put("score", score).put("sigma", sigma);
    }

    @Test
    void twoPairingsEndToEnd() throws Exception {
        Path dir = tmp.resolve("out");
        TestSupport.Cli r = TestSupport.cli("eval", "classify", "--model", TestSupport.model().toString(), "--datasets", "xstest,malicious",
                "--limit", "6", "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("xstest") && r.out().contains("malicious") && r.out().contains("AUPRC"), r.out());
        List<JsonNode> lines = SampleLog.read(dir);
        assertEquals(12, lines.size());
        JsonNode res = Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile());
        for (String p : List.of("xstest", "malicious")) {
            List<JsonNode> ls = lines.stream().filter(l -> l.get("pairing").asText().equals(p)).toList();
            assertEquals(6, ls.size());
            assertEquals(3, ls.stream().filter(l -> l.get("label").asText().equals("unsafe")).count(), "alternating unsafe and safe");
            List<Label> truth = new ArrayList<>(), predicted = new ArrayList<>();
            double[] scores = new double[6];
            for (int i = 0; i < 6; i++) {
                truth.add(ls.get(i).get("label").asText().equals("unsafe") ? Label.UNSAFE : Label.SAFE);
                predicted.add(ls.get(i).get("sigma").asInt() > 0 ? Label.UNSAFE : Label.SAFE);
                scores[i] = ls.get(i).get("score").asDouble();
                assertTrue(ls.get(i).get("id").asText().startsWith(p + "/"));
            }
            ClassifierMetrics m = ClassifierMetrics.of(truth, predicted, scores);
            JsonNode d = res.get("datasets").get(p);
            assertEquals(m.auprc(), d.get("auprc").asDouble(), 0.0);
            assertEquals(m.unsafeJudgedSafe().count(), d.get("unsafe_judged_safe").get("count").asInt());
            assertEquals(m.safeJudgedUnsafe().count(), d.get("safe_judged_unsafe").get("count").asInt());
        }
    }

    @Test
    void unknownPairingIsNamed() {
        TestSupport.Cli r = TestSupport.cli("eval", "classify", "--model", TestSupport.model().toString(), "--datasets", "xstest,xtest",
                "--out", tmp.resolve("o").toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("xtest") && r.err().contains("oktest"), r.err());
    }

    /** Stopped after 5 of 24 prompts and resumed (with another --batch), every score is the uninterrupted eval's, bit for bit. */
    @Test
    void aResumedEvalScoresEveryPromptAsAnUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("whole"), resumed = tmp.resolve("resumed");
        List<String> args = List.of("eval", "classify", "--model", TestSupport.model().toString(), "--vectors", EvalFixture.vectors().toString(),
                "--datasets", "xstest", "--limit", "24");
        TestSupport.Cli r = TestSupport.cli(TestSupport.args(args, "--batch", "8", "--out", whole.toString()));
        assertEquals(0, r.exit(), r.err());
        TestSupport.stoppedCopy(whole, resumed, 5, EvalFolder.RESULTS_FILE);
        TestSupport.Cli again = TestSupport.cli(TestSupport.args(args, "--batch", "3", "--out", resumed.toString(), "--resume"));
        assertEquals(0, again.exit(), again.err());
        java.util.Map<String, Double> scores = new java.util.HashMap<>();
        for (JsonNode l : SampleLog.read(whole)) scores.put(l.get("id").asText(), l.get("score").doubleValue());
        List<JsonNode> lines = SampleLog.read(resumed);
        assertEquals(24, lines.size());
        for (JsonNode l : lines) assertEquals(scores.get(l.get("id").asText()), l.get("score").doubleValue(), 0.0, l.get("id").asText());
    }
}
