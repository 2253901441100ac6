package org.scans.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * A bounds-checked reader of the protobuf wire format, just enough for SentencePiece's
 * {@code ModelProto}. Every malformation becomes a {@link TokenizerException} that names the
 * source and the byte offset, so a truncated download reads as such rather than as an
 * {@code ArrayIndexOutOfBoundsException}.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int FIXED32 = 5;

    private final byte[] buf;
    private final int end;
    private final String source;
    private int pos;
    private int lastTag;

    ProtoReader(byte[] buf, int from, int to, String source) {
        this.buf = buf;
        this.pos = from;
        this.end = to;
        this.source = source;
    }

    boolean hasMore() {
        return pos < end;
    }

    int position() {
        return pos;
    }

    /** Reads the next tag; returns the field number. */
    int nextField() {
        int at = pos;
        long tag = varint();
        if (tag >>> 3 == 0 || tag >>> 3 > 0x1FFFFFFF) {
            throw corrupt("invalid field tag " + tag + " at byte " + at);
        }
        lastTag = (int) tag;
        return lastTag >>> 3;
    }

    int wireType() {
        return lastTag & 7;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw truncated("a varint");
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw corrupt("varint longer than 10 bytes ending at byte " + pos);
    }

    /** An int32 or enum field: negative values arrive as 10-byte varints and truncate to 32 bits. */
    int int32() {
        expect(VARINT);
        return (int) varint();
    }

    boolean bool() {
        expect(VARINT);
        return varint() != 0;
    }

    float float32() {
        expect(FIXED32);
        if (end - pos < 4) {
            throw truncated("a float");
        }
        int bits = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16
                | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** A length-delimited field as a sub-reader over its bytes. */
    ProtoReader message() {
        int len = length();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len, source);
        pos += len;
        return sub;
    }

    byte[] bytes() {
        int len = length();
        byte[] out = new byte[len];
        System.arraycopy(buf, pos, out, 0, len);
        pos += len;
        return out;
    }

    String string() {
        int len = length();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> advance(8, "a fixed64");
            case LEN -> advance(length(), "a length-delimited field");
            case FIXED32 -> advance(4, "a fixed32");
            default -> throw corrupt("unsupported wire type " + wireType() + " before byte " + pos);
        }
    }

    private int length() {
        expect(LEN);
        int at = pos;
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw truncated("field at byte " + at + " claims " + len + " bytes but only " + (end - pos)
                    + " remain;");
        }
        return (int) len;
    }

    private void advance(int n, String what) {
        if (end - pos < n) {
            throw truncated(what);
        }
        pos += n;
    }

    private void expect(int wire) {
        if (wireType() != wire) {
            throw corrupt("field " + (lastTag >>> 3) + " has wire type " + wireType() + ", expected " + wire
                    + " (before byte " + pos + ")");
        }
    }

    TokenizerException truncated(String what) {
        return new TokenizerException(source + ": truncated or corrupt SentencePiece model: " + what
                + " runs past the end of its message at byte " + end);
    }

    TokenizerException corrupt(String what) {
        return new TokenizerException(source + ": corrupt SentencePiece model: " + what);
    }
}
