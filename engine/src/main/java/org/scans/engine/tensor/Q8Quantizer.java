package org.scans.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.scans.engine.util.WorkerPool;

/**
 * Quantizes a matrix to Q8_0 the way llama.cpp's reference quantizer does: per block of 32,
 * {@code d = max|x| / 127}, {@code q = round(x / d)} (half away from zero), d stored as F16.
 * The result lives off the heap in {@code arena}.
 */
public final class Q8Quantizer {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Q8Quantizer() {}

    public static Q8Matrix quantize(WeightMatrix w, Arena arena, WorkerPool pool) {
        if (w instanceof Q8Matrix q) return q;
        if (w.cols() % Q8Matrix.BLOCK != 0) {
            throw new IllegalArgumentException(w.name() + ": Q8_0 needs a width that is a multiple of 32, got " + w.cols());
        }
        long rowBytes = (long) w.cols() / Q8Matrix.BLOCK * Q8Matrix.BLOCK_BYTES;
        MemorySegment out = arena.allocate(rowBytes * w.rows(), 64);
        pool.forRange(w.rows(), (r0, r1, worker) -> {
            float[] row = new float[w.cols()];
            for (int r = r0; r < r1; r++) {
                w.readRow(r, row, 0);
                quantizeRow(row, out, r * rowBytes);
            }
        });
        return new Q8Matrix(w.name(), w.rows(), w.cols(), out);
    }

    static void quantizeRow(float[] x, MemorySegment out, long off) {
        for (int b = 0; b < x.length / Q8Matrix.BLOCK; b++) {
            float amax = 0;
            for (int j = 0; j < Q8Matrix.BLOCK; j++) amax = Math.max(amax, Math.abs(x[b * Q8Matrix.BLOCK + j]));
            float d = amax / 127f;
            float id = d != 0 ? 1f / d : 0f;
            long blockOff = off + (long) b * Q8Matrix.BLOCK_BYTES;
            out.set(SHORT, blockOff, Float.floatToFloat16(d));
            for (int j = 0; j < Q8Matrix.BLOCK; j++) {
                float v = x[b * Q8Matrix.BLOCK + j] * id;
                // C's roundf: halves go away from zero (Math.round alone sends −2.5 to −2).
                int q = v < 0 ? -Math.round(-v) : Math.round(v);
                out.set(ValueLayout.JAVA_BYTE, blockOff + 2 + j, (byte) q);
            }
        }
    }
}
