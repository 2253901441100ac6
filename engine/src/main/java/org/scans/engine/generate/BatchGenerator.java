package org.scans.engine.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.scans.engine.model.ContextLimitException;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;

/**
 * Generation for many sequences at once, for dataset runs. Up to {@code maxBatch} sequences are
 * active; every forward call advances each of them by one token (and takes in the prompts of
 * newly admitted ones), so the weights are read once per step for the whole batch instead of
 * once per sequence. A sequence that stops (EOS, a stop id, its token budget, the context) is
 * retired at once and, while requests are waiting, its slot goes to the next one.
 *
 * <p>Each request brings its own {@link GenerationConfig} (so its own sampler and seed), prompt,
 * stop conditions, token listener and finish callback; hooks are those registered on its
 * {@link Sequence}. A request may start from a {@link SharedPrefix}: positions another pass
 * already computed for the same tokens are copied into its cache when it is admitted, and only
 * the rest of its prompt runs. With the same config, a request produces the tokens it would
 * produce alone with {@link Generator}: sampling and stopping follow the same rules in the same
 * order. The one
 * difference is arithmetic: a batch of B rows goes through the matrix-product kernels for B
 * tokens, which add the same products in another order than the single-token kernels, so logits
 * differ in the last float bits; a greedy choice changes only where the top two logits are that
 * close.
 */
public final class BatchGenerator {
    /** Default number of sequences decoded together. */
    public static final int DEFAULT_BATCH = 16;

    /**
     * One generation to run.
     *
     * @param sequence where the prompt and the generated tokens go (normally empty; its hooks
     *     apply); null to have a fresh one made
     * @param listener hears each generated id as it is chosen
     * @param onFinish hears the finished generation as soon as the sequence retires
     * @param prefix where the prompt's first {@code prefixLength} positions are copied from
     *     when the request starts (its sequence must then be empty), or null
     * @param prefixLength prompt tokens taken from {@code prefix}: they must be the prefix's own
     *     tokens, and at least the last prompt token is always run (its logits choose the first
     *     new token)
     */
    public record Request(Sequence sequence, int[] prompt, GenerationConfig config, TokenListener listener,
                          Consumer<Generation> onFinish, SharedPrefix prefix, int prefixLength) {
        public Request {
            if (prompt.length == 0) throw new IllegalArgumentException("a prompt needs at least one token");
            if (listener == null) listener = TokenListener.NONE;
            if (onFinish == null) onFinish = g -> {};
            if (prefixLength < 0 || prefixLength >= prompt.length || (prefix == null && prefixLength > 0)) {
                throw new IllegalArgumentException("a prefix of " + prefixLength + " tokens for a prompt of " + prompt.length);
            }
            if (prefix != null && prefix.commonLength(prompt) < prefixLength) {
                throw new IllegalArgumentException("the prompt's first " + prefixLength + " tokens are not the shared prefix's");
            }
            if (prefix != null && sequence != null && sequence.length() != 0) {
                throw new IllegalArgumentException("a request starting from a shared prefix needs an empty sequence, not one of length "
                        + sequence.length());
            }
        }

        public Request(Sequence sequence, int[] prompt, GenerationConfig config, TokenListener listener, Consumer<Generation> onFinish) {
            this(sequence, prompt, config, listener, onFinish, null, 0);
        }

        /** This request, with its prompt's first {@code length} positions copied from {@code from} (which counts it as a user). */
        public Request startingFrom(SharedPrefix from, int length) {
            return new Request(sequence, prompt, config, listener, onFinish, from, length);
        }

        /** A request on a fresh sequence, without callbacks. */
        public static Request of(int[] prompt, GenerationConfig config) {
            return new Request(null, prompt, config, null, null);
        }
    }

    private final LlamaModel model;
    private final int maxBatch;

    public BatchGenerator(LlamaModel model) {
        this(model, DEFAULT_BATCH);
    }

    public BatchGenerator(LlamaModel model, int maxBatch) {
        if (maxBatch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + maxBatch);
        this.model = model;
        this.maxBatch = maxBatch;
    }

    /** Runs every request and returns their generations in request order. */
    public List<Generation> generate(List<Request> requests) {
        int max = model.config().maxPositions();
        for (Request r : requests) {
            if (r.prompt().length > max) {
                throw new ContextLimitException("context limit: a prompt of " + r.prompt().length
                        + " tokens does not fit the model's context of " + max + " positions", max);
            }
        }
        Generation[] results = new Generation[requests.size()];
        Iterator<Request> pending = requests.iterator();
        int nextIndex = 0;
        List<Active> active = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        while (true) {
            steps.clear();
            List<Active> inCall = new ArrayList<>();
            // Decode steps for the sequences already running.
            for (Active a : active) {
                steps.add(new Step(a.seq, new int[] {a.decoding.next()}, Logits.LAST));
                inCall.add(a);
            }
            // New sequences join with their whole prompt.
            while (active.size() < maxBatch && pending.hasNext()) {
                Active a = new Active(nextIndex++, pending.next());
                // Its whole cache at once: the sizes a batch is chosen by (Runner.defaultBatch).
                a.seq.reserve((long) a.seq.length() + a.request.prompt().length + a.request.config().maxNewTokens());
                int[] prompt = a.request.prompt();
                if (a.request.prefix() != null) {
                    a.request.prefix().copyInto(a.seq, a.request.prefixLength());
                    prompt = Arrays.copyOfRange(prompt, a.request.prefixLength(), prompt.length);
                }
                active.add(a);
                steps.add(new Step(a.seq, prompt, Logits.LAST));
                inCall.add(a);
            }
            if (steps.isEmpty()) break;
            long t0 = System.nanoTime();
            model.forward(steps, (step, token, logits, off) -> {
                Active a = inCall.get(step);
                System.arraycopy(logits, off, a.logits, 0, a.logits.length);
            });
            long dt = System.nanoTime() - t0;
            for (Active a : inCall) {
                if (a.prefilled) {
                    a.decodeNanos += dt;
                    a.decodeSteps++;
                } else {
                    a.promptNanos = dt;
                    a.prefilled = true;
                }
            }
            // Choose each sequence's next token; retire the finished ones.
            for (Iterator<Active> it = active.iterator(); it.hasNext(); ) {
                Active a = it.next();
                if (a.choose(max)) {
                    it.remove();
                    if (a.request.sequence() == null) a.seq.close(); // ours: free its cache now
                    Generation g = a.result();
                    results[a.index] = g;
                    a.request.onFinish().accept(g);
                }
            }
        }
        return Arrays.asList(results);
    }

    /** One running request: its sequence, its decoding and its timings. */
    private final class Active {
        final int index;
        final Request request;
        final Sequence seq;
        final Decoding decoding;
        final float[] logits;
        boolean prefilled;
        long promptNanos, decodeNanos;
        int decodeSteps;

        Active(int index, Request request) {
            this.index = index;
            this.request = request;
            this.seq = request.sequence() != null ? request.sequence() : model.newSequence();
            this.decoding = new Decoding(model.config(), request.prompt(), request.config(), request.listener());
            this.logits = new float[model.config().vocabSize()];
        }

        /** Takes the next token from the logits of the last call; true when the sequence is done. */
        boolean choose(int maxPositions) {
            return decoding.choose(logits, seq.length(), maxPositions);
        }

        Generation result() {
            return decoding.result(promptNanos, decodeNanos, decodeSteps);
        }
    }
}
