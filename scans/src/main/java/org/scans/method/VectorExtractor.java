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

    /**
     * The forward passes {@link #extract} makes: one per harmless anchor, and one per harmful
     * anchor whose extraction input begins its classification input (with the reference's
     * templates they differ only by the classification's final "Sure", so one pass gives both
     * states: causal attention leaves every earlier position as the shorter input has it), else
     * two.
     */
    public int passes(List<String> harmful, List<String> harmlessPrompts) {
        int n = harmlessPrompts.size();
        for (String q : harmful) n += harmfulPasses(q, w -> {}).size();
        return n;
    }

    /** As {@link #extract(List, List, Map)}, telling {@code passesDone} of each batch of forward passes as it ends. */
    public ScansVectors extract(List<String> harmful, List<String> harmlessPrompts, Map<String, String> metadata, IntConsumer passesDone) {
        if (harmful.isEmpty() || harmlessPrompts.isEmpty()) throw new IllegalArgumentException("both anchor sets need at least one prompt");
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        VectorMath.Sum[] harm = sums(), harmless = lastTokenSums(harmlessPrompts, passesDone), transitions = sums();
        harmfulSums(harmful, harm, transitions, passesDone);
        float[][] refusal = new float[layers][];
        float[] norms = new float[layers];
        for (int l = 0; l < layers; l++) {
            double[] u = VectorMath.difference(harm[l].mean(), harmless[l].mean());
            norms[l] = (float) VectorMath.norm(u);
            refusal[l] = VectorMath.unit(u);
        }
        float[][] transition = new float[layers][];
        for (int l = 0; l < layers; l++) transition[l] = VectorMath.toFloat(transitions[l].mean());
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
        for (String q : prompts) jobs.add(extractionJob(q));
        VectorMath.Sum[] sums = sums();
        for (HiddenStateCapture c : PromptRunner.capture(model, jobs, !fixes.contains(Fix.RAW_LAST_LAYER), passesDone)) {
            for (int l = 0; l < sums.length; l++) sums[l].add(c.state(l, 0));
        }
        return sums;
    }

    private PromptRunner.Job extractionJob(String q) {
        int[] ids = template.extraction(HarmfulnessClassifier.query(q, fixes)).encode(tokenizer);
        return new PromptRunner.Job(ids, new int[] {ids.length - 1});
    }

    /**
     * One forward pass over a harmful anchor's input: whether it gives the transition
     * {@code h_l[s1] − h_l[n−1]} (its capture's positions 0 and 1), and which capture position is
     * the extraction input's last token (−1: none).
     */
    private record HarmfulPass(PromptRunner.Job job, boolean transition, int lastToken) {}

    /**
     * A harmful anchor's passes: its classification input, also capturing the extraction input's
     * last position when the extraction input is a prefix of it; else that and an extraction pass.
     */
    private List<HarmfulPass> harmfulPasses(String q, Consumer<String> warnings) {
        PromptRunner.Job classification = HarmfulnessClassifier.job(tokenizer, template, marker, HarmfulnessClassifier.query(q, fixes), warnings);
        PromptRunner.Job extraction = extractionJob(q);
        int[] c = classification.ids(), e = extraction.ids();
        if (e.length <= c.length && java.util.Arrays.equals(e, 0, e.length, c, 0, e.length)) {
            int[] p = classification.positions();
            return List.of(new HarmfulPass(new PromptRunner.Job(c, new int[] {p[0], p[1], e.length - 1}), true, 2));
        }
        return List.of(new HarmfulPass(classification, true, -1), new HarmfulPass(extraction, false, 0));
    }

    /**
     * Adds each harmful anchor's h_l at the extraction input's last token to {@code lastToken}
     * and its {@code h_l[s1] − h_l[n−1]} (classification input) to {@code transitions}.
     */
    private void harmfulSums(List<String> harmful, VectorMath.Sum[] lastToken, VectorMath.Sum[] transitions, IntConsumer passesDone) {
        List<HarmfulPass> passes = new ArrayList<>();
        for (String q : harmful) passes.addAll(harmfulPasses(q, warnings));
        List<HiddenStateCapture> captured = PromptRunner.capture(model, passes.stream().map(HarmfulPass::job).toList(),
                !fixes.contains(Fix.RAW_LAST_LAYER), passesDone);
        for (int j = 0; j < passes.size(); j++) {
            HiddenStateCapture c = captured.get(j);
            HarmfulPass p = passes.get(j);
            if (p.transition()) {
                for (int l = 0; l < transitions.length; l++) transitions[l].addDifference(c.state(l, 0), c.state(l, 1));
            }
            if (p.lastToken() >= 0) {
                for (int l = 0; l < lastToken.length; l++) lastToken[l].add(c.state(l, p.lastToken()));
            }
        }
    }

    private VectorMath.Sum[] sums() {
        VectorMath.Sum[] s = new VectorMath.Sum[model.config().numLayers()];
        for (int l = 0; l < s.length; l++) s[l] = new VectorMath.Sum(model.config().hiddenSize());
        return s;
    }
}
