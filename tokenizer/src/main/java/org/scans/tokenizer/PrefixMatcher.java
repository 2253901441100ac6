package org.scans.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * Longest-prefix match of user-defined symbols, as SentencePiece's {@code PrefixMatcher}: such
 * a symbol is cut out whole, before normalization and before BPE, and never merged further.
 */
final class PrefixMatcher {
    private final byte[][][] byFirstByte = new byte[256][][];

    PrefixMatcher(List<byte[]> symbols) {
        List<List<byte[]>> groups = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            groups.add(new ArrayList<>());
        }
        for (byte[] s : symbols) {
            groups.get(s[0] & 0xFF).add(s);
        }
        for (int b = 0; b < 256; b++) {
            if (!groups.get(b).isEmpty()) {
                byFirstByte[b] = groups.get(b).toArray(new byte[0][]);
            }
        }
    }

    /** Length of the longest symbol that starts at {@code pos}, or 0. */
    int match(byte[] buf, int pos, int end) {
        byte[][] candidates = byFirstByte[buf[pos] & 0xFF];
        if (candidates == null) {
            return 0;
        }
        int best = 0;
        for (byte[] c : candidates) {
            if (c.length > best && c.length <= end - pos
                    && java.util.Arrays.equals(c, 0, c.length, buf, pos, pos + c.length)) {
                best = c.length;
            }
        }
        return best;
    }
}
