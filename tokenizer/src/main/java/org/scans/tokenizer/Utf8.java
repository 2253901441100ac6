package org.scans.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** UTF-8 the way SentencePiece reads it ({@code string_util::DecodeUTF8}), and strict conversions. */
final class Utf8 {
    private Utf8() {
    }

    /** Bytes SentencePiece expects for the character that starts with {@code lead} (1 for stray bytes). */
    static int expectedLength(int lead) {
        lead &= 0xFF;
        if (lead < 0x80) {
            return 1;
        } else if ((lead & 0xE0) == 0xC0) {
            return 2;
        } else if ((lead & 0xF0) == 0xE0) {
            return 3;
        } else if ((lead & 0xF8) == 0xF0) {
            return 4;
        }
        return 1;
    }

    /**
     * The code point of the well-formed character at {@code pos} (shortest form, not a surrogate,
     * at most U+10FFFF), or -1 when SentencePiece would call it malformed and consume one byte.
     */
    static int decode(byte[] b, int pos, int end) {
        int b0 = b[pos] & 0xFF;
        int len = end - pos;
        if (b0 < 0x80) {
            return b0;
        } else if (len >= 2 && (b0 & 0xE0) == 0xC0) {
            int cp = (b0 & 0x1F) << 6 | (b[pos + 1] & 0x3F);
            if (trail(b[pos + 1]) && cp >= 0x80) {
                return cp;
            }
        } else if (len >= 3 && (b0 & 0xF0) == 0xE0) {
            int cp = (b0 & 0x0F) << 12 | (b[pos + 1] & 0x3F) << 6 | (b[pos + 2] & 0x3F);
            if (trail(b[pos + 1]) && trail(b[pos + 2]) && cp >= 0x800 && validCodePoint(cp)) {
                return cp;
            }
        } else if (len >= 4 && (b0 & 0xF8) == 0xF0) {
            int cp = (b0 & 0x07) << 18 | (b[pos + 1] & 0x3F) << 12 | (b[pos + 2] & 0x3F) << 6 | (b[pos + 3] & 0x3F);
            if (trail(b[pos + 1]) && trail(b[pos + 2]) && trail(b[pos + 3]) && cp >= 0x10000
                    && validCodePoint(cp)) {
                return cp;
            }
        }
        return -1;
    }

    /** Length of the well-formed character at {@code pos}, or 0 if malformed. */
    static int validCharLength(byte[] b, int pos, int end) {
        return decode(b, pos, end) < 0 ? 0 : expectedLength(b[pos]);
    }

    private static boolean trail(byte x) {
        return (x & 0xC0) == 0x80;
    }

    private static boolean validCodePoint(int cp) {
        return cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
    }

    /**
     * UTF-8 bytes of {@code text}; an unpaired surrogate (which no UTF-8 text can hold, and which
     * Python refuses to encode) is an error rather than a silent {@code ?}.
     */
    static byte[] encode(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new TokenizerException(String.format(
                            "text is not valid Unicode: unpaired surrogate U+%04X at char index %d", (int) c, i));
                }
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Strict UTF-8 decoding; malformed input is an error naming the byte offset. */
    static String decodeStrict(byte[] bytes, String what) {
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        var result = d.decode(in, out, true);
        if (result.isError()) {
            throw new TokenizerException(what + " is not valid UTF-8: malformed byte sequence at byte offset "
                    + in.position());
        }
        try {
            result = d.flush(out);
        } catch (IllegalStateException e) {
            throw new TokenizerException(what + " is not valid UTF-8", e);
        }
        out.flip();
        return out.toString();
    }
}
