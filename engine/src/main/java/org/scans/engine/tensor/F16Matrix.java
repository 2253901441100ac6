package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** IEEE half-precision weights. */
public record F16Matrix(String name, int rows, int cols, MemorySegment data) implements WeightMatrix {
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public DType dtype() {
        return DType.F16;
    }

    @Override
    public float get(int row, int col) {
        return Float.float16ToFloat(data.get(LE, ((long) row * cols + col) * 2));
    }
}
