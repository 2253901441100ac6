package org.scans.engine.backend;

import org.scans.engine.kernel.ScalarOps;
import org.scans.engine.model.RopeTable;
import org.scans.engine.tensor.WeightMatrix;

/**
 * The reference backend: single-threaded plain loops with double accumulation. Slow on purpose;
 * a whole forward pass through it is the oracle for {@link CpuBackend} in tests.
 */
public final class ScalarBackend implements Backend {

    @Override
    public String name() {
        return "scalar reference";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, int n, float[] out) {
        ScalarOps.matmul(w, x, n, out);
    }

    @Override
    public void rmsnorm(float[] x, int n, int dim, float[] weight, float eps, float[] out) {
        for (int t = 0; t < n; t++) ScalarOps.rmsnorm(x, t * dim, weight, eps, out, t * dim, dim);
    }

    @Override
    public void add(float[] acc, float[] x, int count) {
        ScalarOps.add(acc, 0, x, 0, count);
    }

    @Override
    public void siluMul(float[] gate, float[] up, int count) {
        ScalarOps.siluMul(gate, 0, up, 0, count);
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int[] positions, RopeTable table) {
        for (int t = 0; t < n; t++) {
            for (int h = 0; h < heads; h++) {
                ScalarOps.rope(x, (t * heads + h) * headDim, headDim, table.cos(), table.sin(), table.offset(positions[t]));
            }
        }
    }

    @Override
    public void attention(AttentionBatch a) {
        int group = a.heads() / a.kvHeads();
        int hd = a.headDim(), qDim = a.heads() * hd;
        for (int t = 0; t < a.n(); t++) {
            int len = a.positions()[t] + 1;
            float[] s = new float[len];
            for (int h = 0; h < a.heads(); h++) {
                int qOff = t * qDim + h * hd;
                for (int p = 0; p < len; p++) {
                    long k = a.offset(t, h / group, p);
                    s[p] = (a.halfPrecision() ? ScalarOps.dotHalves(a.q(), qOff, a.keys()[t], k, hd)
                            : ScalarOps.dot(a.q(), qOff, a.keys()[t], k, hd)) * a.scale();
                }
                ScalarOps.softmax(s, 0, len);
                java.util.Arrays.fill(a.out(), qOff, qOff + hd, 0f);
                for (int p = 0; p < len; p++) {
                    long v = a.offset(t, h / group, p);
                    if (a.halfPrecision()) ScalarOps.axpyHalves(s[p], a.values()[t], v, a.out(), qOff, hd);
                    else ScalarOps.axpy(s[p], a.values()[t], v, a.out(), qOff, hd);
                }
            }
        }
    }

    @Override
    public void close() {}
}
