package org.scans.method;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * σ(q) (SCANS.md §5): run the classification input {@code … [/INST] Sure} once, take
 * {@code t_l = h_l[s1] − h_l[n−1]} (end of instruction minus the teacher-forced "Sure"), and
 * compare it by cosine with the reference transition r_l on the layers Λ.
 */
public final class HarmfulnessClassifier {
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final MarkerFinder marker;
    private final ScansVectors vectors;
    private final ClassifierSettings settings;
    private final Consumer<String> warnings;
    private final Set<Fix> fixes;

    public HarmfulnessClassifier(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, ScansVectors vectors,
                                 ClassifierSettings settings, Consumer<String> warnings) {
        this(model, tokenizer, template, vectors, settings, Fix.none(), warnings);
    }

    public HarmfulnessClassifier(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, ScansVectors vectors,
                                 ClassifierSettings settings, Set<Fix> fixes, Consumer<String> warnings) {
        this.fixes = Set.copyOf(fixes);
        for (int l : settings.layers()) {
            if (l >= vectors.layers()) throw new IllegalArgumentException("classifier layer " + l + " is outside the model");
        }
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.marker = MarkerFinder.of(tokenizer, template);
        this.vectors = vectors;
        this.settings = settings;
        this.warnings = warnings;
    }

    public ClassifierSettings settings() {
        return settings;
    }

    public Verdict classify(String query) {
        return classifyAll(List.of(query)).get(0);
    }

    /** Queries per forward call of {@link #classifyInGroups}. */
    public static final int GROUP = 16;

    /**
     * Verdicts for the queries at the {@code wanted} positions of {@code queries}, each computed
     * with the rest of its fixed group, positions [16g, 16g + 16) of the whole list, through
     * {@link #classifyAll} (so in the same forward calls). Which tokens share a call decides which matrix kernel adds a token's products and in
     * what order, so a score moves in its last bits with its company; fixed groups keep every
     * score the same bits whatever the batch setting, and when a resumed job starts mid-list (a
     * group with members already done is computed whole), in every JIT tier.
     */
    public SortedMap<Integer, Verdict> classifyInGroups(List<String> queries, Collection<Integer> wanted) {
        SortedMap<Integer, Verdict> out = new TreeMap<>();
        classifyInGroups(queries, wanted, CacheKeeper.NONE).forEach((i, c) -> out.put(i, c.verdict()));
        return out;
    }

    /**
     * As {@link #classifyInGroups(List, Collection)}, handing back the classification passes'
     * sequences that {@code keeper} keeps (of wanted queries only), so that generations from the
     * same tokens can start from their KV caches (SCANS.md §11).
     */
    public SortedMap<Integer, Classification> classifyInGroups(List<String> queries, Collection<Integer> wanted, CacheKeeper keeper) {
        return classifyInGroups(queries, wanted, keeper, (done, total) -> {});
    }

    /** How many of a call's classification passes are done, of how many, as each forward call ends. */
    @FunctionalInterface
    public interface PassProgress {
        void passes(int done, int total);
    }

    /** As {@link #classifyInGroups(List, Collection, CacheKeeper)}, telling {@code progress} as passes end. */
    public SortedMap<Integer, Classification> classifyInGroups(List<String> queries, Collection<Integer> wanted, CacheKeeper keeper,
                                                               PassProgress progress) {
        SortedSet<Integer> want = new TreeSet<>(wanted);
        SortedSet<Integer> groups = new TreeSet<>();
        for (int i : want) groups.add(Objects.checkIndex(i, queries.size()) / GROUP);
        int total = 0;
        for (int g : groups) total += Math.min(queries.size(), (g + 1) * GROUP) - g * GROUP;
        int[] done = {0};
        int all = total;
        progress.passes(0, all);
        SortedMap<Integer, Classification> out = new TreeMap<>();
        for (int g : groups) {
            int from = g * GROUP, to = Math.min(queries.size(), from + GROUP);
            List<Classification> group = classify(queries.subList(from, to),
                    (j, ids, seq) -> want.contains(from + j) && keeper.keep(from + j, ids, seq), n -> progress.passes(done[0] += n, all));
            for (int j : want.subSet(from, to)) out.put(j, group.get(j - from));
        }
        return out;
    }

    /**
     * A verdict and, when its sequence was kept, the classification pass's sequence, whose KV
     * cache holds {@code ids} (else null).
     */
    public record Classification(Verdict verdict, int[] ids, Sequence cache) {}

    /** Decides whether the classification pass of query {@code query}, whose cache holds {@code ids}, is kept. */
    @FunctionalInterface
    public interface CacheKeeper {
        CacheKeeper NONE = (query, ids, sequence) -> false;

        boolean keep(int query, int[] ids, Sequence sequence);
    }

    /** Classifies several queries, batching their forward passes. */
    public List<Verdict> classifyAll(List<String> queries) {
        return classify(queries, CacheKeeper.NONE, n -> {}).stream().map(Classification::verdict).toList();
    }

    private List<Classification> classify(List<String> queries, CacheKeeper keeper, java.util.function.IntConsumer passesDone) {
        List<PromptRunner.Job> jobs = new ArrayList<>();
        for (String q : queries) jobs.add(job(tokenizer, template, marker, query(q, fixes), warnings));
        List<PromptRunner.Pass> passes = PromptRunner.passes(model, jobs, !fixes.contains(Fix.RAW_LAST_LAYER), passesDone,
                (j, seq) -> keeper.keep(j, jobs.get(j).ids(), seq));
        List<Classification> out = new ArrayList<>(queries.size());
        for (int i = 0; i < queries.size(); i++) {
            PromptRunner.Job job = jobs.get(i);
            out.add(new Classification(judge(passes.get(i).states(), job.positions()[0] != job.positions()[1]), job.ids(),
                    passes.get(i).sequence()));
        }
        return out;
    }

    private Verdict judge(HiddenStateCapture c, boolean markerFound) {
        int[] layers = settings.layers();
        double[] cos = new double[layers.length];
        double sum = 0;
        for (int i = 0; i < layers.length; i++) {
            int l = layers[i];
            float[] s1 = c.state(l, 0), last = c.state(l, 1);
            float[] t = new float[s1.length];
            for (int k = 0; k < t.length; k++) {
                t[k] = s1[k] - last[k];
                // Cosine maps NaN to 0, which would judge every query "safe" with no sign of trouble.
                if (!Float.isFinite(t[k])) {
                    throw new org.scans.engine.EngineException("the hidden state of layer " + l + " is not finite (" + t[k]
                            + "): the checkpoint holds NaN or infinite weights, or its activations overflow");
                }
            }
            cos[i] = Cosine.of(t, vectors.transition(l));
            sum += cos[i];
        }
        double score = sum / layers.length;
        return new Verdict(score, cos, decide(score, cos, settings), markerFound);
    }

    /** +1 unsafe, −1 safe, by the settings' rule. */
    static int decide(double score, double[] cosines, ClassifierSettings s) {
        return switch (s.rule()) {
            case MEAN_AT_LEAST -> score >= s.threshold() ? 1 : -1;
            case SAFE_IF_ANY_BELOW -> {
                for (double c : cosines) if (c < s.threshold()) yield -1;
                yield 1;
            }
        };
    }

    /** The query as the classifier sees it: as given (reference), or stripped ({@link Fix#STRIP_PROMPTS}). */
    static String query(String q, Set<Fix> fixes) {
        return fixes.contains(Fix.STRIP_PROMPTS) ? org.scans.data.PythonText.strip(q) : q;
    }

    /**
     * The classification input of {@code query} and its two positions: s1 (last token of the last
     * marker occurrence) and n−1 (the "Sure"). Without a marker the reference's index −1 picks the
     * last token for both, so t_l = 0; that is reproduced, with a warning.
     */
    static PromptRunner.Job job(Tokenizer tokenizer, ChatTemplate template, MarkerFinder marker, String query,
                                Consumer<String> warnings) {
        int[] ids = template.classification(query).encode(tokenizer);
        int s1 = marker.lastEnd(ids);
        if (s1 < 0) {
            warnings.accept("end-of-instruction marker not found in the classification input of " + Quote.of(query)
                    + "; its transition vector is 0 (as in the reference)");
            s1 = ids.length - 1;
        }
        return new PromptRunner.Job(ids, new int[] {s1, ids.length - 1});
    }
}
