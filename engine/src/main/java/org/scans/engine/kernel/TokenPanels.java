package org.scans.engine.kernel;

import static org.scans.engine.kernel.Vectors.L;

/**
 * Activations transposed for the matrix-product microkernels: tokens go across the vector lanes,
 * so that one weight, broadcast, multiplies {@link #WIDTH} tokens at once and a tile of
 * {@link #ROWS} rows × {@code WIDTH} tokens stays in registers for the whole width of the
 * matrix. No horizontal reduction is needed, each weight is widened once per {@code WIDTH}
 * tokens, and every activation vector loaded feeds {@code ROWS} FMAs.
 *
 * <p>Layout: tokens are cut into blocks of {@code WIDTH}; block b holds
 * {@code xt[b·cols·WIDTH + k·WIDTH + j] = x[(b·WIDTH + j)·cols + k]}, zero beyond the last token.
 */
public final class TokenPanels {
    /** Tokens per block: three float vectors. */
    public static final int WIDTH = 3 * L;
    /** Weight rows per microkernel tile. */
    public static final int ROWS = 8;

    private TokenPanels() {}

    /** Floats needed for {@code n} tokens of width {@code cols}. */
    public static int size(int n, int cols) {
        return (n + WIDTH - 1) / WIDTH * WIDTH * cols;
    }

    /** Writes x ({@code [n][cols]}, natural order) into {@code xt} in panel layout. */
    public static void pack(float[] x, int n, int cols, float[] xt) {
        for (int t0 = 0; t0 < n; t0 += WIDTH) {
            int base = t0 * cols, nt = Math.min(WIDTH, n - t0);
            for (int j = 0; j < nt; j++) {
                int src = (t0 + j) * cols;
                for (int k = 0; k < cols; k++) xt[base + k * WIDTH + j] = x[src + k];
            }
            for (int j = nt; j < WIDTH; j++) {
                for (int k = 0; k < cols; k++) xt[base + k * WIDTH + j] = 0f;
            }
        }
    }

    /**
     * Moves a finished tile ({@code tile[i·WIDTH + j]} = row r + i, token t0 + j) to
     * {@code out[(t0 + j)·outStride + r + i]} for the first {@code nt} tokens.
     */
    static void store(float[] tile, int r, int t0, int nt, float[] out, int outStride) {
        for (int j = 0; j < nt; j++) {
            int o = (t0 + j) * outStride + r;
            for (int i = 0; i < ROWS; i++) out[o + i] = tile[i * WIDTH + j];
        }
    }

    /** The vectors of a tile that {@code nt} tokens need: 1 to 3. */
    static int vectors(int nt) {
        return (nt + L - 1) / L;
    }
}
