package org.scans.tokenizer;

/**
 * SentencePiece's {@code normalizer::Normalizer::Normalize} over UTF-8 bytes: optional rules
 * from a precompiled charsmap, then the whitespace handling that the model's flags ask for.
 * With {@code remove_extra_whitespaces} leading spaces are dropped, runs of spaces fold to one
 * and trailing spaces (and trailing {@code ▁}, which by then is indistinguishable) are dropped;
 * with {@code add_dummy_prefix} a {@code ▁} goes in front ({@code "world"} and
 * {@code "hello world"} then share {@code "▁world"}); with {@code escape_whitespaces} every
 * ASCII space becomes {@code ▁} (U+2581). Tabs, newlines and other Unicode spaces are left
 * alone, as SentencePiece leaves them.
 */
final class Normalizer {
    static final byte[] SPACE_SYMBOL = {(byte) 0xE2, (byte) 0x96, (byte) 0x81};
    private static final byte[] ONE_SPACE = {' '};
    private static final byte[] REPLACEMENT = {(byte) 0xEF, (byte) 0xBF, (byte) 0xBD};

    private final boolean addDummyPrefix;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean treatWhitespaceAsSuffix;
    private final CharsMap charsMap; // null: identity
    private final PrefixMatcher userDefined; // null: none

    Normalizer(SentencePieceModel.NormalizerSpec spec, boolean treatWhitespaceAsSuffix, PrefixMatcher userDefined,
            String source) {
        this.addDummyPrefix = spec.addDummyPrefix();
        this.removeExtraWhitespaces = spec.removeExtraWhitespaces();
        this.escapeWhitespaces = spec.escapeWhitespaces();
        this.treatWhitespaceAsSuffix = treatWhitespaceAsSuffix;
        this.charsMap = spec.precompiledCharsmap().length == 0 ? null : new CharsMap(spec.precompiledCharsmap(), source);
        this.userDefined = userDefined;
    }

    /** One normalization step: what the prefix at a position becomes, and how much it consumed. */
    private static final class Prefix {
        byte[] buf;
        int off;
        int len;
        int consumed;
        final int[] match = new int[2];
    }

    private void prefix(byte[] in, int pos, Prefix p) {
        int end = in.length;
        if (userDefined != null) {
            int m = userDefined.match(in, pos, end);
            if (m > 0) {
                set(p, in, pos, m, m);
                return;
            }
        }
        if (charsMap != null) {
            int m = charsMap.longestMatch(in, pos, end, p.match);
            if (m > 0) {
                set(p, charsMap.normalizedBlob(), p.match[0], p.match[1], m);
                return;
            }
        }
        int n = Utf8.validCharLength(in, pos, end);
        if (n == 0) { // malformed UTF-8: one U+FFFD per byte, as SentencePiece does
            set(p, REPLACEMENT, 0, 3, 1);
        } else {
            set(p, in, pos, n, n);
        }
    }

    private static void set(Prefix p, byte[] buf, int off, int len, int consumed) {
        p.buf = buf;
        p.off = off;
        p.len = len;
        p.consumed = consumed;
    }

    /** Normalizes UTF-8 text; the result is empty when the text is (or normalizes to) nothing. */
    byte[] normalize(byte[] in) {
        Prefix p = new Prefix();
        int pos = 0;
        if (removeExtraWhitespaces) {
            while (pos < in.length) {
                prefix(in, pos, p);
                if (!(p.len == 1 && p.buf[p.off] == ' ')) {
                    break;
                }
                pos += p.consumed;
            }
        }
        if (pos >= in.length) {
            return new byte[0];
        }
        ByteSink out = new ByteSink(in.length * 3 / 2 + 8);
        if (!treatWhitespaceAsSuffix && addDummyPrefix) {
            addWhitespace(out);
        }
        boolean prevSpace = removeExtraWhitespaces;
        while (pos < in.length) {
            prefix(in, pos, p);
            int off = p.off;
            int len = p.len;
            if (prevSpace) {
                while (len > 0 && p.buf[off] == ' ') {
                    off++;
                    len--;
                }
            }
            if (len > 0) {
                for (int i = off; i < off + len; i++) {
                    byte b = p.buf[i];
                    if (escapeWhitespaces && b == ' ') {
                        out.add(SPACE_SYMBOL);
                    } else {
                        out.add(b);
                    }
                }
                prevSpace = p.buf[off + len - 1] == ' ';
            }
            pos += p.consumed;
            if (!removeExtraWhitespaces) {
                prevSpace = false;
            }
        }
        if (removeExtraWhitespaces) {
            byte[] space = escapeWhitespaces ? SPACE_SYMBOL : ONE_SPACE;
            while (out.endsWith(space)) {
                out.truncate(out.size() - space.length);
            }
        }
        if (treatWhitespaceAsSuffix && addDummyPrefix) {
            addWhitespace(out);
        }
        return out.toArray();
    }

    private void addWhitespace(ByteSink out) {
        if (escapeWhitespaces) {
            out.add(SPACE_SYMBOL);
        } else {
            out.add((byte) ' ');
        }
    }

    /** A growable byte array. */
    static final class ByteSink {
        private byte[] a;
        private int n;

        ByteSink(int capacity) {
            a = new byte[Math.max(16, capacity)];
        }

        void add(byte b) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, a.length * 2);
            }
            a[n++] = b;
        }

        void add(byte[] b) {
            if (n + b.length > a.length) {
                a = java.util.Arrays.copyOf(a, Math.max(a.length * 2, n + b.length));
            }
            System.arraycopy(b, 0, a, n, b.length);
            n += b.length;
        }

        boolean endsWith(byte[] b) {
            return n >= b.length && java.util.Arrays.equals(a, n - b.length, n, b, 0, b.length);
        }

        void truncate(int size) {
            n = size;
        }

        int size() {
            return n;
        }

        byte[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
