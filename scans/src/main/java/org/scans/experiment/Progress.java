package org.scans.experiment;

import java.io.PrintStream;

/**
 * A progress bar on stderr: done/total, ETA and tok/s. On a terminal it redraws one line; when
 * stderr is a file or pipe it prints a plain line every 10% (or 30 s), so logs stay readable.
 */
public final class Progress {
    private final PrintStream err;
    private final int total;
    private final String what;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private final int base;
    private int done;
    private long tokens;
    private long lastPrint;
    private int lastDecile = -1;

    public Progress(PrintStream err, int total, int alreadyDone, String what) {
        this.err = err;
        this.total = total;
        this.done = alreadyDone;
        this.what = what;
        this.terminal = System.console() != null && System.getenv("SCANS_PLAIN_PROGRESS") == null;
        this.base = alreadyDone;
    }

    public void step(long newTokens) {
        done++;
        tokens += newTokens;
        long now = System.nanoTime();
        double secs = (now - start) / 1e9;
        int fresh = done - base;
        double eta = fresh == 0 ? 0 : secs / fresh * (total - done);
        String line = String.format("%s %s %d/%d  ETA %s  %.1f tok/s", what, bar(), done, total, duration(eta),
                secs > 0 ? tokens / secs : 0);
        if (terminal) {
            err.print("\r" + line + (done == total ? "\n" : ""));
            err.flush();
        } else {
            int decile = total == 0 ? 10 : done * 10 / total;
            if (decile != lastDecile || now - lastPrint > 30_000_000_000L || done == total) {
                err.println(line);
                lastDecile = decile;
                lastPrint = now;
            }
        }
    }

    private String bar() {
        int width = 24;
        int filled = total == 0 ? width : (int) ((long) done * width / total);
        return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    }

    static String duration(double s) {
        long t = Math.round(s);
        if (t >= 3600) return String.format("%dh%02dm", t / 3600, t / 60 % 60);
        if (t >= 60) return String.format("%dm%02ds", t / 60, t % 60);
        return t + "s";
    }
}
