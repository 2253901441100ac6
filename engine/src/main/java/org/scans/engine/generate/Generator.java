package org.scans.engine.generate;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
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
        Set<Integer> stops = new HashSet<>(config.stopIds());
        Set<Integer> eos = config.stopAtEos() ? new HashSet<>(model.config().eosTokenIds()) : Set.of();
        int[] out = new int[Math.max(16, Math.min(config.maxNewTokens(), 4096))];
        int count = 0;

        long t0 = System.nanoTime();
        float[] logits = model.prefill(seq, prompt); // validates the ids first
        long promptNanos = System.nanoTime() - t0;
        Sampler sampler = new Sampler(config, model.config().vocabSize());
        sampler.observe(prompt);
        long decodeNanos = 0;
        int steps = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (count < config.maxNewTokens()) {
            int id = sampler.sample(logits);
            if (count == out.length) out = Arrays.copyOf(out, 2 * out.length);
            out[count++] = id;
            sampler.observe(id);
            listener.onToken(id);
            if (eos.contains(id)) {
                reason = StopReason.EOS;
                break;
            }
            if (stops.contains(id)) {
                reason = StopReason.STOP_ID;
                break;
            }
            if (count == config.maxNewTokens()) break;
            if (seq.length() >= max) {
                reason = StopReason.CONTEXT_LIMIT;
                break;
            }
            long t1 = System.nanoTime();
            logits = model.prefill(seq, new int[] {id});
            decodeNanos += System.nanoTime() - t1;
            steps++;
        }
        return new Generation(prompt.clone(), Arrays.copyOf(out, count), reason, promptNanos, decodeNanos, steps);
    }
}
