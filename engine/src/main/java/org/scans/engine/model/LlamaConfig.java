package org.scans.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.scans.engine.io.ModelFormatException;

/**
 * The architecture of a {@code LlamaForCausalLM} checkpoint, read from its {@code config.json}.
 *
 * @param ropeScalingFactor 1 unless {@code rope_scaling} is {@code {"type": "linear", "factor": f}}
 * @param eosTokenIds {@code eos_token_id} may be a single id or a list
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

    /** Reads and validates {@code dir/config.json}. */
    public static LlamaConfig read(Path dir) {
        Path file = dir.resolve(FILE);
        JsonNode root;
        try {
            // Trailing text after the object is an error, as Python's json.load makes it.
            root = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(dir + ": no config.json (a Hugging Face checkpoint directory is needed)");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": invalid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file + ": not a JSON object");
        return parse(root, file.toString());
    }

    static LlamaConfig parse(JsonNode root, String where) {
        String modelType = root.path("model_type").asText("llama");
        if (!modelType.equals("llama")) {
            throw new ModelFormatException(where + ": model_type '" + modelType + "' is not supported (only 'llama')");
        }
        String act = root.path("hidden_act").asText("silu");
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
        if (root.path("attention_bias").asBoolean(false) || root.path("mlp_bias").asBoolean(false)) {
            throw new ModelFormatException(where + ": attention_bias / mlp_bias are not supported");
        }
        int hidden = requiredInt(root, "hidden_size", where);
        int heads = requiredInt(root, "num_attention_heads", where);
        int kvHeads = root.has("num_key_value_heads") && !root.get("num_key_value_heads").isNull()
                ? requiredInt(root, "num_key_value_heads", where) : heads;
        int headDim = root.has("head_dim") && !root.get("head_dim").isNull() ? requiredInt(root, "head_dim", where) : hidden / heads;
        if (!root.has("head_dim") && hidden % heads != 0) {
            throw new ModelFormatException(where + ": hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads);
        }
        Rope rope = rope(root, where);
        JsonNode eos = root.get("eos_token_id");
        List<Integer> eosIds;
        if (eos == null || eos.isNull()) eosIds = List.of(2);
        else if (eos.isArray()) {
            eosIds = new java.util.ArrayList<>();
            eos.forEach(n -> eosIds.add(n.asInt()));
        } else eosIds = List.of(eos.asInt());
        return new LlamaConfig(
                hidden,
                requiredInt(root, "intermediate_size", where),
                requiredInt(root, "num_hidden_layers", where),
                heads,
                kvHeads,
                headDim,
                requiredInt(root, "vocab_size", where),
                // transformers' LlamaConfig default when the field is absent.
                root.has("max_position_embeddings") ? requiredInt(root, "max_position_embeddings", where) : 2048,
                (float) root.path("rms_norm_eps").asDouble(1e-6),
                rope.theta(),
                rope.factor(),
                root.path("tie_word_embeddings").asBoolean(false),
                root.path("bos_token_id").asInt(1),
                eosIds,
                root.path("torch_dtype").asText(root.path("dtype").asText("")));
    }

    /**
     * RoPE's θ and linear scaling factor. transformers 5 writes {@code rope_parameters} {rope_theta,
     * rope_type, factor…}; earlier versions top-level {@code rope_theta} and {@code rope_scaling}.
     * A file holding both (a config edited across versions) is read only when they agree:
     * transformers 4 would read one and 5 prefer the other.
     */
    private record Rope(double theta, double factor) {}

    private static Rope rope(JsonNode root, String where) {
        JsonNode rp = root.get("rope_parameters");
        JsonNode rs = root.get("rope_scaling");
        boolean v5 = rp != null && rp.isObject();
        boolean legacy = rs != null && !rs.isNull();
        double legacyTheta = root.path("rope_theta").asDouble(10000.0);
        Rope fromLegacy = new Rope(legacyTheta, legacy ? ropeFactor(rs, "rope_scaling", false, where) : 1.0);
        if (!v5) return fromLegacy;
        Rope fromV5 = new Rope(rp.has("rope_theta") ? rp.get("rope_theta").asDouble() : legacyTheta,
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
        double factor = rs.path("factor").asDouble();
        if (!(factor >= 1.0)) throw new ModelFormatException(where + ": " + field + " factor must be >= 1");
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
