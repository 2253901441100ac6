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
    /** Longer lines are refused: a binary or newline-free file piped in would otherwise fill the heap. */
    static final int MAX_LINE_BYTES = 1 << 20;

    private final InputStream in;
    private boolean ended;
    private boolean first = true;

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
        boolean tooLong = false;
        while ((b = in.read()) != -1 && b != '\n') {
            if (line.size() < MAX_LINE_BYTES) line.write(b);
            else tooLong = true; // read on to the line's end, keeping nothing more
        }
        if (b == -1) {
            ended = true;
            if (line.size() == 0) return null;
        }
        boolean firstLine = first;
        first = false;
        if (tooLong) throw new Malformed("the line is longer than " + (MAX_LINE_BYTES >> 20) + " MiB; it was not sent");
        byte[] bytes = line.toByteArray();
        int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes, 0, n)).toString();
        } catch (CharacterCodingException e) {
            throw new Malformed("the line is not valid UTF-8 text; it was not sent");
        }
        // A byte-order mark some editors put first is no part of the text (a first "/steer on" stays a command).
        return firstLine && text.startsWith("\uFEFF") ? text.substring(1) : text;
    }
}
