package org.scans.tokenizer;

import java.util.Arrays;

/** Open-addressing map from a pair of non-negative ids (packed in a long) to an int. */
final class LongIntMap {
    private static final long EMPTY = -1L;
    private long[] keys;
    private int[] values;
    private int mask;
    private int size;

    LongIntMap(int expected) {
        int n = Integer.highestOneBit(Math.max(8, expected * 2 - 1)) << 1;
        keys = new long[n];
        values = new int[n];
        Arrays.fill(keys, EMPTY);
        mask = n - 1;
    }

    static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private static int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** The value, or -1 when absent. */
    int get(int left, int right) {
        long k = key(left, right);
        for (int s = slot(k) & mask;; s = (s + 1) & mask) {
            long x = keys[s];
            if (x == k) {
                return values[s];
            }
            if (x == EMPTY) {
                return -1;
            }
        }
    }

    /** Inserts unless present; returns whether it was inserted. */
    boolean putIfAbsent(int left, int right, int value) {
        if (size * 2 >= keys.length) {
            grow();
        }
        long k = key(left, right);
        for (int s = slot(k) & mask;; s = (s + 1) & mask) {
            long x = keys[s];
            if (x == k) {
                return false;
            }
            if (x == EMPTY) {
                keys[s] = k;
                values[s] = value;
                size++;
                return true;
            }
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] oldKeys = keys;
        int[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new int[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                putIfAbsent((int) (oldKeys[i] >>> 32), (int) oldKeys[i], oldValues[i]);
            }
        }
    }
}
