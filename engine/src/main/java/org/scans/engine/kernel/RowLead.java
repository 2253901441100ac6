package org.scans.engine.kernel;

import java.lang.foreign.MemorySegment;

/**
 * Where the rows of a memory-mapped BF16 or F16 matrix start against the vector width, and how
 * the decode kernels read them with aligned loads anyway.
 *
 * <p>A safetensors file's tensors start wherever its JSON header ends: in the files here, 56 bytes
 * past a 64-byte boundary. Every 512-bit load of such a row then spans two cache lines. On an AMD
 * Zen 5 core that cost one-thread decode kernels 5% (BF16) and 12–16% (F16) of their read rate in a
 * scratch harness (bench/README.md, round 36). The data cannot move: the weights stay mapped.
 *
 * <p>So the kernels read each row from the vector boundary at or before its start: the row's
 * <em>lead</em> is the number of weights between that boundary and column 0, which are the end of
 * the previous row. The activations are laid out to match ({@link PairedLayout#pairLed}): {@code
 * lead} zeros, the row's columns, zeros up to a whole number of blocks. The neighbours' weights
 * meet only those zeros. A row so read covers {@link #span} columns and needs the row before and
 * the row after it in the matrix (its first and last blocks reach into them), so a matrix's first
 * and last rows are read as they sit: in a decode, with the whole first or last tile of rows they
 * belong to where the thread's range holds it ({@link #firstTileUnled}, {@link #lastTileUnled}),
 * else alone through a one-row kernel. Neighbouring weights that are infinite or NaN would
 * make NaN of a zero product: the BF16 kernels therefore take this path only for matrices known
 * to hold none ({@code BF16Kernels.finite}), and the F16 fast widening makes every half finite.
 */
public final class RowLead {
    /**
     * The threads' row ranges of a decode start at multiples of this (CpuBackend.ROW_GRAIN), which
     * {@link #lastTileUnled} counts on.
     */
    public static final int CHUNK_ROWS = 16;

    private RowLead() {}

    /**
     * Whether a decode over rows {@code [r0, r1)} of a led matrix of {@code rows} rows reads the
     * matrix's first {@code height} rows as they sit, as one tile, rather than its first row alone.
     * A range that holds row 0 starts a thread's share, so it holds the whole tile whenever the
     * matrix has rows enough, and row 0's tile is the same however the threads split the rows.
     */
    static boolean firstTileUnled(int rows, int height, int r0, int r1) {
        return r0 == 0 && rows >= 2 * height && r1 >= height;
    }

    /**
     * {@link #firstTileUnled} for the last {@code height} rows. The range that holds the last row
     * starts at a multiple of {@link #CHUNK_ROWS}, but may start inside the last tile; so the tile
     * is taken only where it lies within the matrix's last {@link #CHUNK_ROWS}-aligned group of
     * rows, which every such range holds, and the rows' sums do not depend on the split.
     */
    static boolean lastTileUnled(int rows, int height, int r0, int r1) {
        return r1 == rows && rows >= 2 * height && r0 <= rows - height && rows - height >= (rows - 1) / CHUNK_ROWS * CHUNK_ROWS;
    }

    /**
     * The lead of {@code w}'s rows ({@code cols} 16-bit weights each), or 0 where the rows are
     * aligned already or cannot all be read from one boundary: rows whose length is not a whole
     * number of vectors sit at different offsets, and an odd address splits the weights.
     */
    public static int of(MemorySegment w, int cols) {
        long rowBytes = 2L * cols;
        if (!w.isNative() || rowBytes % Vectors.VBYTES != 0 || w.byteSize() < 3 * rowBytes) return 0;
        long off = w.address() % Vectors.VBYTES;
        return off % 2 != 0 ? 0 : (int) (off / 2);
    }

    /** Columns a led row covers in the kernels: the lead and the row, rounded up to whole blocks. */
    public static int span(int cols, int lead) {
        int b = PairedLayout.block();
        return (cols + lead + b - 1) / b * b;
    }
}
