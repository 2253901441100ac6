package org.scans.engine.model;

import org.scans.engine.tensor.DType;
import org.scans.engine.util.WorkerPool;

/**
 * How to load a model.
 *
 * @param threads worker threads for the kernels
 * @param quantize null to compute on the stored weights, or {@link DType#Q8_0}
 * @param reference use the scalar reference backend (slow; for checking)
 * @param maxBatchRows how many token rows one internal forward chunk holds; bounds the heap
 * @param kvCache what the sequences' KV caches hold: {@link DType#F32} (exact; the default) or
 *     {@link DType#F16} (half the memory, so twice the sequences in a batched run)
 */
public record LoadOptions(int threads, DType quantize, boolean reference, int maxBatchRows, DType kvCache) {
    public static final int DEFAULT_BATCH_ROWS = 512;

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (maxBatchRows < 1) throw new IllegalArgumentException("maxBatchRows must be >= 1");
        if (kvCache != DType.F32 && kvCache != DType.F16) throw new IllegalArgumentException("a KV cache holds F32 or F16, not " + kvCache);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(WorkerPool.defaultThreads(), null, false, DEFAULT_BATCH_ROWS, DType.F32);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, quantize, reference, maxBatchRows, kvCache);
    }

    public LoadOptions withQuantize(DType q) {
        return new LoadOptions(threads, q, reference, maxBatchRows, kvCache);
    }

    public LoadOptions withReference(boolean r) {
        return new LoadOptions(threads, quantize, r, maxBatchRows, kvCache);
    }

    public LoadOptions withMaxBatchRows(int rows) {
        return new LoadOptions(threads, quantize, reference, rows, kvCache);
    }

    public LoadOptions withKvCache(DType type) {
        return new LoadOptions(threads, quantize, reference, maxBatchRows, type);
    }
}
