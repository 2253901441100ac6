package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scans.engine.TestModels;

/**
 * Logits over 2048 positions against llama.cpp, where RoPE angles and attention over long caches
 * could drift unseen by the short golden tests. Fixture and golden file from
 * {@code bench/llamacpp/make-long-golden.sh}: a random two-layer Llama with a 4096-position
 * context (HF checkpoint and GGUF with the same float32 weights), llama.cpp v0.4.0 with a float32
 * KV cache and flash attention off, every 64th position and the last eight kept. Checked twice: one
 * pass over all 2048 tokens (the prefill kernels) and a prefill of 2040 followed by eight decode
 * steps (the decode kernels over a 2040-position cache). Tolerance 1e-4: float32 sums in other
 * orders, which grow with the context (measured 5e-6 at position 64, 1.1e-5 at 1024, 2.3e-5 at
 * 2047).
 */
class LongContextLlamaCppTest {
    static final float TOLERANCE = 1e-4f;

    @Test
    void logitsAt2048PositionsAreLlamaCpps() throws Exception {
        Path dir = TestModels.resource("long-context");
        List<String> lines = Files.readAllLines(dir.resolve("llamacpp_logits.txt"));
        int[] ids = lines.stream().filter(l -> l.startsWith("# ids ")).findFirst().map(l -> Arrays.stream(l.substring(6).split(","))
                .mapToInt(Integer::parseInt).toArray()).orElseThrow();
        Map<Integer, float[]> golden = new LinkedHashMap<>();
        for (String l : lines) {
            if (l.startsWith("#")) continue;
            String[] f = l.trim().split(" ");
            float[] v = new float[f.length - 1];
            for (int i = 1; i < f.length; i++) v[i - 1] = Float.parseFloat(f[i]);
            golden.put(Integer.parseInt(f[0]), v);
        }
        assertEquals(2048, ids.length);
        assertEquals(32 + 8, golden.size());
        try (LlamaModel model = LlamaModel.load(dir, LoadOptions.defaults())) {
            assertEquals(4096, model.config().maxPositions());
            int vocab = model.config().vocabSize();
            float[][] onePass = new float[ids.length][];
            try (Sequence seq = model.newSequence()) {
                model.forward(List.of(new Step(seq, ids, Logits.ALL)), (s, t, l, off) -> onePass[t] = Arrays.copyOfRange(l, off, off + vocab));
            }
            float[][] stepwise = new float[ids.length][];
            try (Sequence seq = model.newSequence()) {
                int head = ids.length - 8;
                model.prefill(seq, Arrays.copyOf(ids, head));
                for (int p = head; p < ids.length; p++) stepwise[p] = model.prefill(seq, new int[] {ids[p]});
            }
            for (var e : golden.entrySet()) {
                int p = e.getKey();
                assertClose(e.getValue(), onePass[p], "one pass, position " + p);
                if (stepwise[p] != null) assertClose(e.getValue(), stepwise[p], "decoded, position " + p);
            }
        }
    }

    static void assertClose(float[] want, float[] got, String where) {
        assertEquals(want.length, got.length, where);
        double max = 0;
        for (int i = 0; i < want.length; i++) max = Math.max(max, Math.abs(want[i] - got[i]));
        assertTrue(max <= TOLERANCE, where + ": max |diff| " + max);
    }
}
