package org.scans.engine.kernel;

import java.lang.foreign.MemorySegment;

/** The scalar ends of the tiles, shared by every weight type. */
final class Tiles {
    private Tiles() {}

    /** Weight (row r + i, column k) widened to float, for the columns no vector covered. */
    @FunctionalInterface
    interface TailWeight {
        float get(int i, int k);
    }

    /**
     * Adds the columns {@code [full, cols)} to the 16 reduced sums {@code s[4·i + j]} (row i,
     * token j), then stores them at {@code out[(t + j)·outStride + r + i]}. Tail activations are
     * in natural order in both layouts.
     */
    static void finish4x4(float[] s, int full, int cols, TailWeight w, float[] x, int x0, int t, int r,
                          float[] out, int outStride) {
        for (int k = full; k < cols; k++) {
            for (int i = 0; i < 4; i++) {
                float wik = w.get(i, k);
                for (int j = 0; j < 4; j++) s[4 * i + j] += wik * x[x0 + j * cols + k];
            }
        }
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) out[(t + j) * outStride + r + i] = s[4 * i + j];
        }
    }

    /** Weight (row r, column k) widened to float. */
    @FunctionalInterface
    interface RowWeight {
        float get(int r, int k);
    }

    /**
     * What the 8-row tiles of a paired product ({@code BF16Kernels.gemmPairs},
     * {@code F16Kernels.gemmPairs}) leave out, by scalar sums against a {@link TokenPanels#packPairs}
     * block: for the tiled rows {@code [r0, r)},
     * the columns past the last group of eight (odd widths only), added to what the tiles stored;
     * the rows {@code [r, r1)} after the last whole tile, all columns.
     */
    static void pairEdges(RowWeight w, int cols, int r0, int r, int r1, MemorySegment xq, int t0, int nt, float[] out,
                          int outStride) {
        edges(w, cols, r0, r, r1, xq, TokenPanels::pairAt, t0, nt, out, outStride);
    }

    /** As {@link #pairEdges} for the 4-row tiles of the {@code gemmQuads} kernels over a {@link TokenPanels#packQuads16} block (16 tokens). */
    static void quadEdges(RowWeight w, int cols, int r0, int r, int r1, MemorySegment xq, int t0, float[] out, int outStride) {
        edges(w, cols, r0, r, r1, xq, TokenPanels::quadAt, t0, 16, out, outStride);
    }

    /** Where a panel keeps token j's activation at column k. */
    @FunctionalInterface
    private interface PanelSlot {
        float at(MemorySegment xq, int cols, int k, int j);
    }

    private static void edges(RowWeight w, int cols, int r0, int r, int r1, MemorySegment xq, PanelSlot x, int t0, int nt, float[] out,
                              int outStride) {
        final int full = cols & ~7;
        if (full < cols) {
            for (int i = r0; i < r; i++) {
                for (int j = 0; j < nt; j++) {
                    float s = 0;
                    for (int k = full; k < cols; k++) s += w.get(i, k) * x.at(xq, cols, k, j);
                    out[(t0 + j) * outStride + i] += s;
                }
            }
        }
        for (int i = r; i < r1; i++) {
            for (int j = 0; j < nt; j++) {
                float s = 0;
                for (int k = 0; k < cols; k++) s += w.get(i, k) * x.at(xq, cols, k, j);
                out[(t0 + j) * outStride + i] = s;
            }
        }
    }
}
