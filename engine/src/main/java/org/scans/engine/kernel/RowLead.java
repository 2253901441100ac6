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
 * and last rows keep the ordinary kernels. Neighbouring weights that are infinite or NaN would
 * make NaN of a zero product: the BF16 kernels therefore take this path only for matrices known
 * to hold none ({@code BF16Kernels.finite}), and the F16 fast widening makes every half finite.
 */
public final class RowLead {
    private RowLead() {}

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
