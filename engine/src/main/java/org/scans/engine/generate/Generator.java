package org.scans.engine.generate;

import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;

/**
 * Autoregressive generation for one sequence: one forward pass over the prompt, then one per new
 * token, each choice streamed to a listener. Hooks registered on the sequence apply throughout.
 */
public final class Generator {
    private final LlamaModel model;

    public Generator(LlamaModel model) {
        this.model = model;
    }

    /**
     * Appends {@code prompt} to {@code seq} (normally empty) and generates. A prompt that does not
     * fit the context throws {@link org.scans.engine.model.ContextLimitException}; reaching the
     * context while generating ends with {@link StopReason#CONTEXT_LIMIT}.
     */
    public Generation generate(Sequence seq, int[] prompt, GenerationConfig config, TokenListener listener) {
        return run(seq, prompt, prompt, config, listener);
    }

    /**
     * As {@link #generate(Sequence, int[], GenerationConfig, TokenListener)} for a sequence that
     * holds exactly the prompt's first {@code cached} tokens already (kept from an earlier pass
     * over the same tokens): only the rest of the prompt runs, and the whole prompt counts for
     * the repetition penalty. At least the last prompt token runs, since its logits choose the
     * first new token.
     */
    public Generation generate(Sequence seq, int[] prompt, int cached, GenerationConfig config, TokenListener listener) {
        if (cached < 0 || cached >= prompt.length || seq.length() != cached) {
            throw new IllegalArgumentException("a sequence of length " + seq.length() + " holding the first " + cached + " of " + prompt.length
                    + " prompt tokens");
        }
        return run(seq, prompt, java.util.Arrays.copyOfRange(prompt, cached, prompt.length), config, listener);
    }

    private Generation run(Sequence seq, int[] prompt, int[] feed, GenerationConfig config, TokenListener listener) {
        int max = model.config().maxPositions();
        Decoding decoding = new Decoding(model.config(), prompt, config, listener);
        long t0 = System.nanoTime();
        float[] logits = model.prefill(seq, feed); // validates the ids first
        long promptNanos = System.nanoTime() - t0;
        long decodeNanos = 0;
        int steps = 0;
        while (!decoding.choose(logits, seq.length(), max)) {
            long t1 = System.nanoTime();
            logits = model.prefill(seq, new int[] {decoding.next()});
            decodeNanos += System.nanoTime() - t1;
            steps++;
        }
        return decoding.result(promptNanos, decodeNanos, steps);
    }
}
