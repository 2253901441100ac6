package org.scans.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.engine.TestModels;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.io.SafetensorsWriter;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.engine.model.Sequence;

/**
 * Batched generation gives each sequence what it would get alone: greedy tokens, stop reasons,
 * seeded samples, hooks that touch one sequence only; requests beyond the batch size wait for a
 * free slot. On stories260K (F32) and on random BF16 and F16 models whose widths are multiples of 16,
 * so that a batch of 16 runs the token-panel kernels while the lone runs use the decode kernel.
 */
class BatchGeneratorTest {
    @TempDir
    Path tmp;

    static List<int[]> prompts(int n, int vocab, long seed) {
        Random r = new Random(seed);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] p = new int[1 + r.nextInt(12)];
            p[0] = 1;
            for (int j = 1; j < p.length; j++) p[j] = 3 + r.nextInt(vocab - 3);
            out.add(p);
        }
        return out;
    }

    /** Runs every prompt alone with {@link Generator} and together, then compares. */
    static void assertSameAsAlone(LlamaModel m, List<int[]> prompts, List<GenerationConfig> configs, int batch) {
        List<Generation> alone = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            alone.add(new Generator(m).generate(m.newSequence(), prompts.get(i), configs.get(i), TokenListener.NONE));
        }
        List<List<Integer>> streamed = new ArrayList<>();
        List<Integer> finishOrder = new ArrayList<>();
        List<BatchGenerator.Request> requests = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            List<Integer> s = new ArrayList<>();
            streamed.add(s);
            int index = i;
            requests.add(new BatchGenerator.Request(m.newSequence(), prompts.get(i), configs.get(i), s::add,
                    g -> finishOrder.add(index)));
        }
        List<Generation> together = new BatchGenerator(m, batch).generate(requests);
        assertEquals(prompts.size(), together.size());
        assertEquals(prompts.size(), finishOrder.size(), "every request finishes once");
        for (int i = 0; i < prompts.size(); i++) {
            Generation a = alone.get(i), b = together.get(i);
            assertArrayEquals(a.ids(), b.ids(), "request " + i + " tokens");
            assertEquals(a.reason(), b.reason(), "request " + i + " stop reason");
            assertArrayEquals(b.ids(), streamed.get(i).stream().mapToInt(Integer::intValue).toArray(), "request " + i + " stream");
            assertEquals(Math.max(0, b.ids().length - 1), b.decodeSteps(), "request " + i + " decode steps");
        }
    }

    @Test
    void greedyBatchEqualsAloneOnStories260K() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults().withThreads(2))) {
            List<int[]> ps = prompts(20, 512, 1);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) {
                GenerationConfig c = GenerationConfig.greedy(5 + 7 * i % 40);
                if (i % 5 == 1) c = c.withStopIds(Set.of(13)); // a common id: some stop early
                if (i % 7 == 2) c = c.withRepetitionPenalty(1.3f);
                cs.add(c);
            }
            assertSameAsAlone(m, ps, cs, 16); // 20 requests: four wait for a slot
            assertSameAsAlone(m, ps.subList(0, 5), cs.subList(0, 5), 2);
        }
    }

    /** Each admitted generation's cache is its prompt plus its token budget, once, within the context. */
    @Test
    void cachesAreReservedExactlyWhenAGenerationStarts() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int context = m.config().maxPositions();
            int[] shortPrompt = prompts(1, 512, 3).getFirst(), longPrompt = new int[context - 10];
            longPrompt[0] = 1;
            for (int i = 1; i < longPrompt.length; i++) longPrompt[i] = 3 + i % 500;
            Sequence a = m.newSequence(), b = m.newSequence();
            GenerationConfig budget = GenerationConfig.greedy(40).withStopIds(Set.of());
            new BatchGenerator(m, 2).generate(List.of(new BatchGenerator.Request(a, shortPrompt, budget, null, null),
                    new BatchGenerator.Request(b, longPrompt, budget, null, null)));
            assertEquals(shortPrompt.length + 40, a.cache().capacity(), "prompt + max new tokens, not a power of two");
            assertEquals(context, b.cache().capacity(), "clamped to the context");
            a.close();
            b.close();
        }
    }

    @Test
    void seededSamplingBatchEqualsAlone() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            List<int[]> ps = prompts(6, 512, 2);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) cs.add(new GenerationConfig(30, 0.8f, 40, 0.95f, 1f, 100 + i, Set.of(), true));
            assertSameAsAlone(m, ps, cs, 4);
        }
    }

    @Test
    void greedyBatchOf16EqualsAloneOnARandomBf16Model() throws IOException {
        Path dir = randomBf16Model(tmp.resolve("rand"));
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults().withThreads(2))) {
            List<int[]> ps = prompts(16, 384, 3);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) cs.add(GenerationConfig.greedy(24).withStopIds(Set.of()));
            assertSameAsAlone(m, ps, cs, 16);
        }
    }

    /**
     * 32 sequences at once (the 32-token panel kernels) with F16 KV caches: each sequence's
     * attention reads its own half-precision cache, and every sequence's tokens are its tokens alone.
     */
    @Test
    void greedyBatchOf32EqualsAloneWithAnF16Cache() throws IOException {
        Path dir = randomBf16Model(tmp.resolve("rand-kv16"));
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults().withThreads(2).withKvCache(org.scans.engine.tensor.DType.F16))) {
            List<int[]> ps = prompts(32, 384, 7);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) cs.add(GenerationConfig.greedy(16 + i % 9).withStopIds(Set.of()));
            assertSameAsAlone(m, ps, cs, 32);
        }
    }

    /** The same with F16 weights (the dtype of the real Llama-2 chat checkpoints): the batched steps take F16Kernels.gemmPairs. */
    @Test
    void greedyBatchOf16EqualsAloneOnARandomF16Model() throws IOException {
        Path dir = randomModel(tmp.resolve("rand-f16"), "F16");
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults().withThreads(2))) {
            assertEquals(org.scans.engine.tensor.DType.F16, m.weights().layer(0).q().dtype());
            List<int[]> ps = prompts(16, 384, 5);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) cs.add(GenerationConfig.greedy(24).withStopIds(Set.of()));
            assertSameAsAlone(m, ps, cs, 16);
        }
    }

    /**
     * The same with every matrix quantized to Q8_0 at load: the batched steps take
     * Q8Kernels.gemmPairs with 32 vector registers, Q8Kernels.gemm with 16 (Q8Kernels.PAIRS).
     */
    @Test
    void greedyBatchOf16EqualsAloneWithQ8Weights() throws IOException {
        Path dir = randomBf16Model(tmp.resolve("rand-q8"));
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults().withThreads(2).withQuantize(org.scans.engine.tensor.DType.Q8_0))) {
            List<int[]> ps = prompts(16, 384, 4);
            List<GenerationConfig> cs = new ArrayList<>();
            for (int i = 0; i < ps.size(); i++) cs.add(GenerationConfig.greedy(24).withStopIds(Set.of()));
            assertSameAsAlone(m, ps, cs, 16);
        }
    }

    @Test
    void hooksStayWithTheirSequence() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            float[] push = new float[m.config().hiddenSize()];
            for (int i = 0; i < push.length; i++) push[i] = (i % 3 - 1) * 0.8f;
            ResidualHook steer = new ResidualHook() {
                @Override
                public void afterLayer(int layer, Residual r) {
                    if (layer == 2) r.addFrom(0, push, 1f);
                }
            };
            int[] prompt = {1, 403, 407, 261, 378};
            GenerationConfig c = GenerationConfig.greedy(30);
            Sequence alone = m.newSequence();
            alone.addHook(steer);
            int[] steeredAlone = new Generator(m).generate(alone, prompt, c, TokenListener.NONE).ids();
            int[] plainAlone = new Generator(m).generate(m.newSequence(), prompt, c, TokenListener.NONE).ids();
            assertNotEquals(List.of(plainAlone), List.of(steeredAlone));

            Sequence steered = m.newSequence();
            steered.addHook(steer);
            List<Generation> g = new BatchGenerator(m).generate(List.of(
                    new BatchGenerator.Request(m.newSequence(), prompt, c, null, null),
                    new BatchGenerator.Request(steered, prompt, c, null, null),
                    BatchGenerator.Request.of(prompt, c)));
            assertArrayEquals(plainAlone, g.get(0).ids());
            assertArrayEquals(steeredAlone, g.get(1).ids());
            assertArrayEquals(plainAlone, g.get(2).ids());
        }
    }

    /**
     * Requests that start from a shared prefix (a longer pass over the same tokens, as SCANS's
     * classification pass is for its generations) choose the tokens they choose from scratch;
     * the source is freed once its last user has copied it; a prefix whose tokens are not the
     * prompt's, or that leaves no prompt token to run, is refused.
     */
    @Test
    void requestsStartingFromASharedPrefixGenerateAsFromScratch() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            List<int[]> ps = prompts(6, 512, 11);
            GenerationConfig c = GenerationConfig.greedy(20).withRepetitionPenalty(1.1f);
            List<Generation> fresh = new BatchGenerator(m, 4).generate(ps.stream().map(p -> BatchGenerator.Request.of(p, c)).toList());
            List<BatchGenerator.Request> requests = new ArrayList<>();
            List<Sequence> sources = new ArrayList<>();
            for (int[] p : ps) {
                int[] longer = java.util.Arrays.copyOf(p, p.length + 1); // the prompt and one token more
                longer[p.length] = 18;
                Sequence src = m.newSequence();
                m.prefill(src, longer);
                sources.add(src);
                SharedPrefix shared = new SharedPrefix(src, longer, 2);
                assertEquals(p.length, shared.commonLength(p));
                requests.add(BatchGenerator.Request.of(p, c).startingFrom(shared, p.length - 1));
                requests.add(BatchGenerator.Request.of(p, c).startingFrom(shared, p.length / 2));
            }
            List<Generation> reused = new BatchGenerator(m, 4).generate(requests);
            for (int i = 0; i < ps.size(); i++) {
                assertArrayEquals(fresh.get(i).ids(), reused.get(2 * i).ids(), "prompt " + i + ", all but its last token copied");
                assertArrayEquals(fresh.get(i).ids(), reused.get(2 * i + 1).ids(), "prompt " + i + ", half of it copied");
                assertArrayEquals(ps.get(i), reused.get(2 * i).promptIds(), "the whole prompt is the generation's");
                assertEquals(0, sources.get(i).cache().capacity(), "source freed after its two users");
            }
            Sequence src = m.newSequence();
            m.prefill(src, new int[] {1, 403, 407});
            SharedPrefix shared = new SharedPrefix(src, new int[] {1, 403, 407}, 1);
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> BatchGenerator.Request.of(new int[] {1, 403, 408, 500}, c).startingFrom(shared, 3));
            assertEquals("the prompt's first 3 tokens are not the shared prefix's", e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> BatchGenerator.Request.of(new int[] {1, 403, 407}, c).startingFrom(shared, 3));
            assertEquals("a prefix of 3 tokens for a prompt of 3", e.getMessage());
            shared.close();
            assertEquals(0, src.cache().capacity());
        }
    }

    @Test
    void zeroTokensAndContextLimit() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] longPrompt = new int[510];
            java.util.Arrays.fill(longPrompt, 261);
            longPrompt[0] = 1;
            List<Generation> g = new BatchGenerator(m).generate(List.of(
                    BatchGenerator.Request.of(new int[] {1, 403}, GenerationConfig.greedy(0)),
                    BatchGenerator.Request.of(longPrompt, GenerationConfig.greedy(100).withStopIds(Set.of())),
                    BatchGenerator.Request.of(new int[] {1, 403}, GenerationConfig.greedy(3))));
            assertEquals(0, g.get(0).ids().length);
            assertEquals(StopReason.MAX_TOKENS, g.get(0).reason());
            assertEquals(StopReason.CONTEXT_LIMIT, g.get(1).reason());
            assertEquals(3, g.get(1).ids().length);
            assertEquals(3, g.get(2).ids().length);
            assertTrue(g.get(2).promptNanos() > 0);
        }
    }

    /** A prompt id outside the vocabulary is reported as such, as it is when the request runs alone. */
    @Test
    void anIdOutsideTheVocabularyIsNamed() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int bad = m.config().vocabSize();
            for (java.util.function.Supplier<?> run : List.<java.util.function.Supplier<?>>of(
                    () -> new Generator(m).generate(m.newSequence(), new int[] {1, bad}, GenerationConfig.greedy(2), TokenListener.NONE),
                    () -> new BatchGenerator(m).generate(List.of(
                            BatchGenerator.Request.of(new int[] {1, 403}, GenerationConfig.greedy(2)),
                            BatchGenerator.Request.of(new int[] {1, bad}, GenerationConfig.greedy(2)))))) {
                org.scans.engine.EngineException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.scans.engine.EngineException.class, run::get);
                assertEquals("token id " + bad + " is outside the vocabulary (0.." + (bad - 1) + ", vocab_size in config.json)", e.getMessage());
            }
        }
    }

    /** A 2-layer BF16 Llama with random weights: dim 128, 4 heads of 32 (2 kv heads), MLP 256, vocab 384. */
    static Path randomBf16Model(Path dir) throws IOException {
        return randomModel(dir, "BF16");
    }

    /** {@link #randomBf16Model} with its matrices in {@code dtype} ("BF16" or "F16"). */
    static Path randomModel(Path dir, String dtype) throws IOException {
        Files.createDirectories(dir);
        int dim = 128, hidden = 256, layers = 2, heads = 4, kvHeads = 2, vocab = 384, headDim = dim / heads;
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": %d, "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d, "num_key_value_heads": %d,
                 "max_position_embeddings": 256, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": false,
                 "bos_token_id": 1, "eos_token_id": 2, "torch_dtype": "%s"}
                """.formatted(vocab, dim, hidden, layers, heads, kvHeads, dtype.equals("F16") ? "float16" : "bfloat16"));
        Random r = new Random(17);
        SafetensorsWriter w = new SafetensorsWriter();
        half(w, r, dtype, "model.embed_tokens.weight", vocab, dim, 1.0);
        half(w, r, dtype, "lm_head.weight", vocab, dim, 2.0 / Math.sqrt(dim));
        ones(w, "model.norm.weight", dim);
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            ones(w, p + "input_layernorm.weight", dim);
            ones(w, p + "post_attention_layernorm.weight", dim);
            half(w, r, dtype, p + "self_attn.q_proj.weight", heads * headDim, dim, 1.25 / Math.sqrt(dim));
            half(w, r, dtype, p + "self_attn.k_proj.weight", kvHeads * headDim, dim, 1.25 / Math.sqrt(dim));
            half(w, r, dtype, p + "self_attn.v_proj.weight", kvHeads * headDim, dim, 1 / Math.sqrt(dim));
            half(w, r, dtype, p + "self_attn.o_proj.weight", dim, heads * headDim, 1 / Math.sqrt(dim));
            half(w, r, dtype, p + "mlp.gate_proj.weight", hidden, dim, 1 / Math.sqrt(dim));
            half(w, r, dtype, p + "mlp.up_proj.weight", hidden, dim, 1 / Math.sqrt(dim));
            half(w, r, dtype, p + "mlp.down_proj.weight", dim, hidden, 1 / Math.sqrt(hidden));
        }
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    static void half(SafetensorsWriter w, Random r, String dtype, String name, int rows, int cols, double sd) {
        byte[] b = new byte[rows * cols * 2];
        for (int i = 0; i < rows * cols; i++) {
            float v = (float) (r.nextGaussian() * sd);
            int bits = dtype.equals("F16") ? Float.floatToFloat16(v) : Float.floatToRawIntBits(v) >>> 16;
            b[2 * i] = (byte) bits;
            b[2 * i + 1] = (byte) (bits >>> 8);
        }
        w.addRaw(name, dtype, b, rows, cols);
    }

    static void ones(SafetensorsWriter w, String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        w.addF32(name, v, n);
    }
}
