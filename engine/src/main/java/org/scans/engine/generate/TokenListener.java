package org.scans.engine.generate;

/** Called with each generated id as soon as it is chosen, for streaming. */
@FunctionalInterface
public interface TokenListener {
    void onToken(int id);

    TokenListener NONE = id -> {};
}
