package org.scans.chat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Lines of UTF-8 text from a byte stream, decoded strictly: a line that is not valid UTF-8 is
 * reported ({@link Malformed}) and skipped, where a lenient reader would hand the model U+FFFD
 * characters that nobody typed. Lines end at {@code \n}, {@code \r\n} or the end of input.
 */
public final class Utf8Lines {
    private final InputStream in;
    private boolean ended;

    public Utf8Lines(InputStream in) {
        this.in = in;
    }

    /** A line whose bytes are not UTF-8; the reader has moved past it. */
    public static final class Malformed extends IOException {
        Malformed(String message) {
            super(message);
        }
    }

    /** The next line without its terminator, or null at the end of input. */
    public String readLine() throws IOException {
        if (ended) return null;
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') line.write(b);
        if (b == -1) {
            ended = true;
            if (line.size() == 0) return null;
        }
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("the line is not valid UTF-8 text; it was not sent");
        }
    }
}
