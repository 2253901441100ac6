package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Weights quantized to llama.cpp's Q8_0 numbers: each row is cut into blocks of 32 values, each
 * held as an F16 scale d and 32 signed bytes q, with value = d·q. {@code cols} must be a multiple
 * of 32. The scales are stored widened to float32 (exactly: every F16 is a float), 1.125 bytes
 * per weight instead of llama.cpp's 1.0625: converting an F16 scale in the decode loop (a scalar
 * load, a move into a vector register, {@code vcvtph2ps}, a broadcast) cost more than the 6%
 * more bytes. On an Intel Xeon core, where that work shares two ports with the FMAs, one thread
 * decoded 9.5 G weights/s from memory with float32 scales against 7.1 with F16 ones
 * ({@code bench/README.md}, round 25).
 *
 * <p>The bytes are ours to order, since Q8_0 only ever comes from quantizing at load, and they
 * are not in llama.cpp's row-major order. Rows go in groups of {@link #GROUP}, and a group's
 * blocks are stored one after another; each <em>group block</em> holds the group's 8 scales (32
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
    /** One group block: {@link #GROUP} float32 scales, then {@link #GROUP} × {@link #BLOCK} quants. */
    public static final int GROUP_BLOCK_BYTES = GROUP * 4 + GROUP * BLOCK;
    /** Offset of the quants within a group block. */
    public static final int QUANTS = GROUP * 4;
    /** A scale as stored: an F16 value widened to float32. */
    public static final ValueLayout.OfFloat SCALE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /** Offset of the scale of {@code row}'s block {@code block}. */
    public long scaleOffset(int row, int block) {
        return groupBlock(row, block) + 4L * (row % GROUP);
    }

    /** Offset of the first quant of {@code row}'s block {@code block}. */
    public long quantOffset(int row, int block) {
        return groupBlock(row, block) + QUANTS + (long) BLOCK * (row % GROUP);
    }

    public float scale(int row, int block) {
        return data.get(SCALE, scaleOffset(row, block));
    }

    /** Stores the F16 scale {@code d16} of {@code row}'s block {@code block}, widened. */
    public void setScale(int row, int block, short d16) {
        data.set(SCALE, scaleOffset(row, block), Float.float16ToFloat(d16));
    }

    @Override
    public float get(int row, int col) {
        int block = col / BLOCK;
        return scale(row, block) * data.get(ValueLayout.JAVA_BYTE, quantOffset(row, block) + col % BLOCK);
    }
}
