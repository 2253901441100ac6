package org.scans.engine.backend;

import org.scans.engine.model.RopeTable;
import org.scans.engine.tensor.WeightMatrix;

/**
 * The operations a forward pass needs, over row-major float32 activations {@code [n][dim]}. The
 * model is written once against this interface; {@link CpuBackend} runs it with Vector API
 * kernels on a thread pool, {@link ScalarBackend} with plain loops as a test oracle.
 */
public interface Backend extends AutoCloseable {

    String name();

    int threads();

    /** {@code out[t·rows + r] = Σ_k W[r, k]·x[t·cols + k]} for t < n. */
    void matmul(WeightMatrix w, float[] x, int n, float[] out);

    /** Several products of the same input (q/k/v, gate/up) in one parallel region. */
    default void matmuls(WeightMatrix[] ws, float[] x, int n, float[][] outs) {
        for (int i = 0; i < ws.length; i++) matmul(ws[i], x, n, outs[i]);
    }

    /** RMSNorm of each of n rows of width dim. */
    void rmsnorm(float[] x, int n, int dim, float[] weight, float eps, float[] out);

    /** {@code acc[i] += x[i]} for i < count. */
    void add(float[] acc, float[] x, int count);

    /** {@code gate[i] = silu(gate[i])·up[i]} for i < count. */
    void siluMul(float[] gate, float[] up, int count);

    /** Rotates every head of each row t in place with the angles of {@code positions[t]}. */
    void rope(float[] x, int n, int heads, int headDim, int[] positions, RopeTable table);

    void attention(AttentionBatch batch);

    @Override
    void close();
}
