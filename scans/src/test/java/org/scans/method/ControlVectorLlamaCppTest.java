package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;

/**
 * {@code extract --export-llamacpp} against llama.cpp itself: the control vector this project
 * writes for layer 2, loaded by llama.cpp's own loader and applied by its own graph, moves
 * llama.cpp's logits exactly as our steering of layer 2 at every position moves ours. The golden
 * file comes from {@code bench/llamacpp/make-cvec-golden.sh} (llama.cpp v0.4.0 as node-llama-cpp 3.21.1
 * bundles it, stories260K.gguf, float32 KV cache, flash attention off). Tolerance 2e-4: the same
 * as for plain logits against llama.cpp with a float32 cache (float32 sums in another order).
 */
class ControlVectorLlamaCppTest {
    static final Path REFERENCE = Path.of("src/test/resources/reference");
    static final int[] IDS = {1, 403, 407, 261, 378, 432, 383, 286};

    @TempDir
    Path tmp;

    @Test
    void theExportedVectorReachesTheLayerItWasExportedFor() throws Exception {
        ScansVectors v = VectorsFile.read(REFERENCE.resolve("stories260K_cvec_vectors.safetensors"));
        Path gguf = tmp.resolve("cv.gguf");
        ControlVectorExport.write(v, new int[] {2}, 4.0, +1, gguf);
        assertArrayEquals(Files.readAllBytes(REFERENCE.resolve("stories260K_cvec_layer2.gguf")), Files.readAllBytes(gguf),
                "the exporter writes the file llama.cpp was given");

        float[][] golden = Files.readAllLines(REFERENCE.resolve("stories260K_llamacpp_cvec_layer2_logits.txt")).stream()
                .filter(l -> !l.startsWith("#")).map(ControlVectorLlamaCppTest::floats).toArray(float[][]::new);
        assertEquals(IDS.length, golden.length);
        try (LlamaModel model = LlamaModel.load(TestSupport.model(), LoadOptions.defaults())) {
            double[] diff = new double[5];
            for (int layer = 0; layer < 5; layer++) diff[layer] = maxDiff(golden, steered(model, v, layer));
            assertTrue(diff[2] < 2e-4, "layer 2 matches llama.cpp's direction.2: " + Arrays.toString(diff));
            for (int layer : new int[] {1, 3}) {
                assertTrue(diff[layer] > 0.05, "a neighbouring layer is told apart: " + Arrays.toString(diff));
            }
            assertTrue(maxDiff(golden, steered(model, v, -1)) > 0.05, "and steering matters here");
        }
    }

    /** Logits of every position with σ·α·v_layer added at every position (layer −1: none). */
    static float[][] steered(LlamaModel model, ScansVectors v, int layer) {
        int vocab = model.config().vocabSize();
        float[][] out = new float[IDS.length][];
        try (Sequence seq = model.newSequence()) {
            if (layer >= 0) seq.addHook(new SteeringHook(v, new int[] {layer}, 4.0, +1, -1));
            model.forward(List.of(new Step(seq, IDS, Logits.ALL)), (s, t, l, off) -> out[t] = Arrays.copyOfRange(l, off, off + vocab));
        }
        return out;
    }

    static double maxDiff(float[][] a, float[][] b) {
        double m = 0;
        for (int p = 0; p < a.length; p++) {
            assertEquals(a[p].length, b[p].length);
            for (int i = 0; i < a[p].length; i++) m = Math.max(m, Math.abs(a[p][i] - b[p][i]));
        }
        return m;
    }

    static float[] floats(String line) {
        String[] parts = line.trim().split(" ");
        float[] f = new float[parts.length];
        for (int i = 0; i < parts.length; i++) f[i] = Float.parseFloat(parts[i]);
        return f;
    }
}
