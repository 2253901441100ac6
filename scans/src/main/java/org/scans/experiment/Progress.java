package org.scans.experiment;

import java.io.PrintStream;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * A progress bar on stderr: done/total, ETA and tok/s. On a terminal it redraws one line; when
 * stderr is a file or pipe it prints a plain line every 10% (or 30 s), so logs stay readable.
 *
 * <p>A batched run finishes its items in bursts: 32 generations decode together for minutes and
 * then end within a few steps. Counting finished items alone would show an empty bar and no
 * throughput until then, and an ETA from the first burst's timing. So a caller that knows the
 * most tokens an item can take ({@code tokensPerItem}) reports tokens as they are generated
 * ({@link #generated}), and the bar and ETA count those as a share of an item's work. A running
 * item counts as heading for its limit and a finished one in full, so answers that stop early
 * (EOS) make the ETA err long until they end.
 *
 * <p>{@link #lines} reports through a log instead, a line every 30 s and none for work that ends
 * sooner: for steps such as vector extraction, minutes on a 7B model and a second on a toy one.
 */
public final class Progress {
    private static final long REDRAW_NANOS = 1_000_000_000L;
    private static final long PLAIN_NANOS = 30_000_000_000L;

    /** Where a terminal's redrawn line goes; null when the lines go to a log (stderr not a terminal, or line mode). */
    private final PrintStream err;
    private final Consumer<String> lines;
    /** Whether a plain log also gets a line at every tenth of the work. */
    private final boolean deciles;
    private final int total;
    private final String what;
    private final LongSupplier clock;
    private final long start;
    private final int base;
    private final long tokensPerItem;
    private int done;
    private long tokens;
    /** Tokens of items not yet finished. */
    private long inFlight;
    private long lastPrint;
    private int lastDecile = -1;
    private int lastWidth;
    /** What is running besides generation (a chunk's classification passes), shown after the line; null for none. */
    private String phase;

    public Progress(PrintStream err, int total, int alreadyDone, String what) {
        this(err, total, alreadyDone, what, 0);
    }

    /** @param tokensPerItem the most tokens one item generates, for {@link #generated}; 0 if unknown */
    public Progress(PrintStream err, int total, int alreadyDone, String what, long tokensPerItem) {
        this(err, total, alreadyDone, what, tokensPerItem,
                System.console() != null && System.getenv("SCANS_PLAIN_PROGRESS") == null, System::nanoTime);
    }

    Progress(PrintStream err, int total, int alreadyDone, String what, long tokensPerItem, boolean terminal, LongSupplier clock) {
        this(terminal ? err : null, err::println, true, total, alreadyDone, what, tokensPerItem, clock);
    }

    /** Progress of {@code total} items as a log line every 30 s, the first 30 s after the start. */
    public static Progress lines(Consumer<String> log, int total, String what) {
        return lines(log, total, what, System::nanoTime);
    }

    static Progress lines(Consumer<String> log, int total, String what, LongSupplier clock) {
        return new Progress(null, log, false, total, 0, what, 0, clock);
    }

    private Progress(PrintStream err, Consumer<String> lines, boolean deciles, int total, int alreadyDone, String what,
                     long tokensPerItem, LongSupplier clock) {
        if (tokensPerItem < 0) throw new IllegalArgumentException("tokensPerItem must be >= 0, got " + tokensPerItem);
        this.err = err;
        this.lines = lines;
        this.deciles = deciles;
        this.total = total;
        this.done = alreadyDone;
        this.what = what;
        this.clock = clock;
        this.start = clock.getAsLong();
        this.lastPrint = start;
        this.base = alreadyDone;
        this.tokensPerItem = tokensPerItem;
    }

    /** An item finished, having generated {@code newTokens} not reported through {@link #generated}. */
    public void step(long newTokens) {
        done++;
        tokens += newTokens;
        draw(true);
    }

    /** {@code n} items finished that generate nothing (forward passes only). */
    public void items(int n) {
        done += n;
        draw(true);
    }

    /** {@code n} tokens generated for items still running (redraws at most once a second). */
    public void generated(long n) {
        tokens += n;
        inFlight += n;
        draw(false);
    }

    /**
     * Names work that moves no item or token but takes minutes on a large model (a chunk's
     * classification passes: {@code "classifying 40/128"}), shown at the end of the line until
     * {@code null} clears it; a terminal redraws at most once a second, a log gets it in its
     * next line.
     */
    public void phase(String note) {
        phase = note;
        draw(false);
    }

    /** The classifier's passes as the phase {@code "classifying 40/128"}, cleared when the last ends. */
    public org.scans.method.HarmfulnessClassifier.PassProgress classifying() {
        return (done, total) -> phase(done < total ? "classifying " + done + "/" + total : null);
    }

    /** An item finished whose {@code itsTokens} were all reported through {@link #generated}. */
    public void finished(long itsTokens) {
        done++;
        inFlight = Math.max(0, inFlight - itsTokens);
        draw(true);
    }

    /** Items' worth of work in the running items: their tokens as a share of an item's most. */
    private double running() {
        return tokensPerItem == 0 ? 0 : Math.min((double) inFlight / tokensPerItem, total - done);
    }

    /** The share of all items done, in [0, 1], running items' tokens included: the bar. */
    double overall() {
        return total <= 0 ? 1 : Math.min(1, (done + running()) / total);
    }

    /** The share of this session's items done (a resumed run started at {@code alreadyDone}): the ETA. */
    double session() {
        int todo = total - base;
        return todo <= 0 ? 1 : Math.min(1, (done - base + running()) / todo);
    }

    private void draw(boolean finish) {
        long now = clock.getAsLong();
        double all = overall();
        // Decide before formatting: generated() comes once per token, thousands of times a second on a small model.
        if (err != null) {
            if (!finish && now - lastPrint < REDRAW_NANOS) return;
            String line = line(now, all);
            // Pad over the end of a longer previous line.
            String padded = line + " ".repeat(Math.max(0, lastWidth - line.length()));
            lastWidth = line.length();
            lastPrint = now;
            err.print("\r" + padded + (done == total ? "\n" : ""));
            err.flush();
        } else {
            int decile = (int) (all * 10);
            boolean due = now - lastPrint >= PLAIN_NANOS;
            boolean milestone = deciles && finish && (decile != lastDecile || done == total);
            if (milestone || (due && (deciles || done < total))) {
                lines.accept(line(now, all));
                lastDecile = decile;
                lastPrint = now;
            }
        }
    }

    private String line(long now, double all) {
        double secs = (now - start) / 1e9, f = session();
        String line = String.format("%s %s %d/%d  ETA %s", what, bar(all), done, total, f == 0 ? "?" : duration(secs * (1 - f) / f));
        if (tokens > 0 && secs > 0) line += String.format("  %.1f tok/s", tokens / secs);
        return phase == null ? line : line + "  " + phase;
    }

    private String bar(double f) {
        int width = 24;
        int filled = (int) (f * width);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    /** {@code s} seconds as 42s, 3m05s or 2h05m. */
    public static String duration(double s) {
        long t = Math.round(s);
        if (t >= 3600) return String.format("%dh%02dm", t / 3600, t / 60 % 60);
        if (t >= 60) return String.format("%dm%02ds", t / 60, t % 60);
        return t + "s";
    }
}
