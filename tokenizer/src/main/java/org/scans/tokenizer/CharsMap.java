package org.scans.tokenizer;

/**
 * SentencePiece's precompiled normalization rules ({@code precompiled_charsmap}, e.g. for
 * {@code nmt_nfkc}): a Darts-clone double-array trie from input byte strings to offsets into
 * a blob of NUL-terminated replacement strings. Layout: uint32 (LE) trie size in bytes, the
 * trie's 32-bit units, then the replacement blob. Every access is bounds-checked, so a corrupt
 * map fails with a {@link TokenizerException} instead of an index error.
 */
final class CharsMap {
    /** SentencePiece looks at most this many trie matches per position (kMaxTrieResultsSize). */
    private static final int MAX_RESULTS = 32;

    private final int[] units;
    private final byte[] normalized;
    private final String source;

    CharsMap(byte[] blob, String source) {
        this.source = source;
        if (blob.length <= 4) {
            throw new TokenizerException(source + ": precompiled_charsmap is broken (" + blob.length + " bytes)");
        }
        long trieSize = (blob[0] & 0xFFL) | (blob[1] & 0xFFL) << 8 | (blob[2] & 0xFFL) << 16 | (blob[3] & 0xFFL) << 24;
        if (trieSize >= blob.length - 4 + 1 || trieSize % 4 != 0) {
            throw new TokenizerException(source + ": precompiled_charsmap trie size " + trieSize
                    + " does not fit its " + blob.length + "-byte blob");
        }
        units = new int[(int) (trieSize / 4)];
        for (int i = 0; i < units.length; i++) {
            int o = 4 + i * 4;
            units[i] = (blob[o] & 0xFF) | (blob[o + 1] & 0xFF) << 8 | (blob[o + 2] & 0xFF) << 16 | (blob[o + 3] & 0xFF) << 24;
        }
        normalized = java.util.Arrays.copyOfRange(blob, 4 + (int) trieSize, blob.length);
        if (units.length == 0) {
            throw new TokenizerException(source + ": precompiled_charsmap has an empty trie");
        }
    }

    /**
     * Longest rule matching at {@code pos}: returns the matched input length (0 if none) and
     * stores the replacement's offset and length in {@code out[0..1]}.
     */
    int longestMatch(byte[] in, int pos, int end, int[] out) {
        int id = 0;
        int unit = unit(id);
        id ^= offset(unit);
        int found = 0;
        int longest = 0;
        int value = 0;
        for (int i = pos; i < end; i++) {
            int key = in[i] & 0xFF;
            id ^= key;
            unit = unit(id);
            if ((unit & ((1 << 31) | 0xFF)) != key) {
                break;
            }
            id ^= offset(unit);
            if (((unit >>> 8) & 1) == 1) {
                if (found < MAX_RESULTS) {
                    int len = i - pos + 1;
                    if (longest == 0 || len > longest) {
                        longest = len;
                        value = unit(id) & 0x7FFFFFFF;
                    }
                }
                found++;
            }
        }
        if (longest == 0) {
            return 0;
        }
        if (value >= normalized.length) {
            throw corrupt("replacement offset " + value + " is outside the " + normalized.length + "-byte blob");
        }
        int e = value;
        while (e < normalized.length && normalized[e] != 0) {
            e++;
        }
        out[0] = value;
        out[1] = e - value;
        return longest;
    }

    byte[] normalizedBlob() {
        return normalized;
    }

    private int unit(int id) {
        if (id < 0 || id >= units.length) {
            throw corrupt("trie index " + id + " is outside its " + units.length + " units");
        }
        return units[id];
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private TokenizerException corrupt(String what) {
        return new TokenizerException(source + ": precompiled_charsmap is corrupt: " + what);
    }
}
