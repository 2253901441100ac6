package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding against SentencePiece, and streaming decoding against full decoding. */
class DecodeTest {

    /** Random id sequences (control, unk, byte and ▁ pieces mixed) with sp.decode's text. */
    @Test
    void randomIdSequencesDecodeLikeSentencePiece() {
        List<String> failures = new ArrayList<>();
        List<JsonNode> cases = Fixtures.jsonl("corpus/decode_cases.jsonl.gz");
        assertTrue(cases.size() >= 3000);
        for (JsonNode c : cases) {
            Tokenizer t = Fixtures.byName(c.get("m").asText());
            int[] ids = Fixtures.ints(c.get("ids"));
            String expected = c.get("d").asText();
            String actual = t.decode(ids);
            if (!expected.equals(actual)) {
                failures.add(c.get("m").asText() + " " + Arrays.toString(ids) + " " + t.pieces(ids) + "\n  expected "
                        + Fixtures.JSON.valueToTree(expected) + "\n  actual   " + Fixtures.JSON.valueToTree(actual));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " differ:\n" + String.join("\n", failures.subList(0,
                Math.min(10, failures.size()))));
    }

    @Test
    void leadingSpaceHandledLikeSentencePiece() {
        Tokenizer llama = Fixtures.llama2();
        assertEquals("Hello", llama.decode(15043));
        assertEquals("Hello", llama.decode(1, 15043), "the ▁ after BOS is dropped");
        assertEquals(" ", llama.decode(29871, 29871), "only the first ▁ is the dummy prefix");
        assertEquals("", llama.decode(1, 2, 29871));
        assertEquals(" \u2047  ", llama.decode(1, 0, 29871));
        Tokenizer stories = Fixtures.stories();
        assertEquals("", stories.decode(410, 410), "remove_extra_whitespaces keeps dropping leading ▁");
    }

    @Test
    void streamingHoldsBackIncompleteCharacters() {
        Tokenizer t = Fixtures.llama2();
        int[] smile = t.encode("\uD83D\uDE00"); // ▁ then four byte pieces
        assertEquals(5, smile.length);
        StreamingDecoder d = t.streamingDecoder();
        assertEquals("", d.accept(smile[0]));
        assertEquals("", d.accept(smile[1]));
        assertTrue(d.hasPendingBytes());
        assertEquals("", d.accept(smile[2]));
        assertEquals("", d.accept(smile[3]));
        assertEquals("\uD83D\uDE00", d.accept(smile[4]));
        assertEquals("", d.finish());
        // an incomplete character at the end of the stream is U+FFFD per byte, as sp.decode
        StreamingDecoder e = t.streamingDecoder();
        assertEquals("", e.accept(smile[1], smile[2]));
        assertEquals("\uFFFD\uFFFD", e.finish());
        assertEquals("\uFFFD\uFFFD", t.decode(smile[1], smile[2]));
        // a non-byte piece ends the run: the held bytes are malformed
        StreamingDecoder f = t.streamingDecoder();
        assertEquals("", f.accept(smile[1]));
        assertEquals("\uFFFD world", f.accept(3186));
    }

    /** For every corpus entry, fed one id at a time: the chunks concatenate to decode(ids). */
    @Test
    void streamingEqualsFullDecodeOnTheCorpora() {
        for (String name : List.of("llama2", "stories260K")) {
            Tokenizer t = Fixtures.byName(name);
            for (Fixtures.Entry e : Fixtures.corpus("corpus/" + name + "_corpus.jsonl.gz")) {
                checkStreaming(t, e.ids());
            }
        }
        for (JsonNode c : Fixtures.jsonl("corpus/decode_cases.jsonl.gz")) {
            checkStreaming(Fixtures.byName(c.get("m").asText()), Fixtures.ints(c.get("ids")));
        }
    }

    private static void checkStreaming(Tokenizer t, int[] ids) {
        String full = t.decode(ids);
        StreamingDecoder d = t.streamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            String chunk = d.accept(id);
            if (!chunk.isEmpty()) {
                assertTrue(!Character.isHighSurrogate(chunk.charAt(chunk.length() - 1)), "split surrogate pair");
            }
            if (!full.startsWith(chunk, sb.length())) {
                throw new AssertionError("streamed text is not a prefix of decode " + Arrays.toString(ids));
            }
            sb.append(chunk);
        }
        sb.append(d.finish());
        assertEquals(full, sb.toString(), () -> Arrays.toString(ids));
    }

    @Test
    void theOutputDecoderSkipsIdsPastTheLastPiece() {
        // A checkpoint may pad its embedding past the tokenizer; the ids its model picks there spell
        // nothing (decode itself stays strict, below). Negative ids are errors either way.
        Tokenizer t = Fixtures.llama2();
        assertEquals("Hello world", t.decodeOutput(15043, 32000, 3186, 40000));
        StreamingDecoder d = t.outputDecoder();
        assertEquals("Hello", d.accept(15043) + d.accept(32005));
        assertThrows(TokenizerException.class, () -> t.decodeOutput(-1));
    }

    @Test
    void outOfRangeIdsAreCleanErrors() {
        Tokenizer t = Fixtures.llama2();
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.decode(15043, 32000));
        assertTrue(e.getMessage().contains("32000"), e.getMessage());
        assertThrows(TokenizerException.class, () -> t.decode(-1));
        assertThrows(TokenizerException.class, () -> t.piece(99999));
        assertThrows(TokenizerException.class, () -> t.streamingDecoder().accept(Integer.MIN_VALUE));
    }
}
