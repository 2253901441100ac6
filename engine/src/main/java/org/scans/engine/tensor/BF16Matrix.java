package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** bfloat16 weights: the top 16 bits of a float32, so widening is a shift. */
public record BF16Matrix(String name, int rows, int cols, MemorySegment data) implements WeightMatrix {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public DType dtype() {
        return DType.BF16;
    }

    @Override
    public float get(int row, int col) {
        return Float.intBitsToFloat(data.get(LE, ((long) row * cols + col) * 2) << 16);
    }

    /** As {@link #get}, in one pass over the row (quantizing at load reads every row once). */
    @Override
    public void readRow(int row, float[] dst, int off) {
        long base = (long) row * cols * 2;
        for (int c = 0; c < cols; c++) dst[off + c] = Float.intBitsToFloat(data.get(LE, base + 2L * c) << 16);
    }
}
