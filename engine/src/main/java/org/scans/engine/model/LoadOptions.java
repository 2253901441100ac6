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
 */
public record LoadOptions(int threads, DType quantize, boolean reference, int maxBatchRows) {
    public static final int DEFAULT_BATCH_ROWS = 512;

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (maxBatchRows < 1) throw new IllegalArgumentException("maxBatchRows must be >= 1");
    }

    public static LoadOptions defaults() {
        return new LoadOptions(WorkerPool.defaultThreads(), null, false, DEFAULT_BATCH_ROWS);
    }

    public LoadOptions withThreads(int n) {
        return new LoadOptions(n, quantize, reference, maxBatchRows);
    }

    public LoadOptions withQuantize(DType q) {
        return new LoadOptions(threads, q, reference, maxBatchRows);
    }

    public LoadOptions withReference(boolean r) {
        return new LoadOptions(threads, quantize, r, maxBatchRows);
    }

    public LoadOptions withMaxBatchRows(int rows) {
        return new LoadOptions(threads, quantize, reference, rows);
    }
}
