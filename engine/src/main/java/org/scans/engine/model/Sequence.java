package org.scans.engine.model;

import java.util.ArrayList;
import java.util.List;
import org.scans.engine.hook.ResidualHook;

/**
 * One token sequence being processed: its KV cache, how many positions it holds, and the hooks
 * that see its residual stream. Several sequences can go through one forward call (batched
 * decoding); each keeps its own positions, cache and hooks.
 */
public final class Sequence implements AutoCloseable {
    private final KvCache cache;
    private final List<ResidualHook> hooks = new ArrayList<>();
    private int length;

    Sequence(KvCache cache) {
        this.cache = cache;
    }

    /** Positions already processed (the next token goes to this position). */
    public int length() {
        return length;
    }

    /**
     * Forgets every position from {@code newLength} on, so a shared prefix can be kept and the rest
     * recomputed (e.g. a different continuation of the same prompt).
     */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of a sequence of length " + length);
        }
        length = newLength;
    }

    /**
     * Makes room for {@code positions} positions now (at most the model's context), so a
     * generation whose length is known up front takes exactly its cache instead of growing it by
     * doubling, which can end at nearly twice what it holds and copies it on the way.
     */
    public void reserve(long positions) {
        cache.ensureCapacity((int) Math.min(Integer.MAX_VALUE, positions));
    }

    /**
     * Starts this empty sequence with the first {@code positions} positions of {@code source}
     * (a sequence of the same model), copying their keys and values instead of recomputing them:
     * a prompt that begins with tokens another pass already ran. Only right when this sequence's
     * hooks would have left those positions as the source's hooks did (a steering hook that
     * starts at or after {@code positions}, say), since they do not run on copied positions.
     */
    public void copyPrefix(Sequence source, int positions) {
        if (length != 0) throw new IllegalArgumentException("a prefix is copied into an empty sequence, not one of length " + length);
        if (positions < 0 || positions > source.length) {
            throw new IllegalArgumentException("cannot copy " + positions + " positions of a sequence of length " + source.length);
        }
        cache.copyPrefix(source.cache, positions);
        length = positions;
    }

    /** Empties the sequence; hooks stay registered. */
    public void reset() {
        length = 0;
    }

    public KvCache cache() {
        return cache;
    }

    public void addHook(ResidualHook hook) {
        hooks.add(hook);
    }

    public void removeHook(ResidualHook hook) {
        hooks.remove(hook);
    }

    public void clearHooks() {
        hooks.clear();
    }

    public List<ResidualHook> hooks() {
        return hooks;
    }

    /** Empties the sequence and frees its KV cache now (it grows again if the sequence is reused). */
    @Override
    public void close() {
        length = 0;
        cache.release();
    }

    void advance(int count) {
        length += count;
    }
}
