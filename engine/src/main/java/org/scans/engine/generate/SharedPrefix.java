package org.scans.engine.generate;

import java.util.Arrays;
import org.scans.engine.model.Sequence;

/**
 * Tokens whose keys and values one sequence already holds (a classification pass over a prompt,
 * say), for generations whose prompts begin with the same tokens: {@link BatchGenerator} copies
 * those positions into a request's sequence when it admits it, instead of running them through
 * the model again. The source's cache is freed as soon as its last user has copied it, or at
 * {@link #close} (for users that never ran).
 */
public final class SharedPrefix implements AutoCloseable {
    private Sequence source;
    private final int[] ids;
    private int users;

    /**
     * @param source a sequence holding {@code ids} at positions 0… (it is closed when done; its
     *     hooks no longer matter)
     * @param users how many requests will copy from it
     */
    public SharedPrefix(Sequence source, int[] ids, int users) {
        if (source.length() != ids.length) {
            throw new IllegalArgumentException("the source holds " + source.length() + " positions, not the " + ids.length + " ids given");
        }
        if (users < 1) throw new IllegalArgumentException("a shared prefix needs at least one user, got " + users);
        this.source = source;
        this.ids = ids.clone();
        this.users = users;
    }

    /** How many leading tokens {@code prompt} has in common with the source's ids. */
    public int commonLength(int[] prompt) {
        int n = Arrays.mismatch(ids, prompt);
        return n < 0 ? ids.length : n;
    }

    /**
     * Copies the first {@code positions} positions into {@code target} (empty), or nothing for 0,
     * and counts one user done.
     */
    void copyInto(Sequence target, int positions) {
        if (source == null) throw new IllegalStateException("the shared prefix was already closed or used by all its users");
        if (positions > 0) target.copyPrefix(source, positions);
        if (--users == 0) close();
    }

    /** Frees the source's KV cache now (idempotent). */
    @Override
    public void close() {
        if (source != null) source.close();
        source = null;
    }
}
