package org.scans.engine.io;

import org.scans.engine.EngineException;

/** A model file (config.json, safetensors, index) that is missing, malformed or inconsistent. */
public final class ModelFormatException extends EngineException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
