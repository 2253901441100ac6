package org.scans.engine.model;

/**
 * Rotary-embedding angles for every position, as Hugging Face computes them: inverse frequencies
 * {@code θ^(−2i/d)} in float32, angle = position × frequency as a float32 product, then cos and
 * sin of that float. Row p holds {@code d/2} values, shared by both halves of a head.
 */
public final class RopeTable {
    private final int half;
    private final float[] cos;
    private final float[] sin;

    public RopeTable(int headDim, int positions, double theta, double scalingFactor) {
        this.half = headDim / 2;
        this.cos = new float[positions * half];
        this.sin = new float[positions * half];
        float[] invFreq = new float[half];
        for (int i = 0; i < half; i++) {
            float exponent = (float) (2 * i) / headDim;
            invFreq[i] = (float) (1.0 / (float) Math.pow(theta, exponent));
        }
        for (int p = 0; p < positions; p++) {
            float t = (float) (p / scalingFactor);
            for (int i = 0; i < half; i++) {
                float angle = t * invFreq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
    }

    public int half() {
        return half;
    }

    public int positions() {
        return cos.length / half;
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
