package org.scans.engine;

/**
 * An error meant for the person running the engine: a bad model file, a bad argument, a limit
 * reached. The message names the file, tensor or option and what was expected, and is printed
 * on one line by the CLI.
 */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
