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

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "eval mmlu: consecutive questions per forward call (classification and both passes; fewer when their prompts pass 2048 rows). Recorded in eval.json: a resume keeps it. eval classify and xsum classify in fixed groups of 16 and ignore it; eval ppl scores one window at a time. Default: ${DEFAULT-VALUE}.")
    int batch;

    /** The folder to write, after the checks that need no model: fresh and creatable, or resumable. */
    Path checkedDir(String evalName) {
        if (batch < 1) throw new UserException("--batch must be >= 1, got " + batch);
        return CliFiles.outputDir(out, "eval-" + evalName, resume, "eval", EvalFolder.SETTINGS_FILE, EvalFolder::holdsOutput,
                "an eval or a run");
    }
}
