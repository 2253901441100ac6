package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.scans.engine.EngineException;
import org.scans.engine.tensor.DType;

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

    /**
     * An F16 cache keeps every value rounded to nearest F16 (as {@link Float#floatToFloat16}), takes
     * half the bytes of a float32 one, keeps its contents across growth, and refuses a value that
     * would round to infinity, or NaN, naming the layer and position.
     */
    @Test
    void halfPrecisionCacheRoundsToNearestAndRefusesOverflow() {
        int layers = 2, kvHeads = 2, headDim = 8, kvDim = kvHeads * headDim;
        KvCache c = new KvCache(DType.F16, layers, kvHeads, headDim, 100);
        KvCache f = new KvCache(layers, kvHeads, headDim, 100);
        java.util.Random rnd = new java.util.Random(5);
        float[][][] k = new float[layers][20][kvDim], v = new float[layers][20][kvDim];
        for (int pos = 0; pos < 20; pos++) {
            c.ensureCapacity(pos + 1); // 16 → 32 on the way
            f.ensureCapacity(pos + 1);
            for (int l = 0; l < layers; l++) {
                for (int i = 0; i < kvDim; i++) {
                    // Normal, subnormal-range and near-limit magnitudes.
                    k[l][pos][i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(9) - 6));
                    v[l][pos][i] = i == 0 ? 65519f : -k[l][pos][i] * 3.7f;
                }
                c.store(l, pos, k[l][pos], 0, v[l][pos], 0);
            }
        }
        assertEquals(f.bytes() / 2, c.bytes());
        assertEquals(KvCache.bytesFor(DType.F16, layers, kvDim, 32), c.bytes());
        for (int l = 0; l < layers; l++) {
            for (int pos = 0; pos < 20; pos++) {
                for (int i = 0; i < kvDim; i++) {
                    assertEquals(Float.float16ToFloat(Float.floatToFloat16(k[l][pos][i])), c.key(l, pos, i));
                    assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[l][pos][i])), c.value(l, pos, i));
                }
            }
        }
        float[] big = new float[kvDim], ok = new float[kvDim];
        big[3] = 65520f; // rounds to infinity in F16
        EngineException e = assertThrows(EngineException.class, () -> c.store(1, 7, ok, 0, big, 0));
        assertTrue(e.getMessage().startsWith("layer 1, position 7: a value element is 65520.0, outside the F16 KV cache's range"), e.getMessage());
        assertTrue(e.getMessage().contains("--kv-cache f32"), e.getMessage());
        big[3] = Float.NaN;
        assertThrows(EngineException.class, () -> c.store(0, 0, big, 0, ok, 0));
        f.store(0, 0, big, 0, ok, 0); // a float32 cache holds anything
        c.release();
        f.release();
    }

    private static float code(int l, int pos, int i) {
        return l * 10000 + pos * 100 + i + 1;
    }
}
