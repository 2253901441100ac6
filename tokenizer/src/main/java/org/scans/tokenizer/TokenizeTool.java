package org.scans.tokenizer;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
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
        return run(tokenizer, lineNo -> r.readLine(), out, bos, special);
    }

    /**
     * As {@link #runJsonl(Tokenizer, Reader, Writer, boolean, boolean)} over UTF-8 bytes; a line
     * that is not valid UTF-8 is an error naming that line, after the lines before it are answered.
     */
    public static int runJsonl(Tokenizer tokenizer, InputStream in, OutputStream out, boolean bos, boolean special)
            throws IOException {
        Writer w = new OutputStreamWriter(out, StandardCharsets.UTF_8);
        ByteLines lines = new ByteLines(in);
        int n = run(tokenizer, lineNo -> {
            byte[] line = lines.next();
            return line == null ? null : Utf8.decodeStrict(line, "input line " + lineNo);
        }, w, bos, special);
        w.flush();
        return n;
    }

    /** The next input line without its terminator, or null at the end. */
    private interface LineSource {
        String next(int lineNo) throws IOException;
    }

    private static int run(Tokenizer tokenizer, LineSource lines, Writer out, boolean bos, boolean special)
            throws IOException {
        int lineNo = 0;
        int written = 0;
        String line;
        while ((line = lines.next(lineNo + 1)) != null) {
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

    /**
     * Lines of a byte stream, split where {@link BufferedReader#readLine} splits ({@code \n},
     * {@code \r}, {@code \r\n}) but kept as bytes until their own turn. A decoding reader
     * decodes a whole buffer ahead, so a malformed byte on line 1001 failed the read of line 964,
     * with that line's number and no answers for the good lines before it. The terminators are
     * ASCII and never occur inside a multi-byte character, so splitting bytes is safe.
     */
    private static final class ByteLines {
        private final InputStream in;
        private final byte[] buf = new byte[1 << 16];
        private int pos;
        private int limit;
        private boolean skipLf; // a \r ended the last line: a \n right after it belongs to it
        private boolean ended;

        ByteLines(InputStream in) {
            this.in = in;
        }

        byte[] next() throws IOException {
            Normalizer.ByteSink line = new Normalizer.ByteSink(128);
            boolean any = false;
            while (true) {
                if (pos == limit) {
                    // read() returns what is there: a tool talking line by line is answered at once
                    int n = ended ? -1 : in.read(buf);
                    if (n < 0) {
                        ended = true;
                        return any ? line.toArray() : null;
                    }
                    pos = 0;
                    limit = n;
                    continue;
                }
                byte b = buf[pos++];
                if (skipLf) {
                    skipLf = false;
                    if (b == '\n') {
                        continue;
                    }
                }
                if (b == '\n' || b == '\r') {
                    skipLf = b == '\r';
                    return line.toArray();
                }
                line.add(b);
                any = true;
            }
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
