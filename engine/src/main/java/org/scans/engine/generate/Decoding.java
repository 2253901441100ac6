package org.scans.engine.generate;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.scans.engine.model.LlamaConfig;

/**
 * One sequence's choices after its prompt: the sampler, the stop rules and the ids chosen so far.
 * {@link Generator} and {@link BatchGenerator} both drive their sequences through it, so that a
 * request stops by the same rules, checked in the same order, whether it runs alone or in a batch.
 */
final class Decoding {
    private final int[] prompt;
    private final GenerationConfig config;
    private final TokenListener listener;
    private final Sampler sampler;
    private final Set<Integer> stops;
    private final Set<Integer> eos;
    private int[] out;
    private int count;
    private int last;
    private boolean started;
    private StopReason reason = StopReason.MAX_TOKENS;

    Decoding(LlamaConfig model, int[] prompt, GenerationConfig config, TokenListener listener) {
        this.prompt = prompt;
        this.config = config;
        this.listener = listener;
        this.sampler = new Sampler(config, model.vocabSize());
        this.stops = new HashSet<>(config.stopIds());
        this.eos = config.stopAtEos() ? new HashSet<>(model.eosTokenIds()) : Set.of();
        this.out = new int[Math.max(16, Math.min(config.maxNewTokens(), 4096))];
    }

    /**
     * Chooses the next id from the logits of the sequence's last position ({@code logits} is
     * modified), given the sequence's length after that forward pass. Returns true when the
     * generation is over, false when {@link #next} is to be fed back. The prompt's ids join the
     * repetition penalty's record here, at the first choice, once the forward pass has accepted
     * them.
     */
    boolean choose(float[] logits, int sequenceLength, int maxPositions) {
        if (!started) {
            sampler.observe(prompt);
            started = true;
        }
        if (count >= config.maxNewTokens()) return true;
        int id = sampler.sample(logits);
        if (count == out.length) out = Arrays.copyOf(out, 2 * out.length);
        out[count++] = id;
        sampler.observe(id);
        listener.onToken(id);
        if (eos.contains(id)) {
            reason = StopReason.EOS;
            return true;
        }
        if (stops.contains(id)) {
            reason = StopReason.STOP_ID;
            return true;
        }
        if (count == config.maxNewTokens()) return true;
        if (sequenceLength >= maxPositions) {
            reason = StopReason.CONTEXT_LIMIT;
            return true;
        }
        last = id;
        return false;
    }

    /** The id to feed back after {@link #choose} returned false. */
    int next() {
        return last;
    }

    Generation result(long promptNanos, long decodeNanos, int decodeSteps) {
        return new Generation(prompt.clone(), Arrays.copyOf(out, count), reason, promptNanos, decodeNanos, decodeSteps);
    }
}
