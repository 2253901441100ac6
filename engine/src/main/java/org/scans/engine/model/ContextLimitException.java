package org.scans.engine.model;

import org.scans.engine.EngineException;

/** A sequence would grow past the model's context ({@code max_position_embeddings}). */
public final class ContextLimitException extends EngineException {
    private final int limit;

    public ContextLimitException(String message, int limit) {
        super(message);
        this.limit = limit;
    }

    public int limit() {
        return limit;
    }
}
