package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The golden vectors from ../shared/models/reference (copied into test resources). */
class ReferenceVectorsTest {

    private static List<JsonNode> vectors(String resource) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Fixtures.JSON.readTree(Fixtures.bytes(resource)).forEach(out::add);
        return out;
    }

    private static void check(Tokenizer t, String resource, int expectedCount) throws Exception {
        List<JsonNode> vs = vectors(resource);
        assertEquals(expectedCount, vs.size());
        for (JsonNode v : vs) {
            String text = v.get("text").asText();
            int[] ids = t.encode(text);
            assertArrayEquals(Fixtures.ints(v.get("ids")), ids, () -> "ids of " + v.get("text"));
            List<String> pieces = new ArrayList<>();
            v.get("pieces").forEach(p -> pieces.add(p.asText()));
            assertEquals(pieces, t.pieces(ids), () -> "pieces of " + v.get("text"));
            if (v.get("decoded_ok").asBoolean()) {
                assertEquals(text, t.decode(ids), () -> "decode of " + v.get("text"));
            } else {
                assertTrue(!text.equals(t.decode(ids)), () -> "decode of " + v.get("text") + " should differ");
            }
        }
    }

    @Test
    void llama2SentencePieceVectors() throws Exception {
        check(Fixtures.llama2(), "reference/llama2_tokenizer_sentencepiece_vectors.json", 23);
    }

    @Test
    void llama2VectorsThroughTokenizerJson() throws Exception {
        for (JsonNode v : vectors("reference/llama2_tokenizer_sentencepiece_vectors.json")) {
            assertArrayEquals(Fixtures.ints(v.get("ids")), Fixtures.llama2Json().encode(v.get("text").asText()),
                    () -> "ids of " + v.get("text"));
        }
    }

    @Test
    void stories260KVectors() throws Exception {
        check(Fixtures.stories(), "reference/stories260K_tokenizer_vectors.json", 314);
    }

    @Test
    void stories260KOnceUponATimeWithBos() {
        Tokenizer t = Fixtures.stories();
        assertEquals(512, t.vocabSize());
        assertArrayEquals(new int[] {1, 403, 407, 261, 378}, t.encode("Once upon a time", true, false));
        assertEquals(" \\342\\201\\207 ", t.decode(0), "the unk surface is the literal text of the model");
    }

    @Test
    void llama2SpecialIds() {
        Tokenizer t = Fixtures.llama2();
        assertEquals(32000, t.vocabSize());
        assertEquals(1, t.bos());
        assertEquals(2, t.eos());
        assertEquals(0, t.unk());
        assertEquals(-1, t.vocabulary().padId());
        assertEquals("\u2581Sure", t.piece(18585));
        assertEquals(PieceType.BYTE, t.vocabulary().type(3));
        assertEquals(PieceType.CONTROL, t.vocabulary().type(1));
    }

    @Test
    void plainModeSpellsControlLiteralsSpecialModeMapsThem() {
        Tokenizer t = Fixtures.llama2();
        assertArrayEquals(new int[] {529, 29879, 29958}, t.encode("<s>"));
        assertEquals(List.of("\u2581<", "s", ">"), t.pieces(t.encode("<s>")));
        assertArrayEquals(new int[] {1}, t.encode("<s>", true));
        assertArrayEquals(new int[] {1, 518}, java.util.Arrays.copyOf(t.encode("<s>[INST] hi", true), 2));
        assertArrayEquals(new int[] {2, 0, 1}, t.encode("</s><unk><s>", true));
        assertArrayEquals(new int[] {1, 1, 15043}, t.encode("<s>Hello", true, true));
    }
}
