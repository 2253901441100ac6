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
 * v_l and r_l against an independent float64 numpy forward pass
 * ({@code src/test/python/recompute_vectors.py}, Debian's python3-numpy) on the same weights and
 * the same token ids. Float32 against float64 over 5 layers agrees to ~1e-6 relative, so a
 * cosine above 0.9999 for every layer leaves room for rounding and none for a wrong layer, a
 * wrong position or the missing final norm at the last layer.
 */
class NumpyVectorsCheckTest {
    @TempDir
    Path tmp;

    @Test
    void vectorsAgreeWithNumpy() throws Exception {
        TestSupport.requireTool(TestSupport.python("numpy"), "/usr/bin/python3 with numpy (Debian python3-numpy)");
        try (ScansFixture fx = new ScansFixture(tmp.resolve("fx"))) {
            ChatTemplate t = fx.ctx.template();
            MarkerFinder marker = MarkerFinder.of(fx.tokenizer, t);
            ObjectNode job = Json.MAPPER.createObjectNode();
            ArrayNode harmful = job.putArray("harmful"), harmless = job.putArray("harmless"), transition = job.putArray("transition");
            List<String> h = lines(ScansFixture.harmfulAnchors()), b = lines(ScansFixture.harmlessAnchors());
            for (String q : h) ids(harmful.addArray(), t.extraction(q).encode(fx.tokenizer));
            for (String q : b) ids(harmless.addArray(), t.extraction(q).encode(fx.tokenizer));
            for (String q : h) {
                int[] ids = t.classification(q).encode(fx.tokenizer);
                ObjectNode item = transition.addObject();
                ids(item.putArray("ids"), ids);
                item.put("s1", marker.lastEnd(ids));
                assertTrue(marker.lastEnd(ids) > 0);
            }
            Path jobFile = tmp.resolve("job.json"), outFile = tmp.resolve("out.json");
            Files.writeString(jobFile, job.toString());
            Process p = new ProcessBuilder("/usr/bin/python3", Path.of("src/test/python/recompute_vectors.py").toString(),
                    TestSupport.model().toString(), jobFile.toString(), outFile.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), log);
            JsonNode ref = Json.MAPPER.readTree(outFile.toFile());
            ScansVectors v = fx.ctx.vectors();
            for (int l = 0; l < v.layers(); l++) {
                double cv = Cosine.of(v.refusal(l), floats(ref.get("refusal").get(l)));
                double cr = Cosine.of(v.transition(l), floats(ref.get("transition").get(l)));
                assertTrue(cv > 0.9999, "v_" + l + " cosine " + cv);
                assertTrue(cr > 0.9999, "r_" + l + " cosine " + cr);
            }
        }
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
