package org.scans.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
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
    private final Set<Fix> fixes;

    public VectorExtractor(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, Consumer<String> warnings) {
        this(model, tokenizer, template, Fix.none(), warnings);
    }

    public VectorExtractor(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, Set<Fix> fixes, Consumer<String> warnings) {
        this.fixes = Set.copyOf(fixes);
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
    public ScansVectors extract(List<String> harmful, List<String> harmlessPrompts, Map<String, String> metadata) {
        return extract(harmful, harmlessPrompts, metadata, n -> {});
    }

    /** The forward passes {@link #extract} makes: each harmful anchor twice, each harmless one once. */
    public static int passes(List<String> harmful, List<String> harmlessPrompts) {
        return 2 * harmful.size() + harmlessPrompts.size();
    }

    /** As {@link #extract(List, List, Map)}, telling {@code passesDone} of each batch of forward passes as it ends. */
    public ScansVectors extract(List<String> harmful, List<String> harmlessPrompts, Map<String, String> metadata, IntConsumer passesDone) {
        if (harmful.isEmpty() || harmlessPrompts.isEmpty()) throw new IllegalArgumentException("both anchor sets need at least one prompt");
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        VectorMath.Sum[] harm = lastTokenSums(harmful, passesDone), harmless = lastTokenSums(harmlessPrompts, passesDone);
        float[][] refusal = new float[layers][];
        float[] norms = new float[layers];
        for (int l = 0; l < layers; l++) {
            double[] u = VectorMath.difference(harm[l].mean(), harmless[l].mean());
            norms[l] = (float) VectorMath.norm(u);
            refusal[l] = VectorMath.unit(u);
        }
        float[][] transition = transitionMean(harmful, passesDone);
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.put(ScansVectors.FORMAT, ScansVectors.FORMAT_VALUE);
        meta.put(ScansVectors.CONFIG_HASH, model.config().hash());
        meta.put(ScansVectors.HIDDEN_SIZE, String.valueOf(dim));
        meta.put(ScansVectors.LAYERS, String.valueOf(layers));
        meta.put(ScansVectors.TEMPLATE, template.name());
        meta.put(ScansVectors.FIXES, Fix.describe(fixes));
        return new ScansVectors(refusal, norms, transition, meta);
    }

    /** Per layer, the sum of h_l at the last token of each extraction prompt. */
    private VectorMath.Sum[] lastTokenSums(List<String> prompts, IntConsumer passesDone) {
        List<PromptRunner.Job> jobs = new ArrayList<>();
        for (String q : prompts) {
            int[] ids = template.extraction(HarmfulnessClassifier.query(q, fixes)).encode(tokenizer);
            jobs.add(new PromptRunner.Job(ids, new int[] {ids.length - 1}));
        }
        VectorMath.Sum[] sums = sums();
        for (HiddenStateCapture c : PromptRunner.capture(model, jobs, !fixes.contains(Fix.RAW_LAST_LAYER), passesDone)) {
            for (int l = 0; l < sums.length; l++) sums[l].add(c.state(l, 0));
        }
        return sums;
    }

    private VectorMath.Sum[] sums() {
        VectorMath.Sum[] s = new VectorMath.Sum[model.config().numLayers()];
        for (int l = 0; l < s.length; l++) s[l] = new VectorMath.Sum(model.config().hiddenSize());
        return s;
    }

    /** Per layer, {@code mean_H (h_l[s1] − h_l[n−1])} over the harmful classification inputs. */
    private float[][] transitionMean(List<String> harmful, IntConsumer passesDone) {
        List<PromptRunner.Job> jobs = new ArrayList<>();
        for (String q : harmful) jobs.add(HarmfulnessClassifier.job(tokenizer, template, marker, HarmfulnessClassifier.query(q, fixes), warnings));
        VectorMath.Sum[] sums = sums();
        for (HiddenStateCapture c : PromptRunner.capture(model, jobs, !fixes.contains(Fix.RAW_LAST_LAYER), passesDone)) {
            for (int l = 0; l < sums.length; l++) sums[l].addDifference(c.state(l, 0), c.state(l, 1));
        }
        float[][] out = new float[sums.length][];
        for (int l = 0; l < sums.length; l++) out[l] = VectorMath.toFloat(sums[l].mean());
        return out;
    }
}
