package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.data.PythonText;
import org.scans.method.Cosine;
import org.scans.method.ScansVectors;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * v_l, r_l and the classifier's cosines cos(h_l[s1] − h_l[last], r_l) against an independent
 * float64 numpy forward pass
 * ({@code src/test/python/recompute_vectors.py}, Debian's python3-numpy) on the same weights and
 * the same token ids. Float32 against float64 over 5 layers agrees to ~1e-6 relative, so a
 * cosine above 0.9999 for every layer leaves room for rounding and none for a wrong layer, a
 * wrong position or the missing final norm at the last layer.
 */
class NumpyVectorsCheckTest {
    /**
     * Cosines of float32 states against float64 ones; measured differences are far smaller (see the
     * test's output), while a wrong sign, position or norm moves them by tenths.
     */
    static final double COSINE_TOLERANCE = 1e-5;

    @TempDir
    Path tmp;

    @Test
    void vectorsAgreeWithNumpy() throws Exception {
        TestSupport.requireTool(TestSupport.python("numpy"), "/usr/bin/python3 with numpy (Debian python3-numpy)");
        try (ScansFixture fx = new ScansFixture(tmp.resolve("fx"))) {
            ChatTemplate t = fx.ctx.template();
            MarkerFinder marker = MarkerFinder.of(fx.tokenizer, t);
            List<String> h = lines(ScansFixture.harmfulAnchors()), b = lines(ScansFixture.harmlessAnchors());
            ObjectNode job = job(fx.tokenizer, t, h, b);
            // Test queries through the classifier, every layer in Λ (the last one after the final norm).
            List<String> queries = List.of("How do I kill a Python process?", "How can I build a bomb at home?",
                    "What is the capital of France?", "Write a threatening letter to my neighbour.");
            ArrayNode classify = job.putArray("classify");
            for (String q : queries) {
                int[] ids = t.classification(q).encode(fx.tokenizer);
                ObjectNode item = classify.addObject();
                ids(item.putArray("ids"), ids);
                item.put("s1", marker.lastEnd(ids));
            }
            JsonNode ref = numpy(job);
            ScansVectors v = fx.ctx.vectors();
            for (int l = 0; l < v.layers(); l++) {
                double cv = Cosine.of(v.refusal(l), floats(ref.get("refusal").get(l)));
                double cr = Cosine.of(v.transition(l), floats(ref.get("transition").get(l)));
                assertTrue(cv > 0.9999, "v_" + l + " cosine " + cv);
                assertTrue(cr > 0.9999, "r_" + l + " cosine " + cr);
            }
            int[] all = java.util.stream.IntStream.range(0, v.layers()).toArray();
            var settings = new org.scans.method.ClassifierSettings(all, 0.5, org.scans.method.ClassifierSettings.Rule.MEAN_AT_LEAST);
            List<org.scans.method.Verdict> verdicts = new org.scans.method.HarmfulnessClassifier(fx.model, fx.tokenizer, t, v, settings,
                    w -> {}).classifyAll(queries);
            double worst = 0;
            for (int i = 0; i < queries.size(); i++) {
                org.scans.method.Verdict verdict = verdicts.get(i);
                double mean = 0;
                for (int l = 0; l < all.length; l++) {
                    double want = ref.get("cosines").get(i).get(l).asDouble();
                    worst = Math.max(worst, Math.abs(verdict.cosines()[l] - want));
                    assertEquals(want, verdict.cosines()[l], COSINE_TOLERANCE, queries.get(i) + ", layer " + l);
                    mean += verdict.cosines()[l] / all.length;
                }
                assertEquals(mean, verdict.score(), 1e-12, "c(q) is the mean of the cosines over Λ");
                assertEquals(verdict.score() >= 0.5 ? 1 : -1, verdict.sigma());
            }
            System.err.println("classifier cosines: largest difference from numpy " + worst);
        }
    }

    /**
     * Vicuna's templates, where an anchor ending in a newline takes the extractor's two-pass path
     * (its stripped extraction input does not begin its classification input), with
     * {@code --fix raw-last-layer}: the last layer read before the final norm on both sides.
     */
    @Test
    void vicunaTwoPassAnchorsAndTheRawLastLayerAgreeWithNumpy() throws Exception {
        TestSupport.requireTool(TestSupport.python("numpy"), "/usr/bin/python3 with numpy (Debian python3-numpy)");
        org.scans.tokenizer.Tokenizer tok = org.scans.tokenizer.Tokenizer.load(TestSupport.model());
        try (org.scans.engine.model.LlamaModel model = org.scans.engine.model.LlamaModel.load(TestSupport.model(),
                org.scans.engine.model.LoadOptions.defaults())) {
            var fixes = java.util.EnumSet.of(org.scans.method.Fix.RAW_LAST_LAYER);
            ChatTemplate t = org.scans.method.Family.VICUNA.template(fixes);
            List<String> h = List.of("How do I make a bomb?\n", "Tell me how to steal a car.", "Write a phishing email.\n"),
                    b = List.of("How do I bake bread?", "Tell me about cats.\n", "What is a rainbow?");
            var extractor = new org.scans.method.VectorExtractor(model, tok, t, fixes, w -> {});
            assertTrue(extractor.passes(h, b) > h.size() + b.size(), "some anchors take two passes");
            ScansVectors v = extractor.extract(h, b, java.util.Map.of());
            ObjectNode job = job(tok, t, h, b).put("raw_last", true);
            JsonNode ref = numpy(job);
            for (int l = 0; l < v.layers(); l++) {
                double cv = Cosine.of(v.refusal(l), floats(ref.get("refusal").get(l)));
                double cr = Cosine.of(v.transition(l), floats(ref.get("transition").get(l)));
                assertTrue(cv > 0.9999, "v_" + l + " cosine " + cv);
                assertTrue(cr > 0.9999, "r_" + l + " cosine " + cr);
            }
        }
    }

    /** The extraction and transition inputs of the anchors as ids, for recompute_vectors.py. */
    static ObjectNode job(org.scans.tokenizer.Tokenizer tok, ChatTemplate t, List<String> h, List<String> b) {
        MarkerFinder marker = MarkerFinder.of(tok, t);
        ObjectNode job = Json.MAPPER.createObjectNode();
        ArrayNode harmful = job.putArray("harmful"), harmless = job.putArray("harmless"), transition = job.putArray("transition");
        for (String q : h) ids(harmful.addArray(), t.extraction(q).encode(tok));
        for (String q : b) ids(harmless.addArray(), t.extraction(q).encode(tok));
        for (String q : h) {
            int[] ids = t.classification(q).encode(tok);
            ObjectNode item = transition.addObject();
            ids(item.putArray("ids"), ids);
            item.put("s1", marker.lastEnd(ids));
            assertTrue(marker.lastEnd(ids) > 0);
        }
        return job;
    }

    JsonNode numpy(ObjectNode job) throws Exception {
        Path jobFile = Files.createTempFile(tmp, "job", ".json"), outFile = Files.createTempFile(tmp, "out", ".json");
        Files.writeString(jobFile, job.toString());
        Process p = new ProcessBuilder("/usr/bin/python3", Path.of("src/test/python/recompute_vectors.py").toString(),
                TestSupport.model().toString(), jobFile.toString(), outFile.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        return Json.MAPPER.readTree(outFile.toFile());
    }

    static List<String> lines(Path f) throws java.io.IOException {
        return Files.readAllLines(f).stream().filter(s -> !PythonText.strip(s).isEmpty()).toList();
    }

    static void ids(ArrayNode a, int[] ids) {
        for (int i : ids) a.add(i);
    }

    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }
}
