package org.scans.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} of the Llama kind: a BPE model with byte
 * fallback, the {@code ▁} metaspace put in either by the legacy normalizer
 * ({@code Sequence[Prepend("▁"), Replace(" ", "▁")]}) or by a {@code Metaspace}
 * pre-tokenizer, and added tokens. Anything else (WordPiece, Unigram, byte-level BPE, regex
 * pre-tokenizers) is refused with a message that names what is not supported, rather than
 * encoded wrongly.
 */
final class HfTokenizerJson {
    /** The vocabulary is one object with ~32k keys: don't intern or canonicalize them as field names. */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .disable(com.fasterxml.jackson.core.JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(com.fasterxml.jackson.core.JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build());
    private static final String SPACE = "\u2581";

    /** What the loader hands the {@link Tokenizer}. */
    record Loaded(Vocabulary vocab, HfBpe encoder, List<Tokenizer.Literal> special, List<Tokenizer.Literal> always,
            boolean addDummyPrefix) {
    }

    private HfTokenizerJson() {
    }

    static Loaded parse(byte[] bytes, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (JacksonException e) {
            throw new TokenizerException(source + ": not valid JSON: " + JsonMessages.brief(e), e);
        } catch (java.io.IOException e) {
            throw new TokenizerException(source + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new TokenizerException(source + ": not a tokenizer.json (the top level is not a JSON object)");
        }
        JsonNode model = root.path("model");
        if (!model.isObject()) {
            // A config.json or tokenizer_config.json passed by mistake lands here.
            throw new TokenizerException(source + ": not a tokenizer.json (no \"model\" object)");
        }
        String type = model.path("type").asText("");
        if (!type.equals("BPE")) {
            throw new TokenizerException(source + ": model type '" + (type.isEmpty() ? "(none)" : type)
                    + "' is not supported; only Llama-style SentencePiece BPE (\"type\": \"BPE\") is");
        }
        for (String f : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            if (!model.path(f).isNull() && !model.path(f).isMissingNode() && !model.path(f).asText().isEmpty()) {
                throw new TokenizerException(source + ": BPE option " + f + " is not supported");
            }
        }
        if (model.path("dropout").isNumber() && model.path("dropout").asDouble() > 0) {
            throw new TokenizerException(source + ": BPE dropout is not supported (encoding must be deterministic)");
        }
        if (hasType(root.path("pre_tokenizer"), "ByteLevel") || hasType(root.path("decoder"), "ByteLevel")) {
            throw new TokenizerException(source + ": byte-level BPE (the GPT-2 / Llama 3 kind) is not supported;"
                    + " only Llama-2-style SentencePiece BPE is");
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        boolean ignoreMerges = model.path("ignore_merges").asBoolean(false);
        if (!model.path("fuse_unk").asBoolean(false) && !byteFallback) {
            throw new TokenizerException(source + ": BPE without fuse_unk and byte_fallback is not supported");
        }

        // Vocabulary: the model's vocab plus added tokens, dense ids.
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) {
            throw new TokenizerException(source + ": the vocabulary is empty (model.vocab has no entries)");
        }
        Map<Integer, String> byId = new HashMap<>();
        int maxId = -1;
        String maxWhere = null;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = id(e.getValue(), "model.vocab[\"" + e.getKey() + "\"]", source);
            String old = byId.put(id, e.getKey());
            if (old != null) {
                throw new TokenizerException(source + ": id " + id + " is given to both '" + old + "' and '"
                        + e.getKey() + "'");
            }
            if (id > maxId) {
                maxId = id;
                maxWhere = "model.vocab token '" + e.getKey() + "'";
            }
        }
        int modelSize = maxId + 1;
        record Added(int id, String content, boolean special, boolean lstrip, boolean rstrip) {
        }
        List<Added> added = new ArrayList<>();
        for (JsonNode a : root.path("added_tokens")) {
            String content = a.path("content").asText(null);
            int id = id(a.path("id"), "added token '" + content + "'", source);
            if (content == null || content.isEmpty()) {
                throw new TokenizerException(source + ": added token " + id + " has no content");
            }
            if (a.path("single_word").asBoolean(false)) {
                throw new TokenizerException(source + ": added token '" + content + "' uses single_word, which is not supported");
            }
            String old = byId.get(id);
            if (old != null && !old.equals(content)) {
                throw new TokenizerException(source + ": added token id " + id + " is '" + content
                        + "' but model.vocab has '" + old + "' there");
            }
            byId.put(id, content);
            if (id > maxId) {
                maxId = id;
                maxWhere = "added token '" + content + "'";
            }
            added.add(new Added(id, content, a.path("special").asBoolean(false), a.path("lstrip").asBoolean(false),
                    a.path("rstrip").asBoolean(false)));
        }
        // Ids are dense, 0 to the number of distinct tokens less one (added tokens may go past the
        // model's vocab). Checked before anything is sized by the largest id, which a bad file can
        // put anywhere up to 2^31 - 1.
        if (maxId >= byId.size()) {
            throw new TokenizerException(source + ": " + maxWhere + " has id " + maxId + ", but there are only "
                    + byId.size() + " tokens (model.vocab and added_tokens; ids must be dense 0.." + (byId.size() - 1) + ")");
        }
        String unkToken = model.path("unk_token").isTextual() ? model.path("unk_token").asText() : null;
        int n = maxId + 1;
        boolean[] inModel = new boolean[n];
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(n);
        Map<Integer, Added> addedById = new HashMap<>();
        for (Added a : added) {
            addedById.put(a.id(), a);
        }
        for (int id = 0; id < n; id++) {
            String piece = byId.get(id);
            if (piece == null) {
                throw new TokenizerException(source + ": id " + id + " has no token (ids must be dense 0.." + maxId + ")");
            }
            inModel[id] = id < modelSize && vocabNode.has(piece);
            Added a = addedById.get(id);
            PieceType t;
            if (piece.equals(unkToken)) {
                t = PieceType.UNKNOWN;
            } else if (a != null && a.special()) {
                t = PieceType.CONTROL;
            } else if (a != null && !inModel[id]) {
                t = PieceType.USER_DEFINED;
            } else if (byteFallback && Vocabulary.pieceToByte(piece) >= 0) {
                t = PieceType.BYTE;
            } else {
                t = PieceType.NORMAL;
            }
            pieces.add(new SentencePieceModel.Piece(piece, piece.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0f, t));
        }
        if (unkToken == null) {
            throw new TokenizerException(source + ": model.unk_token is not set; a Llama tokenizer.json names <unk>");
        }
        if (!vocabNode.has(unkToken)) {
            throw new TokenizerException(source + ": unk_token '" + unkToken + "' is not in model.vocab");
        }
        Vocabulary vocab = new Vocabulary(pieces, unkToken, "<s>", "</s>", "<pad>", byteFallback, source);

        int[][] merges = merges(model.path("merges"), vocab, inModel, source);

        // Normalizer and pre-tokenizer: where the ▁ comes from.
        HfBpe.Prepend prepend = HfBpe.Prepend.NEVER;
        String replaceFrom = null;
        String replaceTo = null;
        JsonNode norm = root.path("normalizer");
        List<JsonNode> steps = new ArrayList<>();
        if (norm.isObject()) {
            if (norm.path("type").asText().equals("Sequence")) {
                norm.path("normalizers").forEach(steps::add);
            } else {
                steps.add(norm);
            }
        } else if (!norm.isNull() && !norm.isMissingNode()) {
            throw new TokenizerException(source + ": normalizer is not an object");
        }
        for (JsonNode step : steps) {
            String t = step.path("type").asText("");
            switch (t) {
                case "Prepend" -> {
                    if (!SPACE.equals(step.path("prepend").asText()) || prepend != HfBpe.Prepend.NEVER) {
                        throw new TokenizerException(source + ": normalizer Prepend(\"" + step.path("prepend").asText()
                                + "\") is not supported; only one Prepend(\"\u2581\") is");
                    }
                    prepend = HfBpe.Prepend.NORMALIZER;
                }
                case "Replace" -> {
                    JsonNode pattern = step.path("pattern");
                    if (!pattern.has("String") || replaceFrom != null) {
                        throw new TokenizerException(source + ": normalizer Replace with pattern " + pattern
                                + " is not supported; only one plain-string Replace is");
                    }
                    replaceFrom = pattern.path("String").asText();
                    replaceTo = step.path("content").asText();
                    if (!replaceFrom.equals(" ") || !replaceTo.equals(SPACE)) {
                        throw new TokenizerException(source + ": normalizer Replace(\"" + replaceFrom + "\", \""
                                + replaceTo + "\") is not supported; only Replace(\" \", \"\u2581\") is");
                    }
                }
                default -> throw new TokenizerException(source + ": normalizer '" + t
                        + "' is not supported (Llama tokenizers use Prepend and Replace, or none)");
            }
        }
        boolean metaspace = false;
        boolean split = false;
        JsonNode pre = root.path("pre_tokenizer");
        if (pre.isObject()) {
            String t = pre.path("type").asText("");
            if (t.equals("Sequence") && pre.path("pretokenizers").size() == 1) {
                pre = pre.path("pretokenizers").get(0);
                t = pre.path("type").asText("");
            }
            if (!t.equals("Metaspace")) {
                throw new TokenizerException(source + ": pre_tokenizer '" + t
                        + "' is not supported (only Metaspace, or none, as Llama tokenizers use)");
            }
            if (!SPACE.equals(pre.path("replacement").asText(SPACE))) {
                throw new TokenizerException(source + ": Metaspace replacement '" + pre.path("replacement").asText()
                        + "' is not supported; only \u2581 is");
            }
            if (prepend != HfBpe.Prepend.NEVER || replaceFrom != null) {
                throw new TokenizerException(source + ": both a Prepend/Replace normalizer and a Metaspace pre_tokenizer;"
                        + " the \u2581 would be added twice");
            }
            metaspace = true;
            split = pre.path("split").asBoolean(true);
            String scheme = pre.has("prepend_scheme") ? pre.path("prepend_scheme").asText()
                    : (pre.path("add_prefix_space").asBoolean(true) ? "always" : "never");
            prepend = switch (scheme) {
                case "first" -> HfBpe.Prepend.FIRST;
                case "always" -> HfBpe.Prepend.ALWAYS;
                case "never" -> HfBpe.Prepend.NEVER;
                default -> throw new TokenizerException(source + ": Metaspace prepend_scheme '" + scheme + "' is unknown");
            };
        } else if (!pre.isNull() && !pre.isMissingNode()) {
            throw new TokenizerException(source + ": pre_tokenizer is not an object");
        }

        List<Tokenizer.Literal> special = new ArrayList<>();
        List<Tokenizer.Literal> always = new ArrayList<>();
        for (Added a : added) {
            Tokenizer.Literal lit = new Tokenizer.Literal(a.content(), a.id(), a.lstrip(), a.rstrip());
            (a.special() ? special : always).add(lit);
        }
        HfBpe encoder = new HfBpe(vocab, inModel, merges, prepend, replaceFrom, replaceTo, metaspace, split, ignoreMerges,
                byteFallback, vocab.unkId());
        return new Loaded(vocab, encoder, special, always, prepend != HfBpe.Prepend.NEVER);
    }

    private static int id(JsonNode node, String where, String source) {
        if (!node.canConvertToInt() || !node.isIntegralNumber() || node.asInt() < 0) {
            throw new TokenizerException(source + ": " + where + " has no valid id (" + node + ")");
        }
        return node.asInt();
    }

    /** Merges as {left, right, merged} ids, in rank order; both "a b" and ["a", "b"] forms. */
    private static int[][] merges(JsonNode node, Vocabulary vocab, boolean[] inModel, String source) {
        if (!node.isArray()) {
            throw new TokenizerException(source + ": model.merges is missing or not an array");
        }
        int[][] out = new int[node.size()][];
        int i = 0;
        for (JsonNode m : node) {
            String left;
            String right;
            if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ');
                if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
                    throw new TokenizerException(source + ": merge " + i + " '" + s + "' is not two tokens separated by one space");
                }
                left = s.substring(0, sp);
                right = s.substring(sp + 1);
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual() && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw new TokenizerException(source + ": merge " + i + " is neither \"a b\" nor [\"a\", \"b\"]: " + m);
            }
            int l = modelId(vocab, inModel, left);
            int r = modelId(vocab, inModel, right);
            int merged = modelId(vocab, inModel, left + right);
            if (l < 0 || r < 0 || merged < 0) {
                throw new TokenizerException(source + ": merge " + i + " (" + left + " + " + right
                        + ") uses a token that is not in model.vocab");
            }
            out[i++] = new int[] {l, r, merged};
        }
        return out;
    }

    private static int modelId(Vocabulary vocab, boolean[] inModel, String piece) {
        int id = vocab.find(piece);
        return id >= 0 && inModel[id] ? id : -1;
    }

    /** Whether a pre-tokenizer or decoder, or one in its sequence, has this {@code type}. */
    private static boolean hasType(JsonNode node, String type) {
        if (type.equals(node.path("type").asText())) return true;
        for (String list : new String[] {"pretokenizers", "decoders"}) {
            for (JsonNode child : node.path(list)) {
                if (hasType(child, type)) return true;
            }
        }
        return false;
    }
}
