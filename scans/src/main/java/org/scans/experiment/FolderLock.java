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
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // this process holds it already
        } catch (IOException e) {
            // A file system that keeps no locks (some network mounts): write unguarded, as before locks.
            return new FolderLock(ch, null);
        }
        if (l == null) {
            String holder = holder(ch);
            ch.close();
            throw new IllegalArgumentException(dir + ": another scans-engine process" + holder
                    + " is writing this folder; wait for it to end, or choose another --out");
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
        return new FolderLock(ch, l);
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
