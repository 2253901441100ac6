package org.scans.method;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;

/**
 * Runs prompts through the model only to read hidden states (nothing is generated), several
 * prompts per forward call so the matrix products share each weight read.
 */
final class PromptRunner {
    /** Token rows per forward call: enough to amortise weight reads, small enough for the heap. */
    static final int ROWS_PER_CALL = 512;

    private PromptRunner() {}

    /** One prompt and the positions whose hidden states are wanted. */
    record Job(int[] ids, int[] positions) {}

    /** Returns, per job, a capture holding every layer's states at the job's positions. */
    static List<HiddenStateCapture> capture(LlamaModel model, List<Job> jobs, boolean normedLast) {
        return capture(model, jobs, normedLast, n -> {});
    }

    /** As {@link #capture(LlamaModel, List, boolean)}, telling {@code promptsDone} after each forward call how many prompts it took. */
    static List<HiddenStateCapture> capture(LlamaModel model, List<Job> jobs, boolean normedLast, IntConsumer promptsDone) {
        return passes(model, jobs, normedLast, promptsDone, Keeper.NONE).stream().map(Pass::states).toList();
    }

    /** Decides after a job's pass whether its sequence, with its KV cache, is handed back instead of freed. */
    @FunctionalInterface
    interface Keeper {
        Keeper NONE = (job, seq) -> false;

        boolean keep(int job, Sequence sequence);
    }

    /** A job's captured states and, if the keeper kept it, its sequence (hooks removed), else null. */
    record Pass(HiddenStateCapture states, Sequence sequence) {}

    /** The passes of {@code jobs}, in order; sequences the keeper declines are freed after their forward call. */
    static List<Pass> passes(LlamaModel model, List<Job> jobs, boolean normedLast, IntConsumer promptsDone, Keeper keeper) {
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        List<HiddenStateCapture> states = new ArrayList<>(jobs.size());
        Sequence[] kept = new Sequence[jobs.size()];
        List<Step> batch = new ArrayList<>();
        int rows = 0, first = 0;
        for (int j = 0; j < jobs.size(); j++) {
            Job job = jobs.get(j);
            if (!batch.isEmpty() && rows + job.ids().length > ROWS_PER_CALL) {
                run(model, batch, first, promptsDone, keeper, kept);
                first = j;
                rows = 0;
            }
            HiddenStateCapture c = new HiddenStateCapture(layers, dim, normedLast, job.positions());
            Sequence seq = model.newSequence();
            seq.addHook(c);
            batch.add(new Step(seq, job.ids(), Logits.NONE));
            rows += job.ids().length;
            states.add(c);
        }
        if (!batch.isEmpty()) run(model, batch, first, promptsDone, keeper, kept);
        List<Pass> out = new ArrayList<>(jobs.size());
        for (int j = 0; j < jobs.size(); j++) out.add(new Pass(states.get(j), kept[j]));
        return out;
    }

    /**
     * One forward call for the batch (jobs {@code first}…), then tells {@code promptsDone} how
     * many prompts it took; the sequences are read through their hooks, so those the keeper
     * declines are freed right after.
     */
    private static void run(LlamaModel model, List<Step> batch, int first, IntConsumer promptsDone, Keeper keeper, Sequence[] kept) {
        boolean ran = false;
        try {
            model.forward(batch, (s, t, l, o) -> {});
            ran = true;
        } finally {
            for (int i = 0; i < batch.size(); i++) {
                Sequence seq = batch.get(i).sequence();
                if (ran && keeper.keep(first + i, seq)) {
                    seq.clearHooks();
                    kept[first + i] = seq;
                } else {
                    seq.close();
                }
            }
        }
        promptsDone.accept(batch.size());
        batch.clear();
    }
}
