package org.scans.cli;

import java.nio.file.Path;
import org.scans.eval.run.EvalFolder;
import picocli.CommandLine.Option;

/** Options every eval shares: where its folder goes, whether to continue one, and the batch size. */
final class EvalOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder: eval.json, samples.jsonl (one line per item), results.json (default: runs/eval-<name>-<time>).")
    Path out;

    @Option(names = "--resume", description = "Continue the eval in --out without repeating finished items (its vectors are reused).")
    boolean resume;

    @Option(names = "--keep-pages", description = "Leave the weights in the page cache as they are. By default, when most of a model of 256 MB or more sits in 4 KiB pages (a checkpoint just copied in is cached so), the files are dropped from the page cache and read back first, as `pages --refill` does: batched decoding runs at half speed from 4 KiB pages.")
    boolean keepPages;

    @Option(names = "--batch", paramLabel = "B", description = "eval mmlu: consecutive questions per forward call (classification and both passes; fewer when their prompts pass 2048 rows; default 8), recorded in eval.json: a resume keeps it. eval xsum: summaries decoded together (default: as many as the KV caches of the longest prompt and its summary fit in half the memory beside the weights, the other half keeping classification passes to start from; at most 16, or 32 for models of 1 GB or more). eval classify classifies in fixed groups of 16 and ignores it; eval ppl scores one window at a time.")
    Integer batch;

    /** eval mmlu's questions per call when --batch is not given. */
    static final int MMLU_DEFAULT_BATCH = 8;

    /** Whether {@code --resume} found nothing to continue and the eval starts afresh ({@link CliFiles#stoppedBeforeItsSettings}). */
    boolean afresh;

    /**
     * The folder to write, after the checks that need no model: fresh and creatable, or resumable.
     * A {@code --resume} of a folder stopped before its settings were written clears {@link #resume}.
     */
    Path checkedDir(String evalName) {
        if (batch != null && batch < 1) throw new UserException("--batch must be >= 1, got " + batch);
        afresh = CliFiles.stoppedBeforeItsSettings(out, resume, EvalFolder.SETTINGS_FILE);
        if (afresh) resume = false;
        return CliFiles.outputDir(out, "eval-" + evalName, resume, "eval", EvalFolder.SETTINGS_FILE, EvalFolder::holdsOutput,
                "an eval or a run");
    }
}
