package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code tokenize --jsonl}: the exact interface other tools drive. */
class TokenizeToolTest {

    private static List<String> run(String input, boolean bos, boolean special) throws Exception {
        StringWriter out = new StringWriter();
        TokenizeTool.runJsonl(Fixtures.llama2(), new StringReader(input), out, bos, special);
        return out.toString().lines().toList();
    }

    @Test
    void oneOutputLinePerInputInOrder() throws Exception {
        List<String> lines = run("{\"text\": \"Hello world\"}\n\n{\"text\": \"\\t\\ttabs\\nnewline\"}\n{\"text\": \"\"}\n",
                false, false);
        assertEquals(List.of(
                "{\"ids\":[15043,3186],\"pieces\":[\"\u2581Hello\",\"\u2581world\"],\"decoded\":\"Hello world\"}",
                "{\"ids\":[29871,12,12,21175,13,1482,1220],\"pieces\":[\"\u2581\",\"<0x09>\",\"<0x09>\",\"tabs\",\"<0x0A>\","
                        + "\"new\",\"line\"],\"decoded\":\"\\t\\ttabs\\nnewline\"}",
                "{\"ids\":[],\"pieces\":[],\"decoded\":\"\"}"), lines);
    }

    @Test
    void bosAndSpecial() throws Exception {
        String in = "{\"text\": \"<s>[INST] hi [/INST]\"}\n";
        JsonNode plain = Fixtures.JSON.readTree(run(in, false, false).get(0));
        JsonNode special = Fixtures.JSON.readTree(run(in, false, true).get(0));
        JsonNode bos = Fixtures.JSON.readTree(run("{\"text\": \"Sure\"}", true, false).get(0));
        assertArrayEquals(new int[] {529, 29879}, java.util.Arrays.copyOf(Fixtures.ints(plain.get("ids")), 2));
        assertEquals("<s>[INST] hi [/INST]", plain.get("decoded").asText());
        assertEquals(1, special.get("ids").get(0).asInt());
        assertEquals(518, special.get("ids").get(1).asInt());
        assertEquals("[INST] hi [/INST]", special.get("decoded").asText(), "control pieces decode to nothing");
        assertArrayEquals(new int[] {1, 18585}, Fixtures.ints(bos.get("ids")));
        assertEquals("<s>", bos.get("pieces").get(0).asText());
    }

    /** Without --bos and --special the ids are sp.encode(text): the 23 reference vectors through the tool. */
    @Test
    void idsEqualSentencePieceEncode() throws Exception {
        StringBuilder in = new StringBuilder();
        JsonNode vectors = Fixtures.JSON.readTree(Fixtures.bytes("reference/llama2_tokenizer_sentencepiece_vectors.json"));
        for (JsonNode v : vectors) {
            in.append(Fixtures.JSON.writeValueAsString(java.util.Map.of("text", v.get("text").asText()))).append('\n');
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int n = TokenizeTool.runJsonl(Fixtures.llama2(), new ByteArrayInputStream(in.toString().getBytes(StandardCharsets.UTF_8)),
                out, false, false);
        assertEquals(vectors.size(), n);
        List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
        for (int i = 0; i < vectors.size(); i++) {
            JsonNode r = Fixtures.JSON.readTree(lines.get(i));
            assertEquals(vectors.get(i).get("ids"), r.get("ids"));
            assertEquals(vectors.get(i).get("pieces"), r.get("pieces"));
        }
    }

    @Test
    void badLinesAreCleanErrorsNamingTheLine() {
        TokenizerException e = assertThrows(TokenizerException.class, () -> run("{\"text\": \"a\"}\n{\"txt\": 1}\n", false, false));
        assertTrue(e.getMessage().startsWith("input line 2"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> run("not json\n", false, false));
        assertTrue(e.getMessage().startsWith("input line 1 is not valid JSON"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> run("{\"text\": \"a\"} trailing\n", false, false));
        assertTrue(e.getMessage().startsWith("input line 1"), e.getMessage());
        e = assertThrows(TokenizerException.class, () -> run("{\"text\": \"a\"} {\"x\": 1}\n", false, false));
        assertEquals("input line 1 is not valid JSON: text after the JSON value", e.getMessage());
        e = assertThrows(TokenizerException.class, () -> run("{\"text\": \"\\ud800\"}\n", false, false));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("surrogate"), e.getMessage());
        byte[] badUtf8 = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xFF, '"', '}', '\n'};
        e = assertThrows(TokenizerException.class, () -> TokenizeTool.runJsonl(Fixtures.llama2(),
                new ByteArrayInputStream(badUtf8), new ByteArrayOutputStream(), false, false));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
    }

    @Test
    void malformedUtf8IsBlamedOnItsOwnLineAfterTheLinesBeforeAreAnswered() {
        // More good lines than a decoding reader reads ahead (8 KiB), then the bad one.
        ByteArrayOutputStream in = new ByteArrayOutputStream();
        for (int i = 0; i < 1000; i++) {
            in.writeBytes("{\"text\": \"hello\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        in.writeBytes(new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', 'c', 'a', 'f', (byte) 0xE9, '"', '}', '\n'});
        in.writeBytes("{\"text\": \"not reached\"}\n".getBytes(StandardCharsets.UTF_8));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TokenizerException e = assertThrows(TokenizerException.class, () -> TokenizeTool.runJsonl(Fixtures.llama2(),
                new ByteArrayInputStream(in.toByteArray()), out, false, false));
        assertEquals("input line 1001 is not valid UTF-8: malformed byte sequence at byte offset 12", e.getMessage());
        assertEquals(1000, out.toString(StandardCharsets.UTF_8).lines().count());
    }

    @Test
    void bytesSplitIntoLinesAsReadLineDoesAndEachIsAnsweredBeforeTheNextIsRead() throws Exception {
        byte[] text = "{\"text\": \"a\"}\r{\"text\": \"b\"}\r\n\r\n{\"text\": \"caf\u00e9\"}\n{\"text\": \"d\"}"
                .getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // Hands out one byte per read and checks that every line before the current one is answered:
        // a tool that writes a line and waits for its answer must not wait on read-ahead.
        java.io.InputStream oneByteAtATime = new java.io.InputStream() {
            int pos;
            int linesEnded; // lines with text whose terminator has been handed out

            @Override
            public int read() {
                throw new AssertionError("read(byte[]) only");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                long answered = out.toString(StandardCharsets.UTF_8).lines().count();
                // past the end, the unterminated last line may have been answered too
                boolean ok = answered == linesEnded || (pos == text.length && answered == linesEnded + 1);
                assertTrue(ok, "answered " + answered + " lines of " + linesEnded + " at byte " + pos);
                if (pos == text.length) return -1;
                b[off] = text[pos++];
                if ((b[off] == '\n' || b[off] == '\r') && pos >= 2 && text[pos - 2] == '}') linesEnded++;
                return 1;
            }
        };
        assertEquals(4, TokenizeTool.runJsonl(Fixtures.llama2(), oneByteAtATime, out, false, false));
        List<String> decoded = new java.util.ArrayList<>();
        for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
            decoded.add(Fixtures.JSON.readTree(line).get("decoded").asText());
        }
        assertEquals(List.of("a", "b", "caf\u00e9", "d"), decoded);
    }

    @Test
    void jsonLineForASingleText() {
        assertEquals("{\"ids\":[1,15043],\"pieces\":[\"<s>\",\"\u2581Hello\"],\"decoded\":\"Hello\"}",
                TokenizeTool.jsonLine(Fixtures.llama2(), "Hello", true, false));
    }
}
