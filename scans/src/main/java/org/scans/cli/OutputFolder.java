package org.scans.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.scans.experiment.FolderLock;
import org.scans.experiment.SampleLog;

/**
 * A run's or an eval's folder, claimed before the model loads: created, locked, and checked again
 * under the lock. Checked only before the lock, two processes started on one folder both passed
 * the check, and the second, refused or not, learned it after minutes of loading and extracting
 * (or mixed its settings into the first one's results). A default name ({@code runs/<name>-<time>})
 * that another process took in the same second gets a suffix instead.
 */
final class OutputFolder implements AutoCloseable {
    final Path dir;
    private final boolean created;
    /** The outermost folder above {@code dir} that the claim created (as {@code runs/}), or null. */
    private final Path createdAbove;
    private final FolderLock lock;
    /**
     * Says how to continue when the process is stopped while it holds the folder (Ctrl-C or
     * SIGTERM run the JVM's shutdown hooks; SIGKILL runs nothing). A default folder's name, with
     * its time, is printed nowhere else before the end, and --resume needs it.
     */
    private final Thread stoppedNote;

    private OutputFolder(Path dir, boolean created, Path createdAbove, FolderLock lock, boolean defaultName) {
        this.dir = dir;
        this.created = created;
        this.createdAbove = createdAbove;
        this.lock = lock;
        String note = stoppedNote(dir, defaultName);
        // A newline first: the progress bar's line has none.
        this.stoppedNote = new Thread(() -> System.err.println(System.lineSeparator() + note));
        Runtime.getRuntime().addShutdownHook(stoppedNote);
    }

    /** What {@link #stoppedNote} prints. */
    static String stoppedNote(Path dir, boolean defaultName) {
        return "stopped: " + dir + " keeps what was finished; continue with the same command plus --resume"
                + (defaultName ? " --out " + dir : "");
    }

    /**
     * @param dir the folder {@link CliFiles#outputDir} checked
     * @param defaultName whether {@code dir} is a default name, which may take a suffix
     * @param holdsOutput whether a folder already holds output ({@code outputs} in the message)
     */
    static OutputFolder claim(Path dir, boolean defaultName, boolean resume, Predicate<Path> holdsOutput, String outputs)
            throws IOException {
        boolean created;
        Path createdAbove = resume ? null : outermostMissingAbove(dir);
        if (resume) {
            if (!Files.isWritable(dir)) throw new UserException("--resume: cannot write in " + dir + " (permission denied)");
            created = false;
        } else if (defaultName) {
            dir = createUnique(dir);
            created = true;
        } else {
            created = !Files.exists(dir);
            Files.createDirectories(dir);
        }
        FolderLock lock;
        try {
            lock = FolderLock.acquire(dir);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        OutputFolder folder = new OutputFolder(dir, created, createdAbove, lock, defaultName);
        if (!resume && holdsOutput.test(dir)) {
            // Another process wrote it between the first check and the lock.
            folder.close();
            throw CliFiles.alreadyHolds(dir, outputs);
        }
        return folder;
    }

    /** {@code dir}, or {@code dir-2}, {@code dir-3}, … : the first that did not exist, now created. */
    private static Path createUnique(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        for (int i = 1; ; i++) {
            Path candidate = i == 1 ? dir : dir.resolveSibling(dir.getFileName() + "-" + i);
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException e) {
                // taken: try the next
            }
        }
    }

    /** The outermost of {@code dir}'s parents that does not exist yet, or null if its parent exists. */
    private static Path outermostMissingAbove(Path dir) {
        Path missing = null;
        for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null && !Files.exists(p); p = p.getParent()) missing = p;
        return missing;
    }

    /**
     * Removes the folder when this process created it and nothing was measured in it, and the
     * parents the claim created for it (as {@code runs/}) where they are left empty: a command that
     * fails leaves no trace.
     */
    void failed() {
        if (!created || Files.exists(dir.resolve(SampleLog.FILE))) return;
        RunCommand.deleteTree(dir);
        if (createdAbove == null) return;
        for (Path p = dir.toAbsolutePath().normalize().getParent(); p != null && p.startsWith(createdAbove); p = p.getParent()) {
            try {
                Files.delete(p); // only an empty folder: another process's output stays
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stoppedNote);
        } catch (IllegalStateException e) {
            // Already shutting down: the note is printed.
        }
        try {
            lock.close();
        } catch (IOException e) {
            // The operating system drops the lock with the process anyway.
        }
    }
}
