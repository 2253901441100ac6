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
        int max = model.config().maxPositions();
        Decoding decoding = new Decoding(model.config(), prompt, config, listener);
        long t0 = System.nanoTime();
        float[] logits = model.prefill(seq, prompt); // validates the ids first
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
