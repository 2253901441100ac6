package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.engine.EngineException;
import org.scans.engine.TestModels;
import org.scans.engine.model.ContextLimitException;
import org.scans.engine.model.LlamaConfig;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Step;

/** Every defect named in the engine issue gets a typed error whose message says what is wrong. */
class CheckpointErrorsTest {
    @TempDir
    Path tmp;

    static ModelFormatException loadFails(Path dir) {
        return assertThrows(ModelFormatException.class, () -> LlamaModel.load(dir, LoadOptions.defaults()).close());
    }

    static void assertMentions(Exception e, String... parts) {
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
    }

    @Test
    void missingDirectory() {
        assertMentions(loadFails(tmp.resolve("nope")), "does not exist");
    }

    @Test
    void missingConfig() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Files.delete(dir.resolve("config.json"));
        assertMentions(loadFails(dir), "no config.json");
    }

    @Test
    void missingSafetensors() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Files.delete(dir.resolve("model.safetensors"));
        assertMentions(loadFails(dir), "model.safetensors");
        // A PyTorch-only download (Llama-2-7b-chat-hf ships pytorch_model-*.bin beside the safetensors).
        Files.writeString(dir.resolve("pytorch_model-00001-of-00002.bin"), "x");
        assertMentions(loadFails(dir), "PyTorch weights (*.bin), which are not read");
    }

    @Test
    void truncatedFile() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length / 2));
        assertMentions(loadFails(dir), "truncated");
    }

    @Test
    void fileShorterThanItsHeaderLength() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        assertMentions(loadFails(dir), "truncated");
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        patchHeaderLength(dir.resolve("model.safetensors"), 1L << 40);
        assertMentions(loadFails(dir), "header length", "does not fit");
    }

    @Test
    void invalidHeaderJson() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path f = dir.resolve("model.safetensors");
        byte[] all = Files.readAllBytes(f);
        all[8] = '['; // the header's opening brace
        all[9] = '{';
        all[10] = ']';
        Files.write(f, all);
        assertMentions(loadFails(dir), "invalid header JSON");
    }

    @Test
    void offsetOutOfRange() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path f = dir.resolve("model.safetensors");
        String header = header(f);
        // Move the first tensor's end offset far past the data.
        String patched = header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)\\]", "\"data_offsets\":[$1,99999999]");
        assertTrue(!patched.equals(header));
        rewriteHeader(f, patched);
        assertMentions(loadFails(dir), "data_offsets", "past the end");
    }

    @Test
    void inconsistentOffsets() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path f = dir.resolve("model.safetensors");
        String header = header(f);
        rewriteHeader(f, header.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)\\]", "\"data_offsets\":[$1,$1]"));
        assertMentions(loadFails(dir), "data_offsets span 0 bytes");
    }

    @Test
    void missingTensor() throws IOException {
        Path dir = CheckpointFixtures.rewritten(tmp, t -> t.remove("model.layers.3.mlp.up_proj.weight"));
        var e = loadFails(dir);
        assertMentions(e, "missing tensor 'model.layers.3.mlp.up_proj.weight'");
        assertTrue(e.getMessage().startsWith(dir.resolve("model.safetensors") + ": "), e.getMessage());
        // Untied embeddings need lm_head.weight; the message says which config field asked for it.
        Path untied = CheckpointFixtures.copy(tmp.resolve("untied"));
        Files.writeString(untied.resolve("config.json"), Files.readString(untied.resolve("config.json"))
                .replace("\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false"));
        assertMentions(loadFails(untied), "missing tensor 'lm_head.weight'", "tie_word_embeddings is false or absent");
        // Sharded, the index is what lists the tensors.
        Path sharded = CheckpointFixtures.sharded(tmp.resolve("sharded"), 2);
        Files.writeString(sharded.resolve("config.json"), Files.readString(sharded.resolve("config.json"))
                .replace("\"num_hidden_layers\": 5", "\"num_hidden_layers\": 6"));
        var s = loadFails(sharded);
        assertMentions(s, "missing tensor 'model.layers.5.");
        assertTrue(s.getMessage().startsWith(sharded.resolve(Checkpoint.INDEX_FILE) + ": "), s.getMessage());
    }

    @Test
    void shapeMismatch() throws IOException {
        Path dir = CheckpointFixtures.rewritten(tmp, t -> {
            var r = t.get("model.layers.0.self_attn.k_proj.weight");
            t.put("model.layers.0.self_attn.k_proj.weight", new CheckpointFixtures.Raw(r.dtype(), new long[] {64, 32}, r.data()));
        });
        assertMentions(loadFails(dir), "model.layers.0.self_attn.k_proj.weight", "shape [64, 32]", "[32, 64]");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path dir = CheckpointFixtures.rewritten(tmp, t -> {
            var r = t.get("model.norm.weight");
            byte[] wide = new byte[r.data().length * 2];
            t.put("model.norm.weight", new CheckpointFixtures.Raw("F64", r.shape(), wide));
        });
        assertMentions(loadFails(dir), "model.norm.weight", "dtype F64", "supported: F32, F16, BF16");
    }

    @Test
    void unknownDtypeName() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path f = dir.resolve("model.safetensors");
        rewriteHeader(f, header(f).replaceFirst("\"F32\"", "\"F33\""));
        assertMentions(loadFails(dir), "unknown dtype 'F33'");
    }

    @Test
    void unusedTensorsAreReported() throws IOException {
        Path dir = CheckpointFixtures.rewritten(tmp, t -> t.put("model.layers.0.self_attn.rotary_emb.inv_freq",
                new CheckpointFixtures.Raw("F32", new long[] {4}, new byte[16])));
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults())) {
            assertEquals(List.of("model.layers.0.self_attn.rotary_emb.inv_freq"), m.weights().unused());
        }
    }

    @Test
    void tensorsThatWouldChangeTheOutputAreRefused() throws IOException {
        // Biases (Qwen-like weights under a llama config), q/k norms, a layer past num_hidden_layers:
        // computing without them would be silently wrong.
        for (String name : List.of("model.layers.0.self_attn.q_proj.bias", "model.layers.3.self_attn.q_norm.weight",
                "model.layers.5.input_layernorm.weight")) {
            Path dir = CheckpointFixtures.rewritten(tmp.resolve(name), t -> t.put(name,
                    new CheckpointFixtures.Raw("F32", new long[] {64}, new byte[256])));
            assertMentions(loadFails(dir), dir.resolve("model.safetensors").toString(), "'" + name + "'", "not a plain Llama checkpoint");
        }
        // An lm_head beside tied embeddings is replaced by the embeddings, as transformers does.
        Path tied = CheckpointFixtures.rewritten(tmp.resolve("tied"), t -> t.put("lm_head.weight",
                new CheckpointFixtures.Raw("F32", new long[] {512, 64}, new byte[512 * 64 * 4])));
        try (LlamaModel m = LlamaModel.load(tied, LoadOptions.defaults())) {
            assertEquals(List.of("lm_head.weight"), m.weights().unused());
        }
    }

    @Test
    void shardedCheckpointGivesIdenticalLogits() throws IOException {
        Path sharded = CheckpointFixtures.sharded(tmp, 3);
        int[] ids = {1, 403, 407, 261, 378, 432, 383};
        float[] a, b;
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            a = m.prefill(m.newSequence(), ids);
        }
        try (LlamaModel m = LlamaModel.load(sharded, LoadOptions.defaults())) {
            assertEquals(3, m.checkpoint().files().size());
            assertTrue(m.weights().unused().isEmpty());
            b = m.prefill(m.newSequence(), ids);
        }
        assertArrayEquals(a, b);
    }

    @Test
    void shardMissingFromIndex() throws IOException {
        Path sharded = CheckpointFixtures.sharded(tmp, 2);
        Files.delete(sharded.resolve(CheckpointFixtures.shardName(2, 2)));
        assertMentions(loadFails(sharded), "model-00002-of-00002.safetensors", "does not exist");
    }

    @Test
    void eachShardIsCheckedAsASingleFileIs() throws IOException {
        // Bytes after the last tensor of one shard, and a shard whose header names a key twice.
        Path sharded = CheckpointFixtures.sharded(tmp, 3);
        Path second = sharded.resolve(CheckpointFixtures.shardName(2, 3));
        Files.write(second, new byte[8], java.nio.file.StandardOpenOption.APPEND);
        assertMentions(loadFails(sharded), "model-00002-of-00003.safetensors", "bytes after the last tensor");
        Path again = CheckpointFixtures.sharded(tmp.resolve("again"), 3);
        Path third = again.resolve(CheckpointFixtures.shardName(3, 3));
        String header = header(third);
        String first = header.substring(1, header.indexOf('}') + 1);
        rewriteHeader(third, header.strip().replaceFirst("}$", "," + first + "}"));
        assertMentions(loadFails(again), "model-00003-of-00003.safetensors", "Duplicate field");
    }

    @Test
    void aTensorStoredInTwoShardsIsRefused() throws IOException {
        // transformers would keep the copy of the shard it loads last; the index names the other.
        Path sharded = CheckpointFixtures.sharded(tmp, 2);
        Path first = sharded.resolve(CheckpointFixtures.shardName(1, 2));
        Path second = sharded.resolve(CheckpointFixtures.shardName(2, 2));
        SafetensorsWriter w = new SafetensorsWriter();
        String copied;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            copied = SafetensorsFile.open(first, arena).tensors().keySet().iterator().next();
            for (TensorEntry t : SafetensorsFile.open(second, arena).tensors().values()) {
                w.addRaw(t.name(), t.dtypeName(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), t.shape());
            }
            TensorEntry dup = SafetensorsFile.open(first, arena).tensors().get(copied);
            w.addRaw(copied, dup.dtypeName(), new byte[(int) dup.data().byteSize()], dup.shape());
        }
        w.write(second);
        assertMentions(loadFails(sharded), sharded.resolve(Checkpoint.INDEX_FILE).toString(), "'" + copied + "'",
                "stored in two shards", CheckpointFixtures.shardName(1, 2), CheckpointFixtures.shardName(2, 2));
    }

    @Test
    void indexEntriesMustNameFiles() throws IOException {
        Path sharded = CheckpointFixtures.sharded(tmp, 2);
        Path index = sharded.resolve(Checkpoint.INDEX_FILE);
        Files.writeString(index, Files.readString(index).replaceFirst("\"model-00001-of-00002.safetensors\"", "5"));
        assertMentions(loadFails(sharded), "weight_map gives tensor 'model.embed_tokens.weight' the shard 5, not a file name");
    }

    @Test
    void jsonAndFilesThatCannotBeReadSayWhy() throws IOException {
        // Malformed JSON at its line and column, without Jackson's source and settings.
        Path sharded = CheckpointFixtures.sharded(tmp, 2);
        Files.writeString(sharded.resolve(Checkpoint.INDEX_FILE), "{\n  \"weight_map\": {,}}");
        var e = loadFails(sharded);
        assertMentions(e, Checkpoint.INDEX_FILE + ": not valid JSON at line 2, column");
        assertTrue(!e.getMessage().contains("REDACTED") && !e.getMessage().contains("StreamReadFeature"), e.getMessage());
        Path dir = CheckpointFixtures.copy(tmp);
        Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 64");
        assertMentions(loadFails(dir), "config.json: not valid JSON at line 1", "end-of-input");
        Files.writeString(dir.resolve("config.json"), "{} {}");
        assertMentions(loadFails(dir), "config.json: not valid JSON", "text after the JSON value");
        // A byte-order mark, which Python's json.loads refuses too, and bytes that are not UTF-8.
        Files.writeString(dir.resolve("config.json"), "\uFEFF{}");
        assertMentions(loadFails(dir), "config.json: not valid JSON at line 1, column 1");
        Files.write(dir.resolve("config.json"), new byte[] {'{', '"', (byte) 0xff, '"', '}'});
        assertMentions(loadFails(dir), "config.json: not valid UTF-8");
        // A folder where a file belongs is not "invalid JSON" or "no model.safetensors".
        Files.delete(dir.resolve("config.json"));
        Files.createDirectory(dir.resolve("config.json"));
        assertMentions(loadFails(dir), "config.json: is a directory, not a file");
        Path single = CheckpointFixtures.copy(tmp.resolve("single"));
        Files.delete(single.resolve("model.safetensors"));
        Files.createDirectory(single.resolve("model.safetensors"));
        assertMentions(loadFails(single), "model.safetensors: is a directory, not a safetensors file");
    }

    @Test
    void unreadableFilesSayPermissionDenied() throws IOException {
        // The JDK's message for a denied file is its path alone, which read as "invalid JSON: <path>".
        Path f = tmp.resolve("config.json");
        assertMentions(ModelFiles.unreadable(f, new java.nio.file.AccessDeniedException(f.toString())), f + ": permission denied");
        Path dir = CheckpointFixtures.copy(tmp);
        var none = java.nio.file.attribute.PosixFilePermissions.fromString("---------");
        Files.setPosixFilePermissions(dir.resolve("model.safetensors"), none);
        // root reads every file: there, nothing is denied and this cannot be seen.
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(dir.resolve("model.safetensors")), "running as root");
        assertMentions(loadFails(dir), "model.safetensors: permission denied");
        Files.setPosixFilePermissions(dir.resolve("config.json"), none);
        assertMentions(loadFails(dir), "config.json: permission denied");
        Files.setPosixFilePermissions(dir, none);
        try {
            assertMentions(loadFails(dir), dir + ": permission denied");
        } finally {
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void anIndexedTensorItsShardLacks() throws IOException {
        Path sharded = CheckpointFixtures.sharded(tmp, 2);
        Path index = sharded.resolve(Checkpoint.INDEX_FILE);
        String original = Files.readString(index);
        // A RoPE table listed but not stored (older saves did this): not needed, the config gives it.
        Files.writeString(index, original.replace("\"weight_map\": {",
                "\"weight_map\": {\"model.layers.0.self_attn.rotary_emb.inv_freq\": \"" + CheckpointFixtures.shardName(1, 2) + "\", "));
        try (LlamaModel m = LlamaModel.load(sharded, LoadOptions.defaults())) {
            assertTrue(m.weights().unused().isEmpty());
        }
        Files.writeString(index, original.replace("\"weight_map\": {",
                "\"weight_map\": {\"model.layers.0.self_attn.q_proj.bias\": \"" + CheckpointFixtures.shardName(1, 2) + "\", "));
        assertMentions(loadFails(sharded), "'model.layers.0.self_attn.q_proj.bias'", "which does not contain it");
    }

    @Test
    void aSingleFileIsReadBeforeAnIndex() throws IOException {
        // As from_pretrained looks: model.safetensors first; an index beside it (here naming a shard
        // that is missing) is not read.
        Path dir = CheckpointFixtures.copy(tmp);
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"weight_map\": {\"model.norm.weight\": \"model-00001-of-00002.safetensors\"}}");
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults())) {
            assertEquals(1, m.checkpoint().files().size());
        }
    }

    @Test
    void configsOfTransformers5AndHfDefaults() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        // transformers 5: rope_parameters in place of rope_theta / rope_scaling, dtype for torch_dtype.
        config.remove("rope_theta");
        config.remove("rope_scaling");
        config.putObject("rope_parameters").put("rope_theta", 500000.0).put("rope_type", "default");
        config.remove("max_position_embeddings");
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        LlamaConfig c = LlamaConfig.read(dir);
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(1.0, c.ropeScalingFactor());
        assertEquals(2048, c.maxPositions(), "transformers' default when max_position_embeddings is absent");
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("rope_parameters")).put("rope_type", "linear").put("factor", 4.0);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        assertEquals(4.0, LlamaConfig.read(dir).ropeScalingFactor());
        ((com.fasterxml.jackson.databind.node.ObjectNode) config.get("rope_parameters")).remove("factor");
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir)), "'linear' needs a factor");
        // A config with text after its object is malformed, as Python's json.load says.
        config.remove("rope_parameters");
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config) + "}");
        assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir));
        // rope_scaling {"rope_type": "default"} is plain RoPE.
        config.putObject("rope_scaling").put("rope_type", "default");
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config));
        assertEquals(1.0, LlamaConfig.read(dir).ropeScalingFactor());
    }

    @Test
    void configsThatWouldBeReadWrongAreRefused() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var base = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        java.util.function.Function<java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode>, LlamaConfig> read = edit -> {
            var c = base.deepCopy();
            edit.accept(c);
            try {
                Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return LlamaConfig.read(dir);
        };
        // Both RoPE descriptions (transformers 4 reads one, 5 prefers the other): only when they agree.
        var e = assertThrows(ModelFormatException.class, () -> read.apply(c -> {
            c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
            c.putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 10000.0);
        }));
        assertMentions(e, "rope_parameters", "disagree");
        assertThrows(ModelFormatException.class, () -> read.apply(c -> c.put("rope_theta", 500000.0)
                .putObject("rope_parameters").put("rope_type", "default").put("rope_theta", 10000.0)));
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> {
            c.putObject("rope_scaling").put("rope_type", "llama3").put("factor", 8.0);
            c.putObject("rope_parameters").put("rope_type", "default");
        })), "'llama3' is not supported");
        assertEquals(2.0, read.apply(c -> {
            c.putObject("rope_scaling").put("type", "linear").put("factor", 2.0);
            c.putObject("rope_parameters").put("rope_type", "linear").put("factor", 2.0).put("rope_theta", 10000.0);
        }).ropeScalingFactor());
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.putObject("rope_scaling").put("factor", 2.0))),
                "rope_scaling has no 'type'");
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.put("partial_rotary_factor", 0.5))),
                "partial_rotary_factor");
        // transformers 5 reads the partial factor inside rope_parameters, and RoPE per kind of layer from objects there.
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.putObject("rope_parameters")
                .put("rope_type", "default").put("rope_theta", 10000.0).put("partial_rotary_factor", 0.5))),
                "rope_parameters.partial_rotary_factor 0.5 is not supported");
        assertEquals(1.0, read.apply(c -> c.putObject("rope_parameters").put("rope_type", "default").put("partial_rotary_factor", 1.0))
                .ropeScalingFactor());
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.putObject("rope_parameters")
                .putObject("full_attention").put("rope_type", "llama3").put("factor", 8.0))),
                "rope_parameters 'full_attention' is an object");
        // A head_dim of null is derived as when absent, and so is refused when the heads do not divide hidden_size.
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.putNull("head_dim").put("num_attention_heads", 7))),
                "hidden_size 64 is not a multiple of num_attention_heads 7");
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.putObject("quantization_config")
                .put("quant_method", "gptq").put("bits", 4))), "quantized", "'gptq'");
        // transformers maps "swish" to SiLU.
        assertEquals(64, read.apply(c -> c.put("hidden_act", "swish")).hiddenSize());
        assertMentions(assertThrows(ModelFormatException.class, () -> read.apply(c -> c.put("hidden_act", "gelu"))), "'gelu'");
    }

    @Test
    void configFieldsOfTheWrongTypeOrOutOfRangeAreRefusedByName() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        String original = Files.readString(dir.resolve("config.json"));
        var base = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(original);
        // Each edit is refused with a message naming the field (and what it got).
        record Bad(String field, String value, String... says) {}
        for (Bad b : List.of(
                new Bad("rms_norm_eps", "\"x\"", "'rms_norm_eps' must be a number", "\"x\""),
                new Bad("rms_norm_eps", "-1e-5", "'rms_norm_eps' must be a finite number >= 0"),
                new Bad("rms_norm_eps", "1e999", "'rms_norm_eps' must be a finite number >= 0"),
                new Bad("rope_theta", "\"abc\"", "'rope_theta' must be a finite number > 0", "\"abc\""),
                new Bad("rope_theta", "0", "'rope_theta' must be a finite number > 0"),
                new Bad("rope_theta", "-10000.0", "'rope_theta'"),
                new Bad("rope_theta", "1e999", "'rope_theta'"),
                new Bad("rope_parameters", "{\"rope_type\": \"default\", \"rope_theta\": -1}", "'rope_parameters.rope_theta'"),
                new Bad("rope_scaling", "{\"type\": \"linear\", \"factor\": \"2\"}", "rope_scaling factor", "\"2\""),
                new Bad("eos_token_id", "\"x\"", "'eos_token_id' must be a token id in 0..511", "\"x\""),
                new Bad("eos_token_id", "512", "'eos_token_id'", "vocab_size 512", "got 512"),
                new Bad("eos_token_id", "-1", "'eos_token_id'", "got -1"),
                new Bad("eos_token_id", "[2, 9999]", "'eos_token_id[1]'", "got 9999"),
                new Bad("eos_token_id", "2.5", "'eos_token_id'"),
                new Bad("bos_token_id", "512", "'bos_token_id' must be a token id in 0..511"),
                new Bad("bos_token_id", "\"<s>\"", "'bos_token_id'"),
                new Bad("tie_word_embeddings", "\"yes\"", "'tie_word_embeddings' must be true or false"),
                new Bad("attention_bias", "1", "'attention_bias' must be true or false"),
                new Bad("model_type", "5", "'model_type' must be a string"),
                new Bad("max_position_embeddings", "0", "'max_position_embeddings' must be a positive integer"),
                new Bad("max_position_embeddings", "300000000", "'max_position_embeddings' 300000000 is more than the 16777216"),
                new Bad("max_position_embeddings", "2147483647", "'max_position_embeddings' 2147483647"),
                new Bad("max_position_embeddings", "16777217", "'max_position_embeddings' 16777217"),
                // Checked where the file can be named, not only by the record (whose message said "config:").
                new Bad("num_key_value_heads", "3", "num_attention_heads 8 is not a multiple of num_key_value_heads 3"),
                new Bad("num_key_value_heads", "16", "num_attention_heads 8 is not a multiple of num_key_value_heads 16"),
                new Bad("head_dim", "7", "head_dim 7 is odd"),
                new Bad("num_attention_heads", "64", "head_dim 1 (hidden_size / num_attention_heads) is odd"),
                new Bad("rope_parameters", "\"llama3\"", "rope_parameters must be an object, got \"llama3\""))) {
            var c = base.deepCopy();
            // As text, so that 1e999 reaches the reader as written.
            c.put(b.field(), "@value@");
            Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c).replace("\"@value@\"", b.value()));
            var e = assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir), b.field() + " " + b.value());
            assertMentions(e, b.says());
            assertTrue(e.getMessage().startsWith(dir.resolve("config.json").toString()), e.getMessage());
        }
        // Null and absent stay accepted (transformers' None and defaults), as does a list of ids.
        for (String field : List.of("bos_token_id", "eos_token_id", "rms_norm_eps", "rope_theta", "tie_word_embeddings")) {
            var c = base.deepCopy();
            c.putNull(field);
            Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
            LlamaConfig.read(dir);
            c.remove(field);
            Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
            LlamaConfig.read(dir);
        }
        var c = base.deepCopy();
        c.putArray("eos_token_id").add(2).add(511);
        c.put("rms_norm_eps", 0);
        c.put("max_position_embeddings", LlamaConfig.MAX_POSITIONS);
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c));
        LlamaConfig read = LlamaConfig.read(dir);
        assertEquals(List.of(2, 511), read.eosTokenIds());
        assertEquals(LlamaConfig.MAX_POSITIONS, read.maxPositions());
        assertEquals(0f, read.rmsNormEps());
    }

    @Test
    void generationConfigStopIdsReplaceConfigsAndAreChecked() throws IOException {
        Path dir = CheckpointFixtures.copy(tmp);
        Path gen = dir.resolve(LlamaConfig.GENERATION_FILE);
        List<Integer> fromConfig = LlamaConfig.read(dir).eosTokenIds();
        assertEquals(List.of(2), fromConfig);
        // As transformers' generate: the generation config's ids where it has them.
        Files.writeString(gen, "{\"eos_token_id\": [2, 5], \"temperature\": 0.6, \"do_sample\": true}");
        assertEquals(List.of(2, 5), LlamaConfig.read(dir).eosTokenIds());
        Files.writeString(gen, "{\"eos_token_id\": 7}");
        assertEquals(List.of(7), LlamaConfig.read(dir).eosTokenIds());
        // No ids there: config.json's stand.
        for (String text : List.of("{}", "{\"eos_token_id\": null}", "{\"eos_token_id\": []}")) {
            Files.writeString(gen, text);
            assertEquals(fromConfig, LlamaConfig.read(dir).eosTokenIds(), text);
        }
        Files.writeString(gen, "{\"eos_token_id\": [2, 512]}");
        var e = assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir));
        assertMentions(e, gen.toString(), "'eos_token_id[1]'", "got 512");
        Files.writeString(gen, "{\"eos_token_id\": 2,}");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir)), gen.toString(), "not valid JSON");
        Files.writeString(gen, "[2]");
        assertMentions(assertThrows(ModelFormatException.class, () -> LlamaConfig.read(dir)), gen.toString(), "not a JSON object");
    }

    @Test
    void tokenOutsideVocabulary() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            var e = assertThrows(EngineException.class, () -> m.prefill(m.newSequence(), new int[] {1, 512}));
            assertMentions(e, "token id 512", "vocabulary");
        }
    }

    @Test
    void promptLongerThanContext() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] ids = new int[513];
            var e = assertThrows(ContextLimitException.class,
                    () -> m.forward(List.of(new Step(m.newSequence(), ids, Logits.LAST)), (s, t, l, o) -> {}));
            assertMentions(e, "513 positions", "512");
        }
    }

    static String header(Path f) throws IOException {
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new String(all, 8, (int) n, StandardCharsets.UTF_8);
    }

    /** Replaces the header, keeping the data section byte for byte. */
    static void rewriteHeader(Path f, String header) throws IOException {
        byte[] all = Files.readAllBytes(f);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + (all.length - 8 - (int) n)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        out.put(all, 8 + (int) n, all.length - 8 - (int) n);
        Files.write(f, out.array());
    }

    static void patchHeaderLength(Path f, long len) throws IOException {
        byte[] all = Files.readAllBytes(f);
        ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).putLong(0, len);
        Files.write(f, all);
    }
}
