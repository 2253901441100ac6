package org.scans.experiment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Keeps a second process from writing a run's or an eval's folder while one is at it (a
 * {@code --resume} typed while the first run still goes would interleave both in samples.jsonl).
 * An exclusive lock on {@link #FILE} in the folder, held until {@link #close}; the operating
 * system drops it when the process dies, so a crash leaves nothing stale. The file stays: deleting
 * a lock file on release would let two later processes lock two different files.
 */
public final class FolderLock implements AutoCloseable {
    public static final String FILE = ".scans-lock";

    private final FileChannel channel;
    /** Null where the file system keeps no locks. */
    private final FileLock lock;

    private FolderLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Locks {@code dir} (which must exist), or fails naming the process that holds it. */
    public static FolderLock acquire(Path dir) throws IOException {
        FileChannel ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = tryLock(ch);
        } catch (IOException e) {
            // A file system that keeps no locks (some network mounts): write unguarded, as before locks.
            return new FolderLock(ch, null);
        }
        if (l == null) {
            String refusal = refusal(dir, ch);
            ch.close();
            throw new IllegalArgumentException(refusal);
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new FolderLock(ch, l);
    }

    /**
     * The refusal {@link #acquire} would give, if another process holds {@code dir}'s lock now;
     * empty when none does (or no lock file is there). For checks made before the claim: a fresh
     * command aimed at a folder that a running one writes is told that, not to pass --resume,
     * which the lock would then refuse.
     */
    public static java.util.Optional<String> busy(Path dir) {
        Path file = dir.resolve(FILE);
        if (!java.nio.file.Files.isRegularFile(file)) return java.util.Optional.empty();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock l = tryLock(ch);
            if (l != null) {
                l.release();
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(refusal(dir, ch));
        } catch (IOException e) {
            return java.util.Optional.empty(); // the claim will say what is wrong
        }
    }

    /** The lock on {@code ch}'s file, or null if a process holds it, this one included. */
    private static FileLock tryLock(FileChannel ch) throws IOException {
        try {
            return ch.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this process holds it already
        }
    }

    /** Why {@code dir} cannot be written now: another process holds the lock on {@code ch}'s file. */
    private static String refusal(Path dir, FileChannel ch) {
        return dir + ": another scans-engine process" + holder(ch) + " is writing this folder; wait for it to end, or choose another --out";
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(32);
            int n = ch.read(b, 0);
            String pid = n > 0 ? new String(b.array(), 0, n, StandardCharsets.US_ASCII).strip() : "";
            return pid.matches("\\d+") ? " (pid " + pid + ")" : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock != null && lock.isValid()) lock.release();
        } finally {
            channel.close();
        }
    }
}
