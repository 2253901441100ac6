package org.scans.engine.hook;

/**
 * Receives the residual stream of one sequence as a forward pass goes. Register it on a
 * {@code Sequence}; a sequence without hooks pays nothing for the mechanism.
 */
public interface ResidualHook {

    /** Called after decoder layer {@code layer} (0-based), both residual adds included. */
    default void afterLayer(int layer, Residual residual) {}

    /**
     * Whether {@link #afterFinalNorm} should be called. Hugging Face's {@code hidden_states}
     * reports the last layer after the final RMSNorm, and methods tuned on it need the same.
     */
    default boolean wantsFinalNorm() {
        return false;
    }

    /** Called with the final-RMSNorm output of the rows of this call. */
    default void afterFinalNorm(Residual normed) {}
}
