package org.scans.method;

import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;

/**
 * Captures {@code h_l[p]} for chosen positions at every layer, the way the reference reads Hugging
 * Face's {@code output_hidden_states}: layer l's output for l < L−1, and for the last layer the
 * output of the final RMSNorm (SCANS.md §1). Values are kept in float32, as computed.
 */
public final class HiddenStateCapture implements ResidualHook {
    private final int layers;
    private final boolean normedLast;
    private final int[] positions;
    /** [layer][position index][dim]. */
    private final float[][][] states;

    /**
     * @param positions sequence positions to capture (absolute; negative counts from the end is
     *     not supported here: resolve it first)
     */
    public HiddenStateCapture(int layers, int dim, int... positions) {
        this(layers, dim, true, positions);
    }

    /** @param normedLast false to read the last layer's raw residual ({@link Fix#RAW_LAST_LAYER}) */
    public HiddenStateCapture(int layers, int dim, boolean normedLast, int... positions) {
        this.layers = layers;
        this.normedLast = normedLast;
        this.positions = positions.clone();
        this.states = new float[layers][positions.length][dim];
    }

    @Override
    public void afterLayer(int layer, Residual r) {
        if (layer < layers - 1 || !normedLast) copy(layer, r);
    }

    @Override
    public boolean wantsFinalNorm() {
        return normedLast;
    }

    @Override
    public void afterFinalNorm(Residual normed) {
        copy(layers - 1, normed);
    }

    private void copy(int layer, Residual r) {
        for (int i = 0; i < positions.length; i++) {
            int row = positions[i] - r.firstPosition();
            if (row >= 0 && row < r.rows()) r.read(row, states[layer][i], 0);
        }
    }

    /** {@code h_layer} at the i-th requested position. */
    public float[] state(int layer, int i) {
        return states[layer][i];
    }
}
