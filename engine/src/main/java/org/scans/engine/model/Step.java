package org.scans.engine.model;

/**
 * Part of a forward call: {@code tokens} appended to {@code sequence} at its next positions. A
 * prompt is one step with many tokens; batched decoding is many steps with one token each.
 */
public record Step(Sequence sequence, int[] tokens, Logits logits) {
    public Step {
        if (tokens.length == 0) throw new IllegalArgumentException("a step needs at least one token");
    }
}
