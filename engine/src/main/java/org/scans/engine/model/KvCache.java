package org.scans.engine.model;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.scans.engine.EngineException;

/**
 * Keys and values of one sequence, per layer {@code [kvHead][position][headDim]} float32 (each
 * head's positions contiguous, so decode attention streams them in order; with
 * {@code [position][kvDim]} one head's consecutive keys were {@code kvDim·4} bytes apart),
 * off the heap so that long contexts and many sequences do not need a large {@code -Xmx}. It
 * grows by doubling up to the model's context. {@link #key}/{@link #value} still index element i
 * of the {@code kvDim} vector of a position.
 *
 * <p>The memory is freed by {@link #release()} (through {@link Sequence#close()}), at once: a
 * dataset run creates thousands of sequences of hundreds of megabytes each while allocating
 * little on the heap, so waiting for the garbage collector could let native memory pile up. A
 * cache that is dropped without being released is still freed when it becomes unreachable.
 */
public final class KvCache {
    private static final Cleaner CLEANER = Cleaner.create();

    /** The arena of the current segments; closing it frees them. Kept apart so the cleaner does not hold the cache. */
    private static final class Memory implements Runnable {
        Arena arena;

        @Override
        public void run() {
            if (arena != null) {
                arena.close();
                arena = null;
            }
        }
    }

    private final Memory memory = new Memory();
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int layers;
    private final int kvDim;
    private final int headDim;
    private final int maxPositions;
    private int capacity;
    private MemorySegment[] keys;
    private MemorySegment[] values;

    KvCache(int layers, int kvHeads, int headDim, int maxPositions) {
        this.layers = layers;
        this.kvDim = kvHeads * headDim;
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        CLEANER.register(this, memory);
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes held now. */
    public long bytes() {
        return 2L * layers * capacity * kvDim * 4;
    }

    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int newCap = Math.min(maxPositions, Math.max(positions, Math.max(16, 2 * capacity)));
        long bytes = (long) newCap * kvDim * 4;
        Arena arena = Arena.ofShared();
        MemorySegment[] newKeys = new MemorySegment[layers], newValues = new MemorySegment[layers];
        try {
            for (int l = 0; l < layers; l++) {
                newKeys[l] = arena.allocate(bytes, 64);
                newValues[l] = arena.allocate(bytes, 64);
            }
        } catch (OutOfMemoryError e) {
            // Shared-arena memory is not capped by -XX:MaxDirectMemorySize (an automatic arena's
            // would be): this is the machine running out. Say so instead of dying with a bare OOM.
            arena.close();
            throw new EngineException(String.format(
                    "cannot allocate the KV cache: %d positions of this sequence need %.0f MB of native memory (%s); "
                            + "run fewer sequences at once (--batch) or shorter generations", newCap, 2.0 * layers * bytes / 1e6,
                    e.getMessage()), e);
        }
        if (capacity > 0) {
            long used = (long) capacity * headDim * 4, oldStride = used, newStride = (long) newCap * headDim * 4;
            for (int l = 0; l < layers; l++) {
                for (int h = 0; h < kvDim / headDim; h++) {
                    MemorySegment.copy(keys[l], h * oldStride, newKeys[l], h * newStride, used);
                    MemorySegment.copy(values[l], h * oldStride, newValues[l], h * newStride, used);
                }
            }
        }
        keys = newKeys;
        values = newValues;
        memory.run(); // the old segments, now copied
        memory.arena = arena;
        capacity = newCap;
    }

    /** Frees the memory now; the cache is empty and grows again if used. */
    void release() {
        memory.run();
        java.util.Arrays.fill(keys, null);
        java.util.Arrays.fill(values, null);
        capacity = 0;
    }

    MemorySegment keys(int layer) {
        return keys[layer];
    }

    MemorySegment values(int layer) {
        return values[layer];
    }

    /** Bytes from one kv head's block to the next in {@link #keys}/{@link #values}: the capacity's worth. */
    long headStride() {
        return (long) capacity * headDim * 4;
    }

    void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        long stride = headStride(), off = (long) position * headDim * 4;
        for (int h = 0, i = 0; i < kvDim; h++, i += headDim, off += stride) {
            MemorySegment.copy(k, kOff + i, keys[layer], FLOAT, off, headDim);
            MemorySegment.copy(v, vOff + i, values[layer], FLOAT, off, headDim);
        }
    }

    private long offset(int position, int i) {
        return (i / headDim) * headStride() + ((long) position * headDim + i % headDim) * 4;
    }

    /** Key element i (of the {@code kvDim} vector) of {@code layer} at {@code position}; for tests and inspection. */
    public float key(int layer, int position, int i) {
        return keys[layer].get(FLOAT, offset(position, i));
    }

    /** Value element i (of the {@code kvDim} vector) of {@code layer} at {@code position}. */
    public float value(int layer, int position, int i) {
        return values[layer].get(FLOAT, offset(position, i));
    }
}
