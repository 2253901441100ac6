package org.scans.engine.backend;

import java.lang.foreign.MemorySegment;
import org.scans.engine.tensor.DType;

/**
 * Causal attention for {@code n} query rows of one layer. Row t belongs to some sequence whose
 * cached keys and values (this layer, float32 or F16 as {@code kvType} says, the same for every
 * row) are {@code keys[t]} and {@code values[t]}, laid out {@code [kvHead][position][headDim]}:
 * kv head g's block starts {@code g·headStrides[t]} bytes in, and its positions follow each
 * other {@code headDim} elements apart. Row t attends to
 * positions {@code 0 … positions[t]}, which are already in the cache. Query head h reads
 * key/value head {@code h / (heads / kvHeads)}.
 *
 * @param q {@code [n][heads·headDim]}, rotated
 * @param out {@code [n][heads·headDim]}, written
 */
public record AttentionBatch(
        int n, int heads, int kvHeads, int headDim,
        float[] q, float[] out, int[] positions, MemorySegment[] keys, MemorySegment[] values, long[] headStrides,
        DType kvType) {

    public AttentionBatch {
        if (kvType != DType.F32 && kvType != DType.F16) throw new IllegalArgumentException("KV cache type " + kvType);
    }

    /** Whether the cache holds F16 elements (else float32). */
    public boolean halfPrecision() {
        return kvType == DType.F16;
    }

    /** Bytes from one position's key (or value) to the next. */
    public long positionBytes() {
        return (long) headDim * kvType.bytes;
    }

    public float scale() {
        return (float) (1.0 / Math.sqrt(headDim));
    }

    /** Byte offset of kv head {@code kvHead}'s entry at {@code position} in row t's segments. */
    public long offset(int t, int kvHead, int position) {
        return kvHead * headStrides[t] + position * positionBytes();
    }
}
