package org.scans.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.scans.engine.util.LargeAllocation;
import org.scans.engine.util.WorkerPool;

/**
 * Quantizes a matrix to Q8_0 the way llama.cpp's reference quantizer does: per block of 32,
 * {@code d = max|x| / 127}, {@code q = round(x / d)} (half away from zero), d stored as F16.
 * The result lives off the heap in {@code arena}, in {@link Q8Matrix}'s grouped order. A value
 * beyond F16's range (|x| > 65504·127) has no Q8_0 form and is an error.
 */
public final class Q8Quantizer {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Bytes with as many lanes as {@link #F}; at least 64 bits (the narrowest byte vector), so
     * with 128-bit float vectors it has more lanes and {@link #quantize} takes the scalar path.
     */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(Math.max(64, F.vectorBitSize() / 4)));

    private Q8Quantizer() {}

    public static Q8Matrix quantize(WeightMatrix w, Arena arena, WorkerPool pool) {
        if (w instanceof Q8Matrix q) return q;
        checkWidth(w);
        return quantize(w, LargeAllocation.allocate(Q8Matrix.bytesFor(w.rows(), w.cols()), arena), pool);
    }

    /**
     * Quantizes into {@code out}: zeroed memory of {@link Q8Matrix#bytesFor} bytes (the padding rows
     * of a short last group stay zero), such as a slice of one buffer shared by every matrix.
     */
    public static Q8Matrix quantize(WeightMatrix w, MemorySegment out, WorkerPool pool) {
        checkWidth(w);
        if (out.byteSize() != Q8Matrix.bytesFor(w.rows(), w.cols())) {
            throw new IllegalArgumentException(w.name() + ": Q8_0 needs " + Q8Matrix.bytesFor(w.rows(), w.cols()) + " bytes, got " + out.byteSize());
        }
        Q8Matrix q = new Q8Matrix(w.name(), w.rows(), w.cols(), out);
        pool.forRange(Q8Matrix.groups(w.rows()), (g0, g1, worker) -> {
            float[] row = new float[w.cols()];
            for (int r = g0 * Q8Matrix.GROUP; r < Math.min(g1 * Q8Matrix.GROUP, w.rows()); r++) {
                w.readRow(r, row, 0);
                quantizeRow(row, q, r);
            }
        });
        return q;
    }

    private static void checkWidth(WeightMatrix w) {
        if (w.cols() % Q8Matrix.BLOCK != 0) {
            throw new IllegalArgumentException(w.name() + ": Q8_0 needs a width that is a multiple of 32, got " + w.cols());
        }
    }

    static void quantizeRow(float[] x, Q8Matrix q, int r) {
        MemorySegment out = q.data();
        boolean vector = Q8Matrix.BLOCK % F.length() == 0 && F.length() <= Q8Matrix.BLOCK && F.length() == B.length();
        for (int b = 0; b < x.length / Q8Matrix.BLOCK; b++) {
            int xb = b * Q8Matrix.BLOCK;
            float amax = 0;
            if (vector) {
                FloatVector m = FloatVector.zero(F);
                for (int j = 0; j < Q8Matrix.BLOCK; j += F.length()) m = m.max(FloatVector.fromArray(F, x, xb + j).abs());
                amax = m.reduceLanes(VectorOperators.MAX);
            } else {
                for (int j = 0; j < Q8Matrix.BLOCK; j++) amax = Math.max(amax, Math.abs(x[xb + j]));
            }
            float d = amax / 127f;
            short d16 = Float.floatToFloat16(d);
            if (!Float.isFinite(Float.float16ToFloat(d16))) {
                throw new IllegalArgumentException(q.name() + ": row " + r + " has a value that Q8_0 cannot hold (|x| = " + amax + ")");
            }
            float id = d != 0 ? 1f / d : 0f;
            q.setScale(r, b, d16);
            long quants = q.quantOffset(r, b);
            if (vector) {
                for (int j = 0; j < Q8Matrix.BLOCK; j += F.length()) {
                    FloatVector v = FloatVector.fromArray(F, x, xb + j).mul(id), a = v.abs();
                    // C's roundf on |v| ≤ 127: truncate |v| + 0.5, then take one back where that
                    // sum rounded up in float (|v| just below a half, e.g. 0.49999997): there
                    // |v| < t − 0.5, which is exact for integers t.
                    FloatVector t = (FloatVector) a.add(0.5f).convert(VectorOperators.F2I, 0).convert(VectorOperators.I2F, 0);
                    t = t.sub(1f, a.compare(VectorOperators.LT, t.sub(0.5f)));
                    t = t.lanewise(VectorOperators.NEG, v.compare(VectorOperators.LT, 0f));
                    ByteVector bytes = (ByteVector) t.convertShape(VectorOperators.F2B, B, 0);
                    bytes.intoMemorySegment(out, quants + j, ByteOrder.LITTLE_ENDIAN);
                }
            } else {
                for (int j = 0; j < Q8Matrix.BLOCK; j++) out.set(ValueLayout.JAVA_BYTE, quants + j, (byte) roundAway(x[xb + j] * id));
            }
        }
    }

    /** C's roundf: halves go away from zero (Math.round alone sends −2.5 to −2). */
    static int roundAway(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }
}
