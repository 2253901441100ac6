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
        int layers = model.config().numLayers(), dim = model.config().hiddenSize();
        List<HiddenStateCapture> out = new ArrayList<>(jobs.size());
        List<Step> batch = new ArrayList<>();
        int rows = 0;
        for (Job job : jobs) {
            if (!batch.isEmpty() && rows + job.ids().length > ROWS_PER_CALL) {
                run(model, batch, promptsDone);
                rows = 0;
            }
            HiddenStateCapture c = new HiddenStateCapture(layers, dim, normedLast, job.positions());
            Sequence seq = model.newSequence();
            seq.addHook(c);
            batch.add(new Step(seq, job.ids(), Logits.NONE));
            rows += job.ids().length;
            out.add(c);
        }
        if (!batch.isEmpty()) run(model, batch, promptsDone);
        return out;
    }

    /**
     * One forward call for the batch, then tells {@code promptsDone} how many prompts it took; the
     * sequences are only read through their hooks, so they are freed right after.
     */
    private static void run(LlamaModel model, List<Step> batch, IntConsumer promptsDone) {
        try {
            model.forward(batch, (s, t, l, o) -> {});
        } finally {
            for (Step s : batch) s.sequence().close();
        }
        promptsDone.accept(batch.size());
        batch.clear();
    }
}
