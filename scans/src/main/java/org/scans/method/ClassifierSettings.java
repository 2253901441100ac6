package org.scans.method;

import java.util.Arrays;

/**
 * The harmfulness classifier's configuration: the layers Λ whose cosines are compared, the
 * threshold T, and the decision rule.
 *
 * @param layers 0-based, ascending
 */
public record ClassifierSettings(int[] layers, double threshold, Rule rule) {

    /** How the per-layer cosines become a verdict. */
    public enum Rule {
        /** Unsafe if the mean cosine over Λ is ≥ T (SCANS.md §5). */
        MEAN_AT_LEAST,
        /** Safe if any layer of Λ has a cosine < T (the reference's vicuna-7b XSTest rule). */
        SAFE_IF_ANY_BELOW
    }

    public ClassifierSettings {
        layers = layers.clone();
        if (layers.length == 0) throw new IllegalArgumentException("the classifier needs at least one layer");
        for (int i = 1; i < layers.length; i++) {
            if (layers[i] <= layers[i - 1]) throw new IllegalArgumentException("classifier layers must be ascending and distinct");
        }
    }

    public ClassifierSettings withThreshold(double t) {
        return new ClassifierSettings(layers, t, rule);
    }

    public ClassifierSettings withLayers(int[] l) {
        return new ClassifierSettings(l, threshold, rule);
    }

    @Override
    public String toString() {
        return "Λ=" + Layers.format(layers) + ", T=" + threshold + (rule == Rule.SAFE_IF_ANY_BELOW ? " (safe if any layer < T)" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassifierSettings c && Arrays.equals(layers, c.layers) && threshold == c.threshold && rule == c.rule;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(layers) * 31 + Double.hashCode(threshold) * 7 + rule.hashCode();
    }
}
