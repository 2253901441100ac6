package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Weights quantized to llama.cpp's Q8_0 numbers: each row is cut into blocks of 32 values, each
 * held as an F16 scale d and 32 signed bytes q, with value = d·q. {@code cols} must be a multiple
 * of 32.
 *
 * <p>The bytes are ours to order, since Q8_0 only ever comes from quantizing at load, and they
 * are not in llama.cpp's row-major order. Rows go in groups of {@link #GROUP}, and a group's
 * blocks are stored one after another; each <em>group block</em> holds the group's 8 scales (16
 * bytes), then its 8 rows' 32 quants in row order (256 bytes). The decode kernel, which works on
 * 8 rows at a time, then reads one sequential stream instead of 8 streams a row apart: from
 * memory, on one core, 19–20 G weights/s against 11–12 for the row-major layout
 * ({@code bench/README.md}, "Q8_0"). A last group with fewer than 8 rows is padded with zero
 * rows; the first 8 rows' first k blocks are a prefix of the data, as in row-major order.
 */
public record Q8Matrix(String name, int rows, int cols, MemorySegment data) implements WeightMatrix {
    public static final int BLOCK = 32;
    /** Rows stored together, block by block. */
    public static final int GROUP = 8;
    /** One group block: {@link #GROUP} F16 scales, then {@link #GROUP} × {@link #BLOCK} quants. */
    public static final int GROUP_BLOCK_BYTES = GROUP * 2 + GROUP * BLOCK;
    /** Offset of the quants within a group block. */
    public static final int QUANTS = GROUP * 2;
    static final ValueLayout.OfShort LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public Q8Matrix {
        if (cols % BLOCK != 0) throw new IllegalArgumentException(name + ": Q8_0 needs cols % 32 == 0, got " + cols);
        if (data.byteSize() != bytesFor(rows, cols)) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for Q8_0 [" + rows + ", " + cols + "], expected " + bytesFor(rows, cols));
        }
    }

    /** Groups of {@link #GROUP} rows that {@code rows} rows take, the last one padded if short. */
    public static int groups(int rows) {
        return (rows + GROUP - 1) / GROUP;
    }

    /** Bytes of a {@code rows × cols} matrix in this layout, padding rows included. */
    public static long bytesFor(int rows, int cols) {
        return (long) groups(rows) * (cols / BLOCK) * GROUP_BLOCK_BYTES;
    }

    @Override
    public DType dtype() {
        return DType.Q8_0;
    }

    public int blocks() {
        return cols / BLOCK;
    }

    /** Offset of group block ({@code row / 8}, {@code block}). */
    public long groupBlock(int row, int block) {
        return ((long) (row / GROUP) * blocks() + block) * GROUP_BLOCK_BYTES;
    }

    /** Offset of the F16 scale of {@code row}'s block {@code block}. */
    public long scaleOffset(int row, int block) {
        return groupBlock(row, block) + 2L * (row % GROUP);
    }

    /** Offset of the first quant of {@code row}'s block {@code block}. */
    public long quantOffset(int row, int block) {
        return groupBlock(row, block) + QUANTS + (long) BLOCK * (row % GROUP);
    }

    public float scale(int row, int block) {
        return Float.float16ToFloat(data.get(LE, scaleOffset(row, block)));
    }

    @Override
    public float get(int row, int col) {
        int block = col / BLOCK;
        return scale(row, block) * data.get(ValueLayout.JAVA_BYTE, quantOffset(row, block) + col % BLOCK);
    }
}
