package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The cache is laid out {@code [kvHead][position][headDim]}; {@link KvCache#key}/{@link KvCache#value}
 * still mean element i of a position's {@code kvDim} vector, and growing the cache (which moves
 * every head's block) keeps what was stored.
 */
class KvCacheTest {
    @Test
    void storedVectorsReadBackAcrossGrowth() {
        int layers = 2, kvHeads = 3, headDim = 4, kvDim = kvHeads * headDim;
        KvCache c = new KvCache(layers, kvHeads, headDim, 100);
        for (int pos = 0; pos < 40; pos++) {
            c.ensureCapacity(pos + 1); // grows 16 → 32 → 64 on the way
            for (int l = 0; l < layers; l++) {
                float[] k = new float[kvDim], v = new float[kvDim];
                for (int i = 0; i < kvDim; i++) {
                    k[i] = code(l, pos, i);
                    v[i] = -code(l, pos, i);
                }
                c.store(l, pos, k, 0, v, 0);
            }
        }
        assertEquals(64, c.capacity());
        for (int l = 0; l < layers; l++) {
            for (int pos = 0; pos < 40; pos++) {
                for (int i = 0; i < kvDim; i++) {
                    assertEquals(code(l, pos, i), c.key(l, pos, i));
                    assertEquals(-code(l, pos, i), c.value(l, pos, i));
                    // The layout itself: head i / headDim's block, position pos, element i % headDim.
                    long off = (i / headDim) * c.headStride() + ((long) pos * headDim + i % headDim) * 4;
                    assertEquals(code(l, pos, i), c.keys(l).get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, off));
                }
            }
        }
        c.release();
    }

    private static float code(int l, int pos, int i) {
        return l * 10000 + pos * 100 + i + 1;
    }
}
