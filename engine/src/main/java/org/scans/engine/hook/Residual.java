package org.scans.engine.hook;

/**
 * One sequence's rows of the residual stream in the current forward call: {@code rows}
 * consecutive positions starting at {@link #firstPosition()}, each {@code dim} floats wide. A
 * hook may read them, or add to them; additions change what the next layer sees (and what the
 * KV cache stores from then on). The view is valid only during the hook call.
 */
public final class Residual {
    private final float[] data;
    private final int firstRow;
    private final int rows;
    private final int dim;
    private final int firstPosition;

    public Residual(float[] data, int firstRow, int rows, int dim, int firstPosition) {
        this.data = data;
        this.firstRow = firstRow;
        this.rows = rows;
        this.dim = dim;
        this.firstPosition = firstPosition;
    }

    public int rows() {
        return rows;
    }

    public int dim() {
        return dim;
    }

    public int firstPosition() {
        return firstPosition;
    }

    /** The sequence position of row {@code row}. */
    public int position(int row) {
        return firstPosition + row;
    }

    public float get(int row, int i) {
        return data[(firstRow + row) * dim + i];
    }

    /** Copies row {@code row} into {@code dst[off .. off+dim)}. */
    public void read(int row, float[] dst, int off) {
        System.arraycopy(data, (firstRow + row) * dim, dst, off, dim);
    }

    /** Copies the row at sequence position {@code position}, which must be in this call. */
    public void readPosition(int position, float[] dst, int off) {
        int row = position - firstPosition;
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("position " + position + " is not in this call (" + firstPosition + ".." + (firstPosition + rows - 1) + ")");
        }
        read(row, dst, off);
    }

    /** Adds {@code scale·v} to row {@code row}. */
    public void add(int row, float[] v, float scale) {
        int base = (firstRow + row) * dim;
        for (int i = 0; i < dim; i++) data[base + i] += scale * v[i];
    }

    /** Adds {@code scale·v} to every row whose position is ≥ {@code fromPosition}. */
    public void addFrom(int fromPosition, float[] v, float scale) {
        for (int row = Math.max(0, fromPosition - firstPosition); row < rows; row++) add(row, v, scale);
    }
}
