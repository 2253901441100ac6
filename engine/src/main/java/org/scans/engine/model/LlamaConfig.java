package org.scans.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.scans.engine.io.ModelFiles;
import org.scans.engine.io.ModelFormatException;

/**
 * The architecture of a {@code LlamaForCausalLM} checkpoint, read from its {@code config.json}.
 *
 * @param ropeScalingFactor 1 unless {@code rope_scaling} is {@code {"type": "linear", "factor": f}}
 * @param eosTokenIds the ids generation stops on: {@code eos_token_id} (one id or a list) of
 *     generation_config.json where it names any, else of config.json
 */
public record LlamaConfig(
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int vocabSize,
        int maxPositions,
        float rmsNormEps,
        double ropeTheta,
        double ropeScalingFactor,
        boolean tieWordEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds,
        String torchDtype) {

    public static final String FILE = "config.json";
    public static final String GENERATION_FILE = "generation_config.json";

    /**
     * The most positions a config may declare: 16M, 128 times Llama 3.1's 131072. Positions and
     * per-position offsets are ints, so this keeps them from overflowing; nothing is allocated per
     * declared position (the KV cache and the RoPE table grow with the positions used).
     */
    public static final int MAX_POSITIONS = 1 << 24;

    public LlamaConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (hiddenSize <= 0 || intermediateSize <= 0 || numLayers <= 0 || numHeads <= 0 || numKvHeads <= 0
                || vocabSize <= 0 || maxPositions <= 0 || headDim <= 0) {
            throw new ModelFormatException("config: sizes must be positive");
        }
        if (numHeads % numKvHeads != 0) {
            throw new ModelFormatException("config: num_attention_heads (" + numHeads
                    + ") is not a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
        if (headDim % 2 != 0) throw new ModelFormatException("config: head_dim " + headDim + " must be even for RoPE");
        if (maxPositions > MAX_POSITIONS) {
            throw new ModelFormatException("config: max_position_embeddings " + maxPositions + " is more than " + MAX_POSITIONS);
        }
    }

    public int kvDim() {
        return numKvHeads * headDim;
    }

    public int qDim() {
        return numHeads * headDim;
    }

    /** How many query heads share one key/value head (grouped-query attention). */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /**
     * Reads and validates {@code dir/config.json}, with the stop ids of {@code
     * dir/generation_config.json} where that file names any.
     */
    public static LlamaConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        // notExists, not !exists: a file that cannot be looked at is reported as unreadable below.
        if (Files.notExists(file)) throw new ModelFormatException(dir + ": no config.json (a Hugging Face checkpoint directory is needed)");
        LlamaConfig c = parse(ModelFiles.readObject(file), file.toString());
        return c.withStops(generationStops(dir.resolve(GENERATION_FILE), c.vocabSize()));
    }

    /**
     * The {@code eos_token_id} of a {@code generation_config.json}, empty where the file or the
     * field is absent or null. transformers' {@code generate} stops on these ids, not on
     * config.json's, when the file has them: Llama-3-Instruct's config.json names only
     * {@code <|end_of_text|>}, its generation_config.json also {@code <|eot_id|>}, which ends
     * every chat answer. Sampling settings there are not read: the command line sets those.
     */
    static List<Integer> generationStops(Path file, int vocab) {
        if (Files.notExists(file)) return List.of();
        return eosIds(ModelFiles.readObject(file).get("eos_token_id"), vocab, file.toString());
    }

    private LlamaConfig withStops(List<Integer> stops) {
        if (stops.isEmpty()) return this;
        return new LlamaConfig(hiddenSize, intermediateSize, numLayers, numHeads, numKvHeads, headDim, vocabSize, maxPositions,
                rmsNormEps, ropeTheta, ropeScalingFactor, tieWordEmbeddings, bosTokenId, stops, torchDtype);
    }

    /** The ids of an {@code eos_token_id} field (one id or a list), empty where it is absent or null. */
    private static List<Integer> eosIds(JsonNode eos, int vocab, String where) {
        List<Integer> ids = new java.util.ArrayList<>();
        if (eos != null && eos.isArray()) {
            for (int i = 0; i < eos.size(); i++) {
                tokenId(eos.get(i), "eos_token_id[" + i + "]", vocab, where).ifPresent(ids::add);
            }
        } else {
            tokenId(eos, "eos_token_id", vocab, where).ifPresent(ids::add);
        }
        return ids;
    }

    static LlamaConfig parse(JsonNode root, String where) {
        String modelType = optionalText(root, "model_type", "llama", where);
        if (!modelType.equals("llama")) {
            throw new ModelFormatException(where + ": model_type '" + modelType + "' is not supported (only 'llama')");
        }
        String act = optionalText(root, "hidden_act", "silu", where);
        // transformers maps "swish" to the same SiLU.
        if (!act.equals("silu") && !act.equals("swish")) {
            throw new ModelFormatException(where + ": hidden_act '" + act + "' is not supported (only 'silu')");
        }
        JsonNode quant = root.get("quantization_config");
        if (quant != null && !quant.isNull()) {
            throw new ModelFormatException(where + ": the checkpoint is quantized (quantization_config, quant_method '"
                    + quant.path("quant_method").asText("?") + "'); only F32, F16 and BF16 weights are read"
                    + " (--quantize q8_0 makes an 8-bit copy of those)");
        }
        JsonNode partial = root.get("partial_rotary_factor");
        if (partial != null && !partial.isNull() && partial.asDouble() != 1.0) {
            throw new ModelFormatException(where + ": partial_rotary_factor " + partial + " is not supported (RoPE over the whole head only)");
        }
        if (optionalBoolean(root, "attention_bias", false, where) || optionalBoolean(root, "mlp_bias", false, where)) {
            throw new ModelFormatException(where + ": attention_bias / mlp_bias are not supported");
        }
        int hidden = requiredInt(root, "hidden_size", where);
        int heads = requiredInt(root, "num_attention_heads", where);
        int kvHeads = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? requiredInt(root, "num_key_value_heads", where) : heads;
        boolean explicitHeadDim = optional(root, "head_dim") != null;
        if (!explicitHeadDim && hidden % heads != 0) {
            throw new ModelFormatException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        int headDim = explicitHeadDim ? requiredInt(root, "head_dim", where) : hidden / heads;
        // The record checks these too; here the message can name the file.
        if (heads % kvHeads != 0) {
            throw new ModelFormatException(where + ": num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw new ModelFormatException(where + ": head_dim " + headDim + (explicitHeadDim ? "" : " (hidden_size / num_attention_heads)")
                    + " is odd; RoPE rotates pairs of dimensions");
        }
        Rope rope = rope(root, where);
        int vocab = requiredInt(root, "vocab_size", where);
        // transformers' LlamaConfig defaults (bos 1, eos 2) when a token id is absent or null.
        int bos = tokenId(root.get("bos_token_id"), "bos_token_id", vocab, where).orElse(1);
        JsonNode eos = root.get("eos_token_id");
        List<Integer> eosIds = eosIds(eos, vocab, where);
        if (eosIds.isEmpty() && (eos == null || !eos.isArray())) eosIds = List.of(2);
        int maxPositions = root.has("max_position_embeddings") ? requiredInt(root, "max_position_embeddings", where)
                : 2048; // transformers' LlamaConfig default when the field is absent
        if (maxPositions > MAX_POSITIONS) {
            throw new ModelFormatException(where + ": 'max_position_embeddings' " + maxPositions + " is more than the "
                    + MAX_POSITIONS + " positions supported");
        }
        double eps = optionalDouble(root, "rms_norm_eps", 1e-6, where);
        if (!(eps >= 0) || !Float.isFinite((float) eps)) {
            throw new ModelFormatException(where + ": 'rms_norm_eps' must be a finite number >= 0, got " + root.get("rms_norm_eps").asText());
        }
        return new LlamaConfig(
                hidden,
                requiredInt(root, "intermediate_size", where),
                requiredInt(root, "num_hidden_layers", where),
                heads,
                kvHeads,
                headDim,
                vocab,
                maxPositions,
                (float) eps,
                rope.theta(),
                rope.factor(),
                optionalBoolean(root, "tie_word_embeddings", false, where),
                bos,
                eosIds,
                optionalText(root, "torch_dtype", optionalText(root, "dtype", "", where), where));
    }

    /**
     * A token id in {@code [0, vocab)}, or empty when the field is absent or null (transformers
     * allows None). An id the embeddings do not have could never be generated or fed.
     */
    private static java.util.OptionalInt tokenId(JsonNode n, String field, int vocab, String where) {
        if (n == null || n.isNull()) return java.util.OptionalInt.empty();
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0 || n.asInt() >= vocab) {
            throw new ModelFormatException(where + ": '" + field + "' must be a token id in 0.." + (vocab - 1)
                    + " (vocab_size " + vocab + "), got " + n);
        }
        return java.util.OptionalInt.of(n.asInt());
    }

    /*
     * Optional fields of the wrong JSON type are refused rather than read as their defaults
     * (Jackson's asDouble of "x" is 0, its asBoolean of "yes" false): a config edited by hand
     * would otherwise run as a different model without a word. Null is the default, as in Python.
     */

    private static JsonNode optional(JsonNode root, String field) {
        JsonNode n = root.get(field);
        return n == null || n.isNull() ? null : n;
    }

    private static double optionalDouble(JsonNode root, String field, double dflt, String where) {
        JsonNode n = optional(root, field);
        if (n == null) return dflt;
        if (!n.isNumber()) throw new ModelFormatException(where + ": '" + field + "' must be a number, got " + n);
        return n.asDouble();
    }

    private static boolean optionalBoolean(JsonNode root, String field, boolean dflt, String where) {
        JsonNode n = optional(root, field);
        if (n == null) return dflt;
        if (!n.isBoolean()) throw new ModelFormatException(where + ": '" + field + "' must be true or false, got " + n);
        return n.asBoolean();
    }

    private static String optionalText(JsonNode root, String field, String dflt, String where) {
        JsonNode n = optional(root, field);
        if (n == null) return dflt;
        if (!n.isTextual()) throw new ModelFormatException(where + ": '" + field + "' must be a string, got " + n);
        return n.asText();
    }

    /**
     * RoPE's θ and linear scaling factor. transformers 5 writes {@code rope_parameters} {rope_theta,
     * rope_type, factor…}; earlier versions top-level {@code rope_theta} and {@code rope_scaling}.
     * A file holding both (a config edited across versions) is read only when they agree:
     * transformers 4 would read one and 5 prefer the other.
     */
    private record Rope(double theta, double factor) {}

    private static Rope rope(JsonNode root, String where) {
        JsonNode rp = optional(root, "rope_parameters");
        JsonNode rs = root.get("rope_scaling");
        if (rp != null && !rp.isObject()) throw new ModelFormatException(where + ": rope_parameters must be an object, got " + rp);
        boolean v5 = rp != null;
        if (v5) {
            // transformers 5 reads the partial rotary factor from here (4 read it at the top level).
            JsonNode partial = optional(rp, "partial_rotary_factor");
            if (partial != null && !(partial.isNumber() && partial.asDouble() == 1.0)) {
                throw new ModelFormatException(where + ": rope_parameters.partial_rotary_factor " + partial
                        + " is not supported (RoPE over the whole head only)");
            }
            // One RoPE per kind of layer (transformers 5's hybrid models): a Llama has one kind.
            for (var field : rp.properties()) {
                if (field.getValue().isObject()) {
                    throw new ModelFormatException(where + ": rope_parameters '" + field.getKey()
                            + "' is an object (RoPE per kind of layer), which a Llama does not have");
                }
            }
        }
        boolean legacy = rs != null && !rs.isNull();
        double legacyTheta = theta(optional(root, "rope_theta"), "rope_theta", where);
        Rope fromLegacy = new Rope(legacyTheta, legacy ? ropeFactor(rs, "rope_scaling", false, where) : 1.0);
        if (!v5) return fromLegacy;
        Rope fromV5 = new Rope(optional(rp, "rope_theta") != null ? theta(rp.get("rope_theta"), "rope_parameters.rope_theta", where) : legacyTheta,
                ropeFactor(rp, "rope_parameters", true, where));
        boolean disagree = (legacy && fromLegacy.factor() != fromV5.factor())
                || (root.has("rope_theta") && rp.has("rope_theta") && fromLegacy.theta() != fromV5.theta());
        if (disagree) {
            throw new ModelFormatException(where + ": rope_parameters (θ " + fromV5.theta() + ", factor " + fromV5.factor()
                    + ") and rope_theta/rope_scaling (θ " + fromLegacy.theta() + ", factor " + fromLegacy.factor()
                    + ") disagree; keep one of them");
        }
        return fromV5;
    }

    /** RoPE's base: a finite number above 0 (θ^(−2i/d) of 0 or less is no rotation, or NaN). */
    private static double theta(JsonNode n, String field, String where) {
        if (n == null) return 10000.0;
        if (!n.isNumber() || !(n.asDouble() > 0) || !Double.isFinite(n.asDouble())) {
            throw new ModelFormatException(where + ": '" + field + "' must be a finite number > 0, got " + (n.isNumber() ? n.asText() : n));
        }
        return n.asDouble();
    }

    /** The linear factor of one RoPE description (1 for plain RoPE); other kinds are refused. */
    private static double ropeFactor(JsonNode rs, String field, boolean v5, String where) {
        if (!rs.isObject()) throw new ModelFormatException(where + ": " + field + " must be an object, got " + rs);
        String type = rs.path("rope_type").asText(rs.path("type").asText(v5 ? "default" : ""));
        if (type.isEmpty()) throw new ModelFormatException(where + ": " + field + " has no 'type' or 'rope_type'");
        if (type.equals("default")) return 1.0;
        if (!type.equals("linear")) {
            throw new ModelFormatException(where + ": " + field + " type '" + type + "' is not supported (only 'default' and 'linear')");
        }
        if (!rs.has("factor")) throw new ModelFormatException(where + ": " + field + " of type 'linear' needs a factor");
        JsonNode f = rs.get("factor");
        double factor = f.asDouble();
        if (!f.isNumber() || !(factor >= 1.0) || !Double.isFinite(factor)) {
            throw new ModelFormatException(where + ": " + field + " factor must be a finite number >= 1, got " + (f.isNumber() ? f.asText() : f));
        }
        return factor;
    }

    private static int requiredInt(JsonNode root, String field, String where) {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) throw new ModelFormatException(where + ": missing '" + field + "'");
        if (!n.canConvertToExactIntegral() || n.asLong() <= 0 || n.asLong() > Integer.MAX_VALUE) {
            throw new ModelFormatException(where + ": '" + field + "' must be a positive integer, got " + n);
        }
        return n.asInt();
    }

    /**
     * A short hash of everything that determines the shape and arithmetic of the residual stream,
     * so that steering vectors extracted from one model are refused by another.
     */
    public String hash() {
        String canonical = String.join(",",
                "llama", String.valueOf(hiddenSize), String.valueOf(intermediateSize), String.valueOf(numLayers),
                String.valueOf(numHeads), String.valueOf(numKvHeads), String.valueOf(headDim), String.valueOf(vocabSize),
                String.valueOf(maxPositions), Float.toString(rmsNormEps), Double.toString(ropeTheta),
                Double.toString(ropeScalingFactor), String.valueOf(tieWordEmbeddings));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
