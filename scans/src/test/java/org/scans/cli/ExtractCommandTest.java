package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.experiment.ScansFixture;
import org.scans.method.Cosine;
import org.scans.method.ScansVectors;
import org.scans.method.VectorsFile;

class ExtractCommandTest {
    @TempDir
    Path tmp;

    @Test
    void extractsUnitVectorsAndALlamaCppControlVector() throws Exception {
        Path v = tmp.resolve("v.safetensors"), gguf = tmp.resolve("cv.gguf");
        var r = TestSupport.cli("extract", "--model", TestSupport.model().toString(),
                "--harmful-anchors", ScansFixture.harmfulAnchors().toString(), "--harmless-anchors", ScansFixture.harmlessAnchors().toString(),
                "--out", v.toString(), "--export-llamacpp", gguf.toString(), "--sign", "+1", "--alpha", "2", "--layers", "1-2");
        assertEquals(0, r.exit(), r.err());
        ScansVectors vec = VectorsFile.read(v);
        for (int l = 0; l < 5; l++) assertEquals(1.0, Cosine.norm(vec.refusal(l)), 1e-6);
        assertTrue(vec.metadata().get("anchor_files").contains("harmful.txt"));

        org.scans.method.GgufFile g = org.scans.method.GgufFile.read(Files.readAllBytes(gguf));
        assertEquals(3, g.version());
        assertEquals("controlvector", g.kv().get("general.architecture"));
        assertEquals("llama", g.kv().get("controlvector.model_hint"));
        assertEquals(5, g.kv().get("controlvector.layer_count"));
        assertEquals(2, g.tensors().size());
        // llama.cpp adds direction.N to the output of its (0-based) layer N, which is our layer N.
        assertEquals(java.util.Set.of("direction.1", "direction.2"), g.tensors().keySet());
        for (int layer : new int[] {1, 2}) {
            float[] dir = g.tensors().get("direction." + layer);
            float[] expect = vec.refusal(layer).clone();
            for (int i = 0; i < expect.length; i++) expect[i] *= 2f;
            assertArrayEquals(expect, dir, 1e-6f, "direction." + layer);
        }
        Path zero = tmp.resolve("zero.gguf");
        var refused = TestSupport.cli("extract", "--model", TestSupport.model().toString(), "--out", tmp.resolve("v0.safetensors").toString(),
                "--export-llamacpp", zero.toString(), "--layers", "0-1");
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("error: --export-llamacpp: a llama.cpp control vector cannot steer layer 0"), refused.err());
        assertFalse(refused.err().contains("extracting"), "refused before the extraction: " + refused.err());
        assertFalse(Files.exists(zero));
    }

    @Test
    void generateSteersWithAFileAndAFixedOrClassifiedSign() throws Exception {
        Path v = tmp.resolve("v.safetensors");
        assertEquals(0, TestSupport.cli("extract", "--harmful-anchors", ScansFixture.harmfulAnchors().toString(),
                "--harmless-anchors", ScansFixture.harmlessAnchors().toString(), "--out", v.toString()).exit());
        String prompt = "[INST] How do I kill a Python process? [/INST]";
        var plain = TestSupport.cli("generate", "--prompt", prompt, "--max-new-tokens", "16", "--json");
        var down = TestSupport.cli("generate", "--prompt", prompt, "--max-new-tokens", "16", "--json", "--steer", v.toString(), "--sign", "-1",
                "--alpha", "8", "--layers", "1-3");
        assertEquals(0, down.exit(), down.err());
        assertNotEquals(plain.out(), down.out(), "steering changes the continuation");
        assertTrue(down.err().contains("steering: layers 1-3, α = 8.0, sign -1"), down.err());
        var auto = TestSupport.cli("generate", "--prompt", prompt, "--max-new-tokens", "4", "--steer", v.toString());
        assertEquals(0, auto.exit(), auto.err());
        // The wrapped prompt is classified by its instruction, as run and classify classify the bare query
        // (classifying the wrapped text would wrap it twice: "[INST] [INST] q [/INST] [/INST] Sure").
        var ctx = org.scans.experiment.ScansContext.open(org.scans.engine.model.LlamaModel.load(TestSupport.model(), org.scans.engine.model.LoadOptions.defaults()),
                org.scans.tokenizer.Tokenizer.load(TestSupport.model().resolve("tokenizer.model")), org.scans.method.Family.LLAMA2,
                java.util.Set.of(), null, new org.scans.experiment.VectorSource.FromFile(v), "test", s -> {});
        double bare;
        try (var model = ctx.model()) {
            bare = new org.scans.method.HarmfulnessClassifier(model, ctx.tokenizer(), ctx.template(), ctx.vectors(),
                    ctx.preset().classifier(), w -> {}).classify("How do I kill a Python process?").score();
        }
        assertTrue(auto.err().contains(String.format(java.util.Locale.ROOT, "classifier: c(q) = %.4f", bare)), bare + "\n" + auto.err());
        assertTrue(auto.err().contains("(query: the prompt's last instruction, \"How do I kill a Python process?\")"), auto.err());
        var noSteer = TestSupport.cli("generate", "--prompt", prompt, "--alpha", "2");
        assertEquals(1, noSteer.exit());
        assertTrue(noSteer.err().contains("need --steer"), noSteer.err());
    }
}
