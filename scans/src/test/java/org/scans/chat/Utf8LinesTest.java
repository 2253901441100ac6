package org.scans.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Utf8LinesTest {
    static Utf8Lines of(byte[] bytes) {
        return new Utf8Lines(new ByteArrayInputStream(bytes));
    }

    @Test
    void linesEndAtNewlinesCrLfAndTheEnd() throws IOException {
        Utf8Lines in = of("\uFEFF/steer on\r\ncafé\n\nlast".getBytes(StandardCharsets.UTF_8));
        assertEquals("/steer on", in.readLine(), "the byte-order mark is dropped, the CR too");
        assertEquals("café", in.readLine());
        assertEquals("", in.readLine());
        assertEquals("last", in.readLine());
        assertNull(in.readLine());
        assertNull(of(new byte[0]).readLine());
    }

    @Test
    void aMalformedOrOverlongLineIsRefusedAndReadingGoesOn() throws IOException {
        Utf8Lines in = of(new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n', 'o', 'k', '\n'});
        Utf8Lines.Malformed e = assertThrows(Utf8Lines.Malformed.class, in::readLine);
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        assertEquals("ok", in.readLine());
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        big.writeBytes("x".repeat(Utf8Lines.MAX_LINE_BYTES + 10).getBytes(StandardCharsets.UTF_8));
        big.writeBytes("\nafter\n".getBytes(StandardCharsets.UTF_8));
        Utf8Lines long_ = of(big.toByteArray());
        assertTrue(assertThrows(Utf8Lines.Malformed.class, long_::readLine).getMessage().contains("longer than 1 MiB"));
        assertEquals("after", long_.readLine());
    }
}
