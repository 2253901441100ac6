package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

public record F32Matrix(String name, int rows, int cols, MemorySegment data) implements WeightMatrix {
    static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public float get(int row, int col) {
        return data.get(LE, ((long) row * cols + col) * 4);
    }
}
