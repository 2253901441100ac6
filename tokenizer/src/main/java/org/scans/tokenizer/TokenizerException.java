package org.scans.tokenizer;

/**
 * Everything that can go wrong while loading a tokenizer or encoding and decoding text: a
 * truncated or corrupt {@code tokenizer.model}, an unsupported {@code tokenizer.json}, text that
 * is not valid Unicode, an id outside the vocabulary. The message is written for a person and
 * names the file (or the input) and what is wrong; the CLI prints it on one line.
 */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
