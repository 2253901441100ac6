package org.scans.data;

import java.nio.file.Path;

/**
 * A data file is missing or malformed, or a data set name is unknown. The message is meant for
 * the person running the tool: it names the file (and line, where there is one) and says what
 * was expected.
 */
public final class DatasetException extends RuntimeException {

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code file:line: message}, the form compilers use, so editors can jump to it. */
    public static DatasetException at(Path file, int line, String message) {
        return new DatasetException(DatasetRoot.display(file) + ":" + line + ": " + message);
    }
}
