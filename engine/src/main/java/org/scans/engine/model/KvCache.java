package org.scans.engine.model;

import java.lang.foreign.Arena;
import java.lang.ref.Cleaner;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.scans.engine.EngineException;
import org.scans.engine.tensor.DType;

/**
 * Keys and values of one sequence, per layer {@code [kvHead][position][headDim]} (each
 * head's positions contiguous, so decode attention streams them in order; with
 * {@code [position][kvDim]} one head's consecutive keys were {@code kvDim·4} bytes apart),
 * as float32 or, to halve the memory, as F16 ({@link #type()}; rounded to nearest, as
 * llama.cpp's default cache and a float16 PyTorch model keep them), off the heap so that long
 * contexts and many sequences do not need a large {@code -Xmx}. It grows by doubling up to the
 * model's context. {@link #key}/{@link #value} still index element i of the {@code kvDim}
 * vector of a position.
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
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The smallest magnitude {@link Float#floatToFloat16} rounds to infinity: 65504 plus half its step. */
    private static final float HALF_OVERFLOW = 65520f;

    private final DType type;
    private final int layers;
    private final int kvDim;
    private final int headDim;
    private final int maxPositions;
    private int capacity;
    private MemorySegment[] keys;
    private MemorySegment[] values;

    KvCache(int layers, int kvHeads, int headDim, int maxPositions) {
        this(DType.F32, layers, kvHeads, headDim, maxPositions);
    }

    KvCache(DType type, int layers, int kvHeads, int headDim, int maxPositions) {
        if (type != DType.F32 && type != DType.F16) throw new IllegalArgumentException("a KV cache holds F32 or F16, not " + type);
        this.type = type;
        this.layers = layers;
        this.kvDim = kvHeads * headDim;
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.keys = new MemorySegment[layers];
        this.values = new MemorySegment[layers];
        CLEANER.register(this, memory);
    }

    /** F32 or F16. */
    public DType type() {
        return type;
    }

    public int capacity() {
        return capacity;
    }

    /** Bytes held now. */
    public long bytes() {
        return bytesFor(type, layers, kvDim, capacity);
    }

    /** Bytes a cache of {@code type} holding {@code positions} positions takes. */
    public static long bytesFor(DType type, int layers, int kvDim, int positions) {
        return 2L * layers * positions * kvDim * type.bytes;
    }

    void ensureCapacity(int positions) {
        if (positions <= capacity) return;
        int newCap = Math.min(maxPositions, Math.max(positions, Math.max(16, 2 * capacity)));
        long bytes = (long) newCap * kvDim * type.bytes;
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
            long used = (long) capacity * headDim * type.bytes, oldStride = used, newStride = (long) newCap * headDim * type.bytes;
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

    /**
     * Copies the first {@code positions} positions of {@code from} (a cache of the same model)
     * into this one, growing it if needed; what this cache held at those positions is replaced.
     */
    void copyPrefix(KvCache from, int positions) {
        if (from.type != type || from.layers != layers || from.kvDim != kvDim || from.headDim != headDim) {
            throw new IllegalArgumentException("a KV cache of another shape or type cannot be copied into this one");
        }
        if (positions > from.capacity) throw new IllegalArgumentException("cannot copy " + positions + " positions of a cache holding " + from.capacity);
        if (positions == 0) return;
        ensureCapacity(positions);
        long bytes = (long) positions * headDim * type.bytes, fromStride = from.headStride(), toStride = headStride();
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < kvDim / headDim; h++) {
                MemorySegment.copy(from.keys[l], h * fromStride, keys[l], h * toStride, bytes);
                MemorySegment.copy(from.values[l], h * fromStride, values[l], h * toStride, bytes);
            }
        }
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
        return (long) capacity * headDim * type.bytes;
    }

    void store(int layer, int position, float[] k, int kOff, float[] v, int vOff) {
        long stride = headStride(), off = (long) position * headDim * type.bytes;
        if (type == DType.F16) {
            checkHalfRange(layer, position, "key", k, kOff);
            checkHalfRange(layer, position, "value", v, vOff);
            for (int i = 0; i < kvDim; i += headDim, off += stride) {
                toHalves(k, kOff + i, keys[layer], off, headDim);
                toHalves(v, vOff + i, values[layer], off, headDim);
            }
            return;
        }
        for (int i = 0; i < kvDim; i += headDim, off += stride) {
            MemorySegment.copy(k, kOff + i, keys[layer], FLOAT, off, headDim);
            MemorySegment.copy(v, vOff + i, values[layer], FLOAT, off, headDim);
        }
    }

    /**
     * An F16 cache cannot hold what rounds to infinity (or NaN): attention would then read a
     * different number, silently. Such activations are rare in Llama models' keys and values;
     * when they occur the run stops here and says what to use instead.
     */
    private void checkHalfRange(int layer, int position, String what, float[] x, int off) {
        for (int i = 0; i < kvDim; i++) {
            float a = x[off + i];
            if (!(Math.abs(a) < HALF_OVERFLOW)) {
                throw new EngineException(String.format("layer %d, position %d: a %s element is %s, outside the F16 KV cache's range (±65504);"
                        + " use a float32 KV cache (--kv-cache f32)", layer, position, what, a));
            }
        }
    }

    /** One conversion per element: 262,144 per token of a 7B model, next to a step of hundreds of milliseconds. */
    private static void toHalves(float[] x, int off, MemorySegment to, long at, int n) {
        for (int i = 0; i < n; i++) to.set(HALF, at + 2L * i, Float.floatToFloat16(x[off + i]));
    }

    private long offset(int position, int i) {
        return (i / headDim) * headStride() + ((long) position * headDim + i % headDim) * type.bytes;
    }

    private float read(MemorySegment m, long off) {
        return type == DType.F16 ? Float.float16ToFloat(m.get(HALF, off)) : m.get(FLOAT, off);
    }

    /** Key element i (of the {@code kvDim} vector) of {@code layer} at {@code position}; for tests and inspection. */
    public float key(int layer, int position, int i) {
        return read(keys[layer], offset(position, i));
    }

    /** Value element i (of the {@code kvDim} vector) of {@code layer} at {@code position}. */
    public float value(int layer, int position, int i) {
        return read(values[layer], offset(position, i));
    }
}
