package org.scans.engine.generate;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced one of its EOS ids. */
    EOS,
    /** A user-given stop id was produced. */
    STOP_ID,
    /** The requested number of new tokens was reached. */
    MAX_TOKENS,
    /** The sequence filled the model's context before any other stop. */
    CONTEXT_LIMIT
}
