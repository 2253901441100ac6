package org.scans.engine.model;

import java.util.Arrays;
import org.scans.engine.EngineException;

/**
 * Rotary-embedding angles for the first {@link #positions()} positions, as Hugging Face computes
 * them: inverse frequencies {@code θ^(−2i/d)} in float32, angle = position × frequency as a
 * float32 product, then cos and sin of that float. Row p holds {@code d/2} values, shared by both
 * halves of a head.
 *
 * <p>Rows are computed when first needed ({@link #ensure}), not for the whole context up front: a
 * model with a context of a million positions would otherwise fill 2 × 64 floats a position
 * (half a gigabyte at head_dim 128) before its first token. A row's values do not depend on when
 * it is computed. Not thread-safe: the model grows it before each forward pass, on the calling
 * thread.
 */
public final class RopeTable {
    /** The longest float array the JVM hands out. */
    private static final long MAX_FLOATS = Integer.MAX_VALUE - 8;

    private final int half;
    private final float[] invFreq;
    private final double scalingFactor;
    private int positions;
    private float[] cos = new float[0];
    private float[] sin = new float[0];

    /** A table whose first {@code positions} rows are computed now. */
    public RopeTable(int headDim, int positions, double theta, double scalingFactor) {
        this.half = headDim / 2;
        this.scalingFactor = scalingFactor;
        this.invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        ensure(positions);
    }

    /**
     * Computes the rows up to {@code positions} (exclusive) that are not yet; {@link #cos()} and
     * {@link #sin()} may then be new arrays.
     */
    public void ensure(int positions) {
        if (positions <= this.positions) return;
        long floats = (long) positions * half;
        if (floats > MAX_FLOATS) {
            throw new EngineException("the RoPE table for " + positions + " positions of head_dim " + 2 * half
                    + " needs " + floats + " floats, more than one Java array holds");
        }
        cos = Arrays.copyOf(cos, (int) floats);
        sin = Arrays.copyOf(sin, (int) floats);
        for (int p = this.positions; p < positions; p++) {
            float t = (float) (p / scalingFactor);
            for (int i = 0; i < half; i++) {
                float angle = t * invFreq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        this.positions = positions;
    }

    public int half() {
        return half;
    }

    /** Rows computed so far. */
    public int positions() {
        return positions;
    }

    public float[] cos() {
        return cos;
    }

    public float[] sin() {
        return sin;
    }

    /** Offset of position {@code p}'s row in {@link #cos()} and {@link #sin()}. */
    public int offset(int p) {
        return p * half;
    }
}
