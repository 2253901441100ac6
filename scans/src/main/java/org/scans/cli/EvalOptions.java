package org.scans.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import org.scans.eval.run.EvalFolder;
import picocli.CommandLine.Option;

/** Options every eval shares: where its folder goes, whether to continue one, and the batch size. */
final class EvalOptions {
    @Option(names = "--out", paramLabel = "DIR", description = "Output folder: eval.json, samples.jsonl (one line per item), results.json (default: runs/eval-<name>-<time>).")
    Path out;

    @Option(names = "--resume", description = "Continue the eval in --out without repeating finished items (its vectors are reused).")
    boolean resume;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "8", description = "Items whose forward passes are batched together. Default: ${DEFAULT-VALUE}.")
    int batch;

    /** The folder to write, after the checks that need no model: fresh and creatable, or resumable. */
    Path checkedDir(String evalName) {
        if (batch < 1) throw new UserException("--batch must be >= 1, got " + batch);
        Path dir = out != null ? out
                : Path.of("runs", "eval-" + evalName + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (resume) {
            if (out == null) throw new UserException("--resume needs --out DIR (the eval to continue)");
            if (!Files.isRegularFile(dir.resolve(EvalFolder.SETTINGS_FILE))) {
                throw new UserException("--resume: " + dir + " holds no eval (no " + EvalFolder.SETTINGS_FILE + ")");
            }
        } else {
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserException("--out " + dir + ": exists and is not a directory");
            if (Files.isDirectory(dir) && EvalFolder.holdsOutput(dir)) {
                throw new UserException("--out " + dir + " already holds an eval or a run; pass --resume to continue it, or choose another folder");
            }
            CliFiles.checkCreatable(dir, "--out " + dir);
        }
        return dir;
    }
}
