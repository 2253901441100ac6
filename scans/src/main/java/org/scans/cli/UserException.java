package org.scans.cli;

/** A bad argument or combination of arguments, explained in one line. */
public final class UserException extends RuntimeException {
    public UserException(String message) {
        super(message);
    }
}
