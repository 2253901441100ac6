package org.scans.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.scans.engine.model.LlamaModel;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * Extracts the refusal directions and reference transition vectors from anchor prompts with one
 * forward pass per prompt (SCANS.md §4, §5). Means are accumulated in double.
 */
public final class VectorExtractor {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final MarkerFinder marker;
    private final Consumer<String> warnings;

    public VectorExtractor(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, Consumer<String> warnings) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.marker = MarkerFinder.of(tokenizer, template);
        this.warnings = warnings;
    }

    /**
     * {@code u_l = mean_H h_l[−1] − mean_B h_l[−1]} over extraction prompts, {@code v_l = u_l/‖u_l‖};
     * {@code r_l = mean_H (h_l[s1] − h_l[n−1])} over classification prompts of the harmful anchors.
     */
    public ScansVectors extract(List<String> harmful, List<String> harmless, Map<String, String> metadata) {
        if (harmful.isEmpty() || harmless.isEmpty()) throw new IllegalArgumentException("both anchor sets need at least one prompt");
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        double[][] meanHarmful = lastTokenMean(harmful);
        double[][] meanHarmless = lastTokenMean(harmless);
        float[][] refusal = new float[layers][dim];
        float[] norms = new float[layers];
        for (int l = 0; l < layers; l++) {
            double n = 0;
            for (int i = 0; i < dim; i++) {
                double u = meanHarmful[l][i] - meanHarmless[l][i];
                n += u * u;
            }
            n = Math.sqrt(n);
            norms[l] = (float) n;
            for (int i = 0; i < dim; i++) refusal[l][i] = (float) ((meanHarmful[l][i] - meanHarmless[l][i]) / n);
        }
        float[][] transition = transitionMean(harmful);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(ScansVectors.FORMAT, ScansVectors.FORMAT_VALUE);
        meta.put(ScansVectors.CONFIG_HASH, model.config().hash());
        meta.put(ScansVectors.HIDDEN_SIZE, String.valueOf(dim));
        meta.put(ScansVectors.LAYERS, String.valueOf(layers));
        meta.put(ScansVectors.TEMPLATE, template.name());
        return new ScansVectors(refusal, norms, transition, meta);
    }

    private double[][] lastTokenMean(List<String> prompts) {
        List<PromptRunner.Job> jobs = new ArrayList<>();
        for (String q : prompts) {
            int[] ids = template.extraction(q).encode(tokenizer);
            jobs.add(new PromptRunner.Job(ids, new int[] {ids.length - 1}));
        }
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        double[][] sum = new double[layers][dim];
        for (HiddenStateCapture c : PromptRunner.capture(model, jobs)) {
            for (int l = 0; l < layers; l++) {
                float[] h = c.state(l, 0);
                for (int i = 0; i < dim; i++) sum[l][i] += h[i];
            }
        }
        for (double[] row : sum) for (int i = 0; i < dim; i++) row[i] /= prompts.size();
        return sum;
    }

    private float[][] transitionMean(List<String> harmful) {
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        List<PromptRunner.Job> jobs = new ArrayList<>();
        for (String q : harmful) jobs.add(HarmfulnessClassifier.job(tokenizer, template, marker, q, warnings));
        double[][] sum = new double[layers][dim];
        for (HiddenStateCapture c : PromptRunner.capture(model, jobs)) {
            for (int l = 0; l < layers; l++) {
                float[] s1 = c.state(l, 0), last = c.state(l, 1);
                for (int i = 0; i < dim; i++) sum[l][i] += (double) s1[i] - last[i];
            }
        }
        float[][] out = new float[layers][dim];
        for (int l = 0; l < layers; l++) for (int i = 0; i < dim; i++) out[l][i] = (float) (sum[l][i] / harmful.size());
        return out;
    }
}
