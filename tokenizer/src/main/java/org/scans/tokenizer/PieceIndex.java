package org.scans.tokenizer;

import java.util.Arrays;

/**
 * Exact lookup of a byte range (a UTF-8 string) among the vocabulary's pieces, with no
 * allocation: open addressing over the piece bytes. Each distinct string carries the two ids
 * SentencePiece keeps for it: the id in the merge table ({@code pieces_}, normal, user-defined
 * and unused pieces) and the id in the reserved map (unknown, control and byte pieces).
 */
final class PieceIndex {
    private final int[] slots; // entry + 1, 0 = empty
    private final int mask;
    private final byte[][] keys;
    private final int[] hashes;
    private final int[] mergeableIds;
    private final int[] reservedIds;
    private int size;

    PieceIndex(int capacity) {
        int n = Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
        slots = new int[n];
        mask = n - 1;
        keys = new byte[capacity][];
        hashes = new int[capacity];
        mergeableIds = new int[capacity];
        reservedIds = new int[capacity];
    }

    static int hash(byte[] buf, int off, int len) {
        int h = 0x811C9DC5;
        for (int i = off; i < off + len; i++) {
            h = (h ^ (buf[i] & 0xFF)) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }

    /** Entry for the bytes, or -1. */
    int find(byte[] buf, int off, int len) {
        int h = hash(buf, off, len);
        for (int s = h & mask;; s = (s + 1) & mask) {
            int e = slots[s] - 1;
            if (e < 0) {
                return -1;
            }
            if (hashes[e] == h && Arrays.equals(keys[e], 0, keys[e].length, buf, off, off + len)) {
                return e;
            }
        }
    }

    /** Adds the string if new; returns its entry. */
    int intern(byte[] key) {
        int h = hash(key, 0, key.length);
        for (int s = h & mask;; s = (s + 1) & mask) {
            int e = slots[s] - 1;
            if (e < 0) {
                e = size++;
                keys[e] = key;
                hashes[e] = h;
                mergeableIds[e] = -1;
                reservedIds[e] = -1;
                slots[s] = e + 1;
                return e;
            }
            if (hashes[e] == h && Arrays.equals(keys[e], key)) {
                return e;
            }
        }
    }

    int mergeableId(int entry) {
        return mergeableIds[entry];
    }

    int reservedId(int entry) {
        return reservedIds[entry];
    }

    void setMergeableId(int entry, int id) {
        mergeableIds[entry] = id;
    }

    void setReservedId(int entry, int id) {
        reservedIds[entry] = id;
    }
}
