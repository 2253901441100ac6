package org.scans.engine.tensor;

import java.lang.foreign.MemorySegment;

/**
 * A read-only 2-D weight matrix {@code [rows, cols]} in row-major order, as Hugging Face stores
 * a Linear layer ({@code out_features × in_features}) or an embedding table. The data stays
 * where it is (usually a slice of a memory-mapped file); each element type has its own view.
 */
public sealed interface WeightMatrix permits F32Matrix, F16Matrix, BF16Matrix, Q8Matrix {

    String name();

    int rows();

    int cols();

    MemorySegment data();

    DType dtype();

    /** Element (r, c) widened to float; slow, for tests, reference kernels and odd lookups. */
    float get(int row, int col);

    /** Widens row {@code row} into {@code dst[off .. off+cols)}. */
    default void readRow(int row, float[] dst, int off) {
        for (int c = 0; c < cols(); c++) dst[off + c] = get(row, c);
    }

    default long bytes() {
        return data().byteSize();
    }

    /** Bytes of a {@code rows × cols} matrix of {@code dtype}, Q8_0's padding rows included. */
    static long sizeOf(DType dtype, int rows, int cols) {
        return dtype == DType.Q8_0 ? Q8Matrix.bytesFor(rows, cols) : dtype.sizeOf((long) rows * cols);
    }

    /** Wraps a 2-D tensor of {@code dtype} (for Q8_0, in {@link Q8Matrix}'s order). */
    static WeightMatrix of(String name, DType dtype, int rows, int cols, MemorySegment data) {
        long need = sizeOf(dtype, rows, cols);
        if (data.byteSize() != need) {
            throw new IllegalArgumentException(name + ": " + data.byteSize() + " bytes for " + dtype + " [" + rows + ", " + cols + "], expected " + need);
        }
        return switch (dtype) {
            case F32 -> new F32Matrix(name, rows, cols, data);
            case F16 -> new F16Matrix(name, rows, cols, data);
            case BF16 -> new BF16Matrix(name, rows, cols, data);
            case Q8_0 -> new Q8Matrix(name, rows, cols, data);
        };
    }
}
