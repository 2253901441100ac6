package org.scans.method;

import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;

/**
 * {@code h̃_l[p] = h_l[p] + σ·α·v_l} for p ≥ p_end on the steering layers (SCANS.md §6), applied
 * to the layer output before the next layer reads it, so the effect compounds and the KV cache
 * holds steered keys and values from p_end on. A negative {@code fromPosition} (marker not found)
 * steers every position, as the reference does.
 */
public final class SteeringHook implements ResidualHook {
    private final ScansVectors vectors;
    private final boolean[] steered;
    private final float scale;
    private final int fromPosition;

    public SteeringHook(ScansVectors vectors, int[] layers, double alpha, int sign, int fromPosition) {
        this.vectors = vectors;
        this.steered = new boolean[vectors.layers()];
        for (int l : layers) steered[l] = true;
        this.scale = (float) (sign * alpha);
        this.fromPosition = fromPosition;
    }

    @Override
    public void afterLayer(int layer, Residual residual) {
        if (steered[layer] && scale != 0f) residual.addFrom(fromPosition, vectors.refusal(layer), scale);
    }
}
