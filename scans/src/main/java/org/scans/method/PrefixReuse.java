package org.scans.method;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.scans.engine.generate.BatchGenerator;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.SharedPrefix;
import org.scans.engine.generate.TokenListener;

/**
 * SCANS.md §11: a query's classification input and its generation prompt begin with the same
 * tokens up to the end-of-instruction marker (with Llama-2's templates: all of the prompt, the
 * classification input adds "Sure"), and a steered generation changes nothing before p_end. So
 * the classification pass's KV cache can start the query's generations, steered and baseline,
 * where each would otherwise run the prompt through the model again: one prefill a query instead
 * of three. The kept caches wait from the classification of a chunk of queries until their
 * generations start, so they are bounded by a memory budget; a query whose cache was not kept
 * (over the budget, or a template whose inputs share no tokens) is prefilled as before. Closing
 * frees what no generation took.
 */
public final class PrefixReuse implements AutoCloseable {
    private final SteeredGenerator generator;
    private final List<String> queries;
    private long budget;
    private final List<SharedPrefix> shared = new ArrayList<>();

    /**
     * @param queries the list the classifier's indices point into
     * @param budgetBytes the most bytes of KV caches kept at once; 0 keeps none
     */
    public PrefixReuse(SteeredGenerator generator, List<String> queries, long budgetBytes) {
        this.generator = generator;
        this.queries = queries;
        this.budget = budgetBytes;
    }

    /** Keeps a classification pass that shares tokens with its query's generation prompt, while the budget lasts. */
    public HarmfulnessClassifier.CacheKeeper keeper() {
        return (query, ids, sequence) -> {
            long bytes = sequence.cache().bytes();
            if (bytes > budget) return false;
            int[] prompt = generator.promptIds(queries.get(query));
            int common = java.util.Arrays.mismatch(ids, prompt);
            if (common == 0) return false;
            budget -= bytes;
            return true;
        };
    }

    /** The kept pass of {@code c} shared by {@code users} generations, or null when it was not kept. */
    public SharedPrefix share(HarmfulnessClassifier.Classification c, int users) {
        if (c.cache() == null) return null;
        SharedPrefix s = new SharedPrefix(c.cache(), c.ids(), users);
        shared.add(s);
        return s;
    }

    /** A generation of {@code p}, starting from what {@code from} (possibly null) holds of its prompt. */
    public BatchGenerator.Request request(SharedPrefix from, SteeredGenerator.Prepared p, GenerationConfig config,
                                         TokenListener listener, Consumer<Generation> onFinish) {
        var r = new BatchGenerator.Request(p.sequence(), p.promptIds(), config, listener, onFinish);
        return from == null ? r : r.startingFrom(from, generator.reusable(from, p));
    }

    @Override
    public void close() {
        for (SharedPrefix s : shared) s.close();
        shared.clear();
    }
}
