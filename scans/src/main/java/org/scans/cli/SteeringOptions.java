package org.scans.cli;

import org.scans.experiment.ScansContext;
import org.scans.method.SteeringPlan;
import picocli.CommandLine.Option;

/** The steering overrides the evals share (the classifier's are {@link ClassifierOptions}); the model preset gives the defaults. */
final class SteeringOptions {
    @Option(names = "--alpha", paramLabel = "A", description = "Steering strength α (default: the eval's reference value).")
    Double alpha;

    @Option(names = "--layers", paramLabel = "LIST", description = "Steering layers, e.g. 10-19 (default: the preset's).")
    String layers;

    /** Checks the values that need no model. */
    void check() {
        requireAlpha(alpha);
    }

    /**
     * Every command's check of {@code --alpha}: a number, and not negative, since a negative α
     * turns steering round against the sign that σ or {@code --sign} chose.
     */
    static void requireAlpha(Double alpha) {
        if (alpha == null) return;
        if (!Double.isFinite(alpha)) throw new UserException("--alpha must be a number >= 0, got " + alpha);
        if (alpha < 0) throw new UserException("--alpha must be >= 0 (the direction comes from σ or --sign), got " + alpha);
    }

    /** Fails early (before any vectors are extracted) on steering layers outside the model. */
    void checkModel(org.scans.engine.model.LlamaConfig config) {
        if (layers != null) CliFiles.layers(layers, config.numLayers(), "--layers");
    }

    /** The plan with the sign from the classifier; α is {@code --alpha} or {@code referenceAlpha}. */
    SteeringPlan plan(ScansContext ctx, double referenceAlpha) {
        int[] l = layers != null ? CliFiles.layers(layers, ctx.model().config().numLayers(), "--layers") : ctx.preset().steeringLayers();
        return new SteeringPlan(l, alpha != null ? alpha : referenceAlpha, 0);
    }
}
