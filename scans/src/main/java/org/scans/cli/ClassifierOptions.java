package org.scans.cli;

import java.io.PrintStream;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import picocli.CommandLine.Option;

/** How the harmfulness classifier is configured: the model's preset, a named dataset preset, or explicit Λ and T. */
final class ClassifierOptions {
    @Option(names = "--classifier-layers", paramLabel = "LIST", description = "The classifier's layers Λ, e.g. 10-31 (default: the preset's).")
    String layers;

    @Option(names = "--threshold", paramLabel = "T", description = "Classifier threshold T: unsafe if c(q) ≥ T (default: the preset's, 0.75 for 7b).")
    Double threshold;

    @Option(names = "--preset", paramLabel = "NAME",
            description = "A per-dataset classifier preset of the reference (e.g. malicious, llmsafeguard, oktest); applied only when named.")
    String preset;

    /** Checks what can be checked before the model is loaded. */
    void validate() {
        if (threshold != null && !Double.isFinite(threshold)) throw new UserException("--threshold must be a number");
    }

    /**
     * Fails early (before any vectors are extracted) on layers outside the model or a preset it
     * does not have.
     */
    void checkModel(org.scans.method.ModelPreset model, org.scans.engine.model.LlamaConfig config) {
        if (layers != null) CliFiles.layers(layers, config.numLayers(), "--classifier-layers");
        checkPreset(model);
    }

    /** Fails early (before any vectors are extracted) on a preset this model does not have. */
    void checkPreset(org.scans.method.ModelPreset model) {
        if (preset == null) return;
        try {
            model.preset(preset);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    /** The model's preset, then the named dataset preset (printed), then explicit Λ and T. */
    ClassifierSettings resolve(ScansContext ctx, PrintStream err) {
        ClassifierSettings s = ctx.preset().classifier();
        if (preset != null) {
            try {
                s = ctx.preset().preset(preset);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            err.println("preset " + preset + " for " + ctx.preset().name() + ": classifier " + s);
        }
        if (layers != null) s = s.withLayers(CliFiles.layers(layers, ctx.model().config().numLayers(), "--classifier-layers"));
        if (threshold != null) {
            s = s.withThreshold(threshold);
            noteOutOfRange(threshold, err);
        }
        return s;
    }

    /** Cosines lie in [-1, 1]: a threshold outside gives every query the same verdict (a 7 typed for 0.7, say). */
    static void noteOutOfRange(double threshold, PrintStream err) {
        if (Math.abs(threshold) > 1) {
            err.println("note: --threshold " + threshold + " lies outside [-1, 1], where the cosines the classifier compares lie: "
                    + "every query gets the same verdict");
        }
    }
}
