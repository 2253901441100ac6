package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * llama.cpp's Q8_0 layout: each row is cut into blocks of 32 values, each stored as an F16 scale
 * d followed by 32 signed bytes q, with value = d·q. {@code cols} must be a multiple of 32.
 */
public record Q8Matrix(String name, int rows, int cols, MemorySegment data) implements WeightMatrix {
    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Q8Matrix {
        if (cols % BLOCK != 0) throw new IllegalArgumentException(name + ": Q8_0 needs cols % 32 == 0, got " + cols);
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    public long rowBytes() {
        return (long) cols / BLOCK * BLOCK_BYTES;
    }

    @Override
    public float get(int row, int col) {
        long block = row * rowBytes() + (long) (col / BLOCK) * BLOCK_BYTES;
        float d = Float.float16ToFloat(data.get(LE, block));
        return d * data.get(ValueLayout.JAVA_BYTE, block + 2 + col % BLOCK);
    }
}
