package org.scans.engine.generate;

import java.util.Set;

/**
 * How to pick tokens and when to stop.
 *
 * @param temperature 0 means greedy
 * @param topK 0 means no top-k filter; 1 is greedy
 * @param topP 1 means no nucleus filter
 * @param repetitionPenalty 1 means none; otherwise Hugging Face's rule over every id already in
 *     the sequence, prompt included
 * @param stopIds ids that end generation besides the model's EOS ids (the stop id is kept in the
 *     output, as the model produced it)
 * @param stopAtEos whether the model's EOS ids stop generation
 */
public record GenerationConfig(int maxNewTokens, float temperature, int topK, float topP, float repetitionPenalty,
                               long seed, Set<Integer> stopIds, boolean stopAtEos) {

    /**
     * A setting out of range is refused with a message that begins with the setting's name as a
     * command-line flag spells it without its dashes ({@code max-new-tokens}, {@code top-p}, …),
     * so that a command can name its flag by prefixing "--".
     */
    public GenerationConfig {
        if (maxNewTokens < 0) throw new IllegalArgumentException("max-new-tokens must be >= 0, got " + maxNewTokens);
        if (!(temperature >= 0) || Float.isInfinite(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new IllegalArgumentException("repetition-penalty must be > 0, got " + repetitionPenalty);
        }
        stopIds = Set.copyOf(stopIds);
    }

    /** Greedy, no penalty, stop at EOS. */
    public static GenerationConfig greedy(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0f, 0, 1f, 1f, 0L, Set.of(), true);
    }

    public boolean isGreedy() {
        return temperature == 0f || topK == 1;
    }

    public GenerationConfig withRepetitionPenalty(float p) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, p, seed, stopIds, stopAtEos);
    }

    public GenerationConfig withStopIds(Set<Integer> ids) {
        return new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, ids, stopAtEos);
    }

    public GenerationConfig withMaxNewTokens(int n) {
        return new GenerationConfig(n, temperature, topK, topP, repetitionPenalty, seed, stopIds, stopAtEos);
    }
}
