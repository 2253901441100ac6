package org.scans.engine.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.scans.engine.tensor.WeightMatrix;

/**
 * Plain-loop reference versions of every kernel: one element at a time, in the order the
 * formulas are written. They are the oracle the vector kernels are tested against, and the
 * arithmetic of {@code ScalarBackend}.
 */
public final class ScalarOps {
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarOps() {}

    /** {@code out[t·rows + r] = Σ_k W[r, k]·x[t·cols + k]}, accumulated in double. */
    public static void matmul(WeightMatrix w, float[] x, int n, float[] out) {
        int rows = w.rows(), cols = w.cols();
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            w.readRow(r, row, 0);
            for (int t = 0; t < n; t++) {
                double s = 0;
                for (int k = 0; k < cols; k++) s += (double) row[k] * x[t * cols + k];
                out[t * rows + r] = (float) s;
            }
        }
    }

    public static void rmsnorm(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, int n) {
        double ss = 0;
        for (int i = 0; i < n; i++) ss += (double) x[xOff + i] * x[xOff + i];
        double scale = 1.0 / Math.sqrt(ss / n + eps);
        for (int i = 0; i < n; i++) out[outOff + i] = (float) (x[xOff + i] * scale * w[i]);
    }

    public static void add(float[] acc, int accOff, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) acc[accOff + i] += x[xOff + i];
    }

    public static void siluMul(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            double g = gate[gOff + i];
            gate[gOff + i] = (float) (g / (1 + Math.exp(-g)) * up[uOff + i]);
        }
    }

    public static void softmax(float[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(x[off + i] - max);
        for (int i = 0; i < n; i++) x[off + i] = (float) (Math.exp(x[off + i] - max) / sum);
    }

    public static float dot(float[] q, int qOff, MemorySegment k, long kOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) q[qOff + i] * k.get(FLOAT, kOff + 4L * i);
        return (float) s;
    }

    public static void axpy(float a, MemorySegment v, long vOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] += a * v.get(FLOAT, vOff + 4L * i);
    }

    /** {@link #dot} with k held as F16. */
    public static float dotHalves(float[] q, int qOff, MemorySegment k, long kOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) q[qOff + i] * Float.float16ToFloat(k.get(HALF, kOff + 2L * i));
        return (float) s;
    }

    /** {@link #axpy} with v held as F16. */
    public static void axpyHalves(float a, MemorySegment v, long vOff, float[] out, int outOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] += a * Float.float16ToFloat(v.get(HALF, vOff + 2L * i));
    }

    public static void rope(float[] x, int off, int headDim, float[] cos, float[] sin, int tableOff) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            float a = x[off + i], b = x[off + half + i];
            float c = cos[tableOff + i], s = sin[tableOff + i];
            x[off + i] = a * c - b * s;
            x[off + half + i] = a * s + b * c;
        }
    }
}
