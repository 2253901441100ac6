package org.scans.method;

/** Cosine similarity as torch.nn.functional.cosine_similarity computes it, NaN mapped to 0. */
public final class Cosine {
    /** torch's default eps: each norm is clamped to at least this. */
    public static final double EPS = 1e-8;

    private Cosine() {}

    public static double of(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        double c = dot / (Math.max(Math.sqrt(na), EPS) * Math.max(Math.sqrt(nb), EPS));
        return Double.isNaN(c) ? 0 : c;
    }

    public static double norm(float[] a) {
        double s = 0;
        for (float v : a) s += (double) v * v;
        return Math.sqrt(s);
    }
}
