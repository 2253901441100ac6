package org.scans.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.scans.engine.io.AtomicFiles;
import org.scans.method.Layers;

/** Checks on output paths and layer options made before any work starts. */
final class CliFiles {
    private CliFiles() {}

    /**
     * Fails now if {@code target} could not be created later: its nearest existing ancestor must be
     * a writable directory, and an existing target must not be a directory where a file is wanted.
     */
    static void checkWritable(Path target, String option) {
        if (target.toString().isEmpty()) throw new UserException(option + ": an empty path");
        Path file;
        try {
            file = AtomicFiles.followLinks(target).toAbsolutePath().normalize();
        } catch (java.io.IOException e) {
            throw new UserException(option + " " + e.getMessage());
        }
        if (Files.isDirectory(file)) throw new UserException(option + " " + target + ": is a directory");
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // a device or a pipe, written straight into (AtomicFiles)
            if (!Files.isWritable(file)) throw new UserException(option + " " + target + ": cannot write to it (permission denied)");
            return;
        }
        checkCreatable(file.getParent(), option + " " + target);
    }

    /**
     * The folder a run or eval writes, after the checks that need no model: {@code out}, or
     * {@code runs/<defaultName>-<time>}. To resume it must hold {@code settingsFile}; otherwise it
     * must be creatable and hold no output yet ({@code holdsOutput}, named {@code outputs} in the
     * error).
     *
     * @param kind "run" or "eval", for the messages
     */
    static Path outputDir(Path out, String defaultName, boolean resume, String kind, String settingsFile,
                          java.util.function.Predicate<Path> holdsOutput, String outputs) {
        if (out != null && out.toString().isEmpty()) throw new UserException("--out: an empty path (an unset shell variable?)");
        Path dir = out != null ? out
                : Path.of("runs", defaultName + "-" + java.time.LocalDateTime.now().format(java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (resume) {
            if (out == null) throw new UserException("--resume needs --out DIR (the " + kind + " to continue)");
            if (!Files.exists(dir)) {
                // Stopped before it created the folder, or a mistyped name: starting afresh here could lose hours.
                throw new UserException("--resume: " + dir + " does not exist: no " + kind + " to continue (start one without --resume)");
            }
            if (!Files.isRegularFile(dir.resolve(settingsFile))) {
                throw new UserException("--resume: " + dir + " holds no " + kind + " (no " + settingsFile + ")");
            }
            try {
                org.scans.experiment.Json.readObject(dir.resolve(settingsFile)); // a broken file is named now, not after the model loads
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new UserException("--resume: " + e.getMessage());
            }
        } else {
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UserException("--out " + dir + ": exists and is not a directory");
            // A default name already taken gets a suffix when it is claimed (OutputFolder).
            if (out != null && Files.isDirectory(dir) && holdsOutput.test(dir)) {
                // Still being written: "pass --resume" would only meet the lock.
                org.scans.experiment.FolderLock.busy(dir).ifPresent(m -> { throw new UserException("--out " + m); });
                if (!Files.exists(dir.resolve(settingsFile))) {
                    // a run's folder given to an eval, or the other way round: --resume could not continue it
                    throw new UserException("--out " + dir + " already holds the output of another command (no " + settingsFile
                            + " in it); choose another folder");
                }
                throw alreadyHolds(dir, outputs);
            }
            checkCreatable(dir, "--out " + dir);
        }
        return dir;
    }

    /**
     * Whether {@code --resume --out dir} finds a folder that a run or eval left when it was stopped
     * before writing {@code settingsFile} (killed while the model loaded or the vectors were
     * extracted): the lock file, which only a claim writes, and nothing else but the temporary
     * files of unfinished writes ({@code .NAME.<hex>.tmp}). There is nothing to continue, so the
     * command starts afresh: refused, the "same command plus --resume" that resumes every later
     * stop would fail here, and a loop that retries a stopped command with {@code --resume} would
     * fail forever. An empty folder was never claimed, and is refused as before.
     */
    static boolean stoppedBeforeItsSettings(Path out, boolean resume, String settingsFile) {
        if (!resume || out == null || !Files.isDirectory(out) || Files.exists(out.resolve(settingsFile))) return false;
        if (!Files.isRegularFile(out.resolve(org.scans.experiment.FolderLock.FILE))) return false;
        try (var entries = Files.list(out)) {
            return entries.map(p -> p.getFileName().toString())
                    .allMatch(n -> n.equals(org.scans.experiment.FolderLock.FILE) || n.matches("\\..+\\.[0-9a-f]{1,16}\\.tmp"));
        } catch (java.io.IOException e) {
            return false; // the resume names the folder
        }
    }

    /** The note of a {@code --resume} that starts afresh ({@link #stoppedBeforeItsSettings}). */
    static String startsAfresh(Path dir, String kind, String settingsFile) {
        return "note: " + dir + " holds no " + kind + " yet (it was stopped before it wrote " + settingsFile + "); starting it afresh";
    }

    /** The refusal of a fresh run or eval in a folder that holds {@code outputs} already. */
    static UserException alreadyHolds(Path dir, String outputs) {
        return new UserException("--out " + dir + " already holds " + outputs + "; pass --resume to continue it, or choose another folder");
    }

    /**
     * Fails now if writing {@code target} would replace what the command reads: a file of the
     * model's checkpoint folder (through any link: a Hugging Face cache links them to blobs),
     * the folder itself, or one of {@code inputs} (null entries skipped). Nothing else guards
     * a 13 GB download from {@code --out model.safetensors}.
     */
    static void checkNotAnInput(Path target, String option, Path modelDir, Path... inputs) {
        Path t = AtomicFiles.canonical(target);
        if (modelDir != null && Files.isDirectory(modelDir)) {
            Path model = AtomicFiles.canonical(modelDir);
            if (t.equals(model)) throw new UserException(option + " " + target + ": is the model's folder; choose a path outside it");
            try (var files = Files.list(modelDir)) {
                for (Path f : files.toList()) {
                    if (AtomicFiles.canonical(f).equals(t)) {
                        throw new UserException(option + " " + target + ": would replace " + f.getFileName() + " of the model "
                                + modelDir + "; choose another path");
                    }
                }
            } catch (java.io.IOException e) {
                // an unreadable model folder fails when the model loads, naming it
            }
        }
        for (Path in : inputs) {
            if (in != null && AtomicFiles.canonical(in).equals(t)) {
                throw new UserException(option + " " + target + ": would replace the input " + in + " that this command reads");
            }
        }
    }

    /** Whether two output paths end at the same file, links followed (neither need exist yet). */
    static boolean sameFile(Path a, Path b) {
        try {
            return AtomicFiles.canonical(AtomicFiles.followLinks(a)).equals(AtomicFiles.canonical(AtomicFiles.followLinks(b)));
        } catch (java.io.IOException e) {
            return false; // the write itself will name the problem
        }
    }

    /** Fails now if directory {@code dir} does not exist and cannot be created. */
    static void checkCreatable(Path dir, String what) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null || !Files.isDirectory(p)) throw new UserException(what + ": " + p + " is not a directory");
        if (!Files.isWritable(p)) throw new UserException(what + ": cannot write in " + p + " (permission denied)");
    }

    static int[] layers(String text, int numLayers, String option) {
        try {
            return Layers.parse(text, numLayers, option);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
