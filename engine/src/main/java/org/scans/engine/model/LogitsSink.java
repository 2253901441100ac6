package org.scans.engine.model;

/** Receives next-token logits as a forward call produces them. */
@FunctionalInterface
public interface LogitsSink {
    /**
     * @param step index of the step in the call
     * @param token index of the token within the step
     * @param logits {@code logits[offset .. offset+vocab)}; valid only during the call
     */
    void accept(int step, int token, float[] logits, int offset);
}
