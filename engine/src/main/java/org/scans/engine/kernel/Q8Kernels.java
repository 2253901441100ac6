package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.F;
import static org.scans.engine.kernel.Vectors.L;
import static org.scans.engine.kernel.Vectors.LE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.tensor.Q8Matrix;

/** Matrix products with Q8_0 weights (blocks of 32 int8 and an F16 scale) and float32 activations. */
public final class Q8Kernels {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(LE);
    /** Bytes with as many lanes as a float vector, widened one byte per float lane. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4));

    private Q8Kernels() {}

    /** {@code y[yOff + r] = Σ_k W[r, k]·x[xOff + k]} for rows {@code [r0, r1)}. */
    public static void matvec(Q8Matrix m, int r0, int r1, float[] x, int xOff, float[] y, int yOff) {
        MemorySegment w = m.data();
        int blocks = m.cols() / Q8Matrix.BLOCK;
        long rowBytes = m.rowBytes();
        boolean vector = L <= Q8Matrix.BLOCK && Q8Matrix.BLOCK % L == 0;
        for (int r = r0; r < r1; r++) {
            long rowOff = r * rowBytes;
            FloatVector acc = FloatVector.zero(F);
            float tail = 0;
            for (int b = 0; b < blocks; b++) {
                long off = rowOff + (long) b * Q8Matrix.BLOCK_BYTES;
                float d = Float.float16ToFloat(w.get(SHORT, off));
                int xb = xOff + b * Q8Matrix.BLOCK;
                if (vector) {
                    FloatVector blockSum = FloatVector.zero(F);
                    for (int j = 0; j < Q8Matrix.BLOCK; j += L) {
                        FloatVector q = (FloatVector) ByteVector.fromMemorySegment(B, w, off + 2 + j, LE)
                                .convertShape(VectorOperators.B2F, F, 0);
                        blockSum = q.fma(FloatVector.fromArray(F, x, xb + j), blockSum);
                    }
                    acc = blockSum.fma(FloatVector.broadcast(F, d), acc);
                } else {
                    float s = 0;
                    for (int j = 0; j < Q8Matrix.BLOCK; j++) s += w.get(ValueLayout.JAVA_BYTE, off + 2 + j) * x[xb + j];
                    tail += d * s;
                }
            }
            y[yOff + r] = acc.reduceLanes(VectorOperators.ADD) + tail;
        }
    }

    /** Token by token; Q8_0 is meant for decoding, where a batch is small. */
    public static void matmul(Q8Matrix m, int r0, int r1, float[] x, int n, float[] out, int outStride) {
        for (int t = 0; t < n; t++) matvec(m, r0, r1, x, t * m.cols(), out, t * outStride);
    }
}
