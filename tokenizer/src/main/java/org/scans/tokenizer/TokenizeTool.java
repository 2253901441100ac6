package org.scans.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * The behaviour of {@code scans tokenize}, so that the CLI is a thin wrapper. Other tools
 * drive this interface; keep it exactly so:
 * <ul>
 * <li>{@code --jsonl}: each input line is a JSON object {@code {"text": "..."}}; for each,
 * in order, one output line {@code {"ids":[...],"pieces":[...],"decoded":"..."}} where
 * {@code decoded} is the decode of {@code ids}. Blank lines are skipped. Each output line is
 * flushed, so a tool can talk to the process line by line.</li>
 * <li>Without {@code bos} and {@code special} the ids equal {@code sp.encode(text)}.</li>
 * </ul>
 */
public final class TokenizeTool {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private TokenizeTool() {
    }

    /** The output line (without newline) for one text. */
    public static String jsonLine(Tokenizer tokenizer, String text, boolean bos, boolean special) {
        int[] ids = tokenizer.encode(text, bos, special);
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = JSON.getFactory().createGenerator(sw)) {
            g.writeStartObject();
            g.writeArrayFieldStart("ids");
            for (int id : ids) {
                g.writeNumber(id);
            }
            g.writeEndArray();
            g.writeArrayFieldStart("pieces");
            for (int id : ids) {
                g.writeString(tokenizer.piece(id));
            }
            g.writeEndArray();
            g.writeStringField("decoded", tokenizer.decode(ids));
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw.toString();
    }

    /**
     * Runs {@code tokenize --jsonl} over characters.
     *
     * @return the number of lines written
     * @throws TokenizerException for a line that is not {@code {"text": string}} (naming the line)
     */
    public static int runJsonl(Tokenizer tokenizer, Reader in, Writer out, boolean bos, boolean special)
            throws IOException {
        BufferedReader r = in instanceof BufferedReader b ? b : new BufferedReader(in);
        int lineNo = 0;
        int written = 0;
        String line;
        while ((line = readLine(r, lineNo + 1)) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String text = text(line, lineNo);
            String result;
            try {
                result = jsonLine(tokenizer, text, bos, special);
            } catch (TokenizerException e) {
                throw new TokenizerException("input line " + lineNo + ": " + e.getMessage(), e);
            }
            out.write(result);
            out.write('\n');
            out.flush();
            written++;
        }
        return written;
    }

    /** As {@link #runJsonl(Tokenizer, Reader, Writer, boolean, boolean)} over UTF-8 bytes; malformed UTF-8 is an error. */
    public static int runJsonl(Tokenizer tokenizer, InputStream in, OutputStream out, boolean bos, boolean special)
            throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        int n = runJsonl(tokenizer, new BufferedReader(new InputStreamReader(in, decoder)), w, bos, special);
        w.flush();
        return n;
    }

    private static String readLine(BufferedReader r, int lineNo) throws IOException {
        try {
            return r.readLine();
        } catch (CharacterCodingException e) {
            throw new TokenizerException("input line " + lineNo + " is not valid UTF-8", e);
        }
    }

    private static String text(String line, int lineNo) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new TokenizerException("input line " + lineNo + " is not valid JSON: " + JsonMessages.brief(e), e);
        }
        if (node == null || !node.isObject() || !node.path("text").isTextual()) {
            throw new TokenizerException("input line " + lineNo + ": expected a JSON object {\"text\": \"...\"}");
        }
        return node.get("text").asText();
    }
}
