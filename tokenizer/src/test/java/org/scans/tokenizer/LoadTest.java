package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading from directories and files, and the errors for files we cannot use. */
class LoadTest {
    @TempDir
    Path dir;

    private Path write(String name, byte[] bytes) throws Exception {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p;
    }

    private static byte[] llamaJson() {
        return Fixtures.bytes("models/llama2-json/tokenizer.json.gz");
    }

    private static ObjectNode tree;

    /** A fresh copy of the Llama-2 tokenizer.json tree to edit. */
    private static synchronized ObjectNode llamaJsonTree() throws Exception {
        if (tree == null) {
            tree = (ObjectNode) Fixtures.JSON.readTree(llamaJson());
        }
        return tree.deepCopy();
    }

    @Test
    void checkpointDirectoryWithEitherOrBothFiles() throws Exception {
        write("model-only/tokenizer.model", Fixtures.bytes("models/llama2/tokenizer.model"));
        write("json-only/tokenizer.json", llamaJson());
        write("both/tokenizer.model", Fixtures.bytes("models/llama2/tokenizer.model"));
        write("both/tokenizer.json", llamaJson());
        String text = "<s>[INST] How can I kill a Python process? [/INST] Sure";
        int[] expected = Fixtures.llama2().encode(text, true);
        for (String d : new String[] {"model-only", "json-only", "both"}) {
            Tokenizer t = Tokenizer.load(dir.resolve(d));
            assertArrayEquals(expected, t.encode(text, true), d);
            assertEquals(32000, t.vocabSize());
        }
        assertTrue(Tokenizer.load(dir.resolve("both")).source().endsWith("tokenizer.model"));
        assertArrayEquals(expected, Tokenizer.load(dir.resolve("json-only/tokenizer.json")).encode(text, true));
        assertArrayEquals(expected, Tokenizer.load(dir.resolve("model-only/tokenizer.model")).encode(text, true));
    }

    @Test
    void bothFilesDisagreeingIsAnError() throws Exception {
        write("mixed/tokenizer.model", Fixtures.bytes("models/stories260K/tokenizer.model"));
        write("mixed/tokenizer.json", llamaJson());
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir.resolve("mixed")));
        assertTrue(e.getMessage().contains("disagree on the vocabulary") && e.getMessage().contains("id 259"),
                e.getMessage());

        ObjectNode tree = llamaJsonTree();
        ArrayNode added = (ArrayNode) tree.get("added_tokens");
        added.addObject().put("id", 32000).put("content", "<pad>").put("special", true);
        write("padded/tokenizer.model", Fixtures.bytes("models/llama2/tokenizer.model"));
        write("padded/tokenizer.json", Fixtures.JSON.writeValueAsBytes(tree));
        // A fine-tune's <pad> added on top of the SentencePiece model: tokenizer.json, as transformers reads it.
        Tokenizer padded = Tokenizer.load(dir.resolve("padded"));
        assertTrue(padded.source().endsWith("tokenizer.json"), padded.source());
        assertEquals(32001, padded.vocabSize());
        String text = "<s>[INST] How can I kill a Python process? [/INST] Sure<pad>";
        int[] expected = Fixtures.llama2().encode(text.replace("<pad>", ""), true);
        int[] withPad = Arrays.copyOf(expected, expected.length + 1);
        withPad[expected.length] = 32000;
        assertArrayEquals(withPad, padded.encode(text, true));
    }

    @Test
    void byteLevelBpeIsNamedInItsRefusal() throws Exception {
        ObjectNode tree = llamaJsonTree();
        tree.putObject("pre_tokenizer").put("type", "Sequence").putArray("pretokenizers").addObject().put("type", "ByteLevel");
        Path p = write("llama3/tokenizer.json", Fixtures.JSON.writeValueAsBytes(tree));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(p));
        assertTrue(e.getMessage().contains("byte-level BPE"), e.getMessage());
    }

    @Test
    void missingAndEmptyPaths() throws Exception {
        Files.createDirectories(dir.resolve("empty"));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir.resolve("empty")));
        assertTrue(e.getMessage().contains("no tokenizer.model or tokenizer.json"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir.resolve("nope")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
        Path empty = write("zero/tokenizer.model", new byte[0]);
        e = assertThrows(TokenizerException.class, () -> Tokenizer.load(empty));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty file"), e.getMessage());
        // A model's config.json given as the tokenizer: named for what it is not.
        Path config = write("config/config.json", "{\"model_type\": \"llama\", \"vocab_size\": 32000}".getBytes(StandardCharsets.UTF_8));
        e = assertThrows(TokenizerException.class, () -> Tokenizer.load(config));
        assertEquals(config + ": not a tokenizer.json (no \"model\" object)", e.getMessage());
    }

    @Test
    void truncatedAndCorruptedModels() throws Exception {
        byte[] good = Fixtures.bytes("models/llama2/tokenizer.model");
        Path cut = write("cut/tokenizer.model", Arrays.copyOf(good, good.length / 2));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(cut));
        assertTrue(e.getMessage().startsWith(cut.toString()) && e.getMessage().contains("truncated"), e.getMessage());

        byte[] bad = good.clone();
        bad[0] = (byte) 0x0F; // field 1 with wire type 7
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromSentencePiece(bad, "bad.model"));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());

        e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromSentencePiece("not a model at all".getBytes(StandardCharsets.UTF_8), "text.model"));
        assertTrue(e.getMessage().startsWith("text.model: "), e.getMessage());
    }

    @Test
    void emptyVocabularyAndUnsupportedModelTypes() {
        // a ModelProto with a trainer spec (model_type BPE) and no pieces
        byte[] noPieces = {0x12, 0x02, 0x18, 0x02};
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromSentencePiece(noPieces, "np.model"));
        assertTrue(e.getMessage().contains("vocabulary is empty"), e.getMessage());
        // one piece, unigram (the proto default model type)
        byte[] unigram = {0x0A, 0x07, 0x0A, 0x05, '<', 'u', 'n', 'k', '>'};
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromSentencePiece(unigram, "u.model"));
        assertTrue(e.getMessage().contains("unigram") && e.getMessage().contains("only BPE"), e.getMessage());
        // BPE with one NORMAL piece and no unknown piece
        byte[] noUnk = {0x0A, 0x03, 0x0A, 0x01, 'a', 0x12, 0x02, 0x18, 0x02};
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromSentencePiece(noUnk, "nu.model"));
        assertTrue(e.getMessage().contains("no unknown piece"), e.getMessage());
    }

    @Test
    void unsupportedTokenizerJson() throws Exception {
        for (String type : new String[] {"Unigram", "WordPiece", "WordLevel"}) {
            ObjectNode tree = llamaJsonTree();
            ((ObjectNode) tree.get("model")).put("type", type);
            TokenizerException e = assertThrows(TokenizerException.class,
                    () -> Tokenizer.fromHuggingFaceJson(Fixtures.JSON.writeValueAsBytes(tree), "t.json"));
            assertTrue(e.getMessage().contains("model type '" + type + "' is not supported"), e.getMessage());
        }
        ObjectNode byteLevel = llamaJsonTree();
        byteLevel.putObject("pre_tokenizer").put("type", "ByteLevel");
        TokenizerException e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromHuggingFaceJson(Fixtures.JSON.writeValueAsBytes(byteLevel), "t.json"));
        assertTrue(e.getMessage().contains("byte-level BPE (the GPT-2 / Llama 3 kind)"), e.getMessage());

        ObjectNode empty = llamaJsonTree();
        ((ObjectNode) empty.get("model")).putObject("vocab");
        e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromHuggingFaceJson(Fixtures.JSON.writeValueAsBytes(empty), "t.json"));
        assertTrue(e.getMessage().contains("vocabulary is empty"), e.getMessage());

        e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromHuggingFaceJson("{\"model\": ".getBytes(StandardCharsets.UTF_8), "t.json"));
        assertTrue(e.getMessage().startsWith("t.json: not valid JSON"), e.getMessage());
        // An unclosed object: Jackson's message carries its redacted source and a setting's name.
        e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromHuggingFaceJson("{\"model\": {}".getBytes(StandardCharsets.UTF_8), "t.json"));
        assertEquals("t.json: not valid JSON: Unexpected end-of-input: expected close marker for Object", e.getMessage());

        ObjectNode nfkc = llamaJsonTree();
        nfkc.putObject("normalizer").put("type", "NFKC");
        e = assertThrows(TokenizerException.class,
                () -> Tokenizer.fromHuggingFaceJson(Fixtures.JSON.writeValueAsBytes(nfkc), "t.json"));
        assertTrue(e.getMessage().contains("normalizer 'NFKC' is not supported"), e.getMessage());
    }

    @Test
    void idsOutsideTheVocabularyAreRefusedByName() throws Exception {
        // Once sized by the largest id: 1500000000 ran out of memory, 2^31 - 1 made a negative size.
        for (String big : new String[] {"1500000000", "2147483647", "3"}) {
            byte[] json = tinyJson("{\"<unk>\": 0, \"h\": 1, \"x\": " + big + "}", "[]");
            TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(json, "t.json"));
            assertEquals("t.json: model.vocab token 'x' has id " + big + ", but there are only 3 tokens"
                    + " (model.vocab and added_tokens; ids must be dense 0..2)", e.getMessage());
        }
        byte[] addedBig = tinyJson("{\"<unk>\": 0, \"h\": 1}", "[{\"id\": 1500000000, \"content\": \"<s>\", \"special\": true}]");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(addedBig, "t.json"));
        assertTrue(e.getMessage().startsWith("t.json: added token '<s>' has id 1500000000, but there are only 3 tokens"), e.getMessage());
        for (String bad : new String[] {"-1", "2147483648", "1.5", "\"1\""}) {
            byte[] json = tinyJson("{\"<unk>\": 0, \"x\": " + bad + "}", "[]");
            e = assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(json, "t.json"));
            assertEquals("t.json: model.vocab[\"x\"] has no valid id (" + bad + ")", e.getMessage());
        }
        byte[] addedNegative = tinyJson("{\"<unk>\": 0}", "[{\"id\": -1, \"content\": \"<s>\"}]");
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromHuggingFaceJson(addedNegative, "t.json"));
        assertEquals("t.json: added token '<s>' has no valid id (-1)", e.getMessage());
        // Added tokens past the model's vocab, dense over both, are still read.
        Tokenizer t = Tokenizer.fromHuggingFaceJson(tinyJson("{\"<unk>\": 0, \"h\": 1, \"i\": 2, \"\u2581\": 3}",
                "[{\"id\": 4, \"content\": \"<s>\", \"special\": true}, {\"id\": 5, \"content\": \"</s>\", \"special\": true}]"),
                "t.json");
        assertArrayEquals(new int[] {3, 1, 2}, t.encode("hi"));
        assertEquals(6, t.vocabSize());
    }

    /** A minimal Llama-style tokenizer.json with this vocab and these added tokens. */
    private static byte[] tinyJson(String vocab, String added) {
        return ("{\"added_tokens\": " + added + ", \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": ["
                + "{\"type\": \"Prepend\", \"prepend\": \"\u2581\"}, {\"type\": \"Replace\", \"pattern\": {\"String\": \" \"},"
                + " \"content\": \"\u2581\"}]}, \"pre_tokenizer\": null, \"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\","
                + " \"fuse_unk\": true, \"byte_fallback\": false, \"vocab\": " + vocab + ", \"merges\": []}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The newer layout (transformers' LlamaConverter with legacy=False): no normalizer, a
     * Metaspace pre-tokenizer with prepend_scheme "first" and split false. The ▁ is added only
     * at the start of the input and only when the text does not start with a space, so text
     * after a special token gets no dummy prefix.
     */
    @Test
    void metaspacePrependFirstVariant() throws Exception {
        ObjectNode tree = llamaJsonTree();
        tree.putNull("normalizer");
        tree.putObject("pre_tokenizer").put("type", "Metaspace").put("replacement", "\u2581")
                .put("prepend_scheme", "first").put("split", false);
        Tokenizer t = Tokenizer.fromHuggingFaceJson(Fixtures.JSON.writeValueAsBytes(tree), "metaspace.json");
        Tokenizer sp = Fixtures.llama2();
        for (Fixtures.Entry e : Fixtures.corpus("corpus/llama2_corpus.jsonl.gz")) {
            String text = e.text();
            if (!e.special() && !text.startsWith(" ") && !text.startsWith("\u2581") && !text.isEmpty()) {
                assertArrayEquals(e.ids(), t.encode(text, e.bos(), false), text);
            }
        }
        assertArrayEquals(new int[] {15043}, t.encode(" Hello"));
        assertArrayEquals(new int[] {29871, 15043}, sp.encode(" Hello"));
        assertArrayEquals(new int[] {1, 29961, 25580, 29962}, t.encode("<s>[INST]", true));
        assertArrayEquals(new int[] {1, 518, 25580, 29962}, sp.encode("<s>[INST]", true));
    }
}
