package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.engine.TestModels;
import org.scans.engine.io.SafetensorsWriter;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.WeightMatrix;

/** Which matrices --quantize q8_0 leaves in their stored type, and the note that says so. */
class UnquantizedTest {

    /** A random two-layer model of hidden size 48 (not a multiple of 32) and intermediate size 128. */
    static Path hidden48(Path tmp) throws Exception {
        int hidden = 48, inter = 128, vocab = 512, kvDim = 24;
        Files.writeString(tmp.resolve("config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 512, "hidden_size": 48,
                 "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
                 "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "hidden_act": "silu",
                 "tie_word_embeddings": true, "bos_token_id": 1, "eos_token_id": 2}""");
        SplittableRandom random = new SplittableRandom(1);
        SafetensorsWriter w = new SafetensorsWriter();
        w.addF32("model.embed_tokens.weight", values(random, vocab * hidden), vocab, hidden);
        for (int l = 0; l < 2; l++) {
            String p = "model.layers." + l + ".";
            w.addF32(p + "input_layernorm.weight", ones(hidden), hidden);
            w.addF32(p + "post_attention_layernorm.weight", ones(hidden), hidden);
            w.addF32(p + "self_attn.q_proj.weight", values(random, hidden * hidden), hidden, hidden);
            w.addF32(p + "self_attn.k_proj.weight", values(random, kvDim * hidden), kvDim, hidden);
            w.addF32(p + "self_attn.v_proj.weight", values(random, kvDim * hidden), kvDim, hidden);
            w.addF32(p + "self_attn.o_proj.weight", values(random, hidden * hidden), hidden, hidden);
            w.addF32(p + "mlp.gate_proj.weight", values(random, inter * hidden), inter, hidden);
            w.addF32(p + "mlp.up_proj.weight", values(random, inter * hidden), inter, hidden);
            w.addF32(p + "mlp.down_proj.weight", values(random, hidden * inter), hidden, inter);
        }
        w.addF32("model.norm.weight", ones(hidden), hidden);
        w.write(tmp.resolve("model.safetensors"));
        return tmp;
    }

    static float[] values(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble() - 0.5) * 0.2f;
        return v;
    }

    static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    @Test
    void matricesOfAnOddWidthAreListedAndNoted(@TempDir Path tmp) throws Exception {
        try (LlamaModel m = LlamaModel.load(hidden48(tmp), LoadOptions.defaults().withQuantize(DType.Q8_0))) {
            LlamaWeights.Unquantized u = m.weights().unquantized();
            // The embeddings and every 48-wide layer matrix (q, k, v, o, gate, up); down_proj is 128 wide.
            assertEquals(15, u.matrices());
            List<String> kept = u.kept().stream().map(WeightMatrix::name).toList();
            assertEquals(13, kept.size(), kept.toString());
            assertEquals("model.embed_tokens.weight", kept.get(0));
            assertTrue(u.kept().stream().allMatch(x -> x.dtype() == DType.F32 && x.cols() == 48));
            assertEquals(DType.Q8_0, m.weights().layer(1).down().dtype());
            String note = u.note().orElseThrow();
            assertTrue(note.startsWith("13 of 15 matrices ("), note);
            assertTrue(note.contains("keep their stored type F32: Q8_0 cuts rows into blocks of 32, and theirs are 48 wide"
                    + " (model.embed_tokens.weight, model.layers.0.self_attn.q_proj.weight, … 11 more)"), note);
        }
    }

    @Test
    void nothingIsNotedWithoutQuantizationOrWhenEveryMatrixFits(@TempDir Path tmp) throws Exception {
        try (LlamaModel m = LlamaModel.load(hidden48(tmp), LoadOptions.defaults())) {
            assertEquals(0, m.weights().unquantized().matrices());
            assertEquals(Optional.empty(), m.weights().unquantized().note());
        }
        // stories260K: only down_proj (172 wide) of each of the 5 layers stays float32.
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults().withQuantize(DType.Q8_0))) {
            LlamaWeights.Unquantized u = m.weights().unquantized();
            assertEquals(1 + 5 * 7, u.matrices());
            assertEquals(List.of(172), u.kept().stream().map(WeightMatrix::cols).distinct().toList());
            assertEquals(5, u.kept().size());
        }
    }
}
