package org.scans.engine.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file whole or not at all: the content goes to a hidden temporary file in the same
 * folder, which is then renamed over the target. A reader never sees half a file, and a failure
 * leaves the old file (or none) in place. The file gets the usual permissions (umask), unlike
 * {@link Files#createTempFile}'s owner-only ones.
 *
 * <p>A symbolic link is followed, and the file it names is the one replaced: the link stays. A
 * target that exists and is neither a regular file nor a folder (a device such as
 * {@code /dev/null}, a named pipe) is written straight into, as a shell redirection would: a
 * rename would put a plain file in its place.
 */
public final class AtomicFiles {
    /** The body that writes the content. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /** A temporary file this old was left by a process killed while writing (a live write touches its file as it goes). */
    static final java.time.Duration STALE = java.time.Duration.ofHours(1);

    public static void write(Path file, Writer body) throws IOException {
        try (Staged staged = stage(file, body)) {
            staged.commit();
        }
    }

    /**
     * The content written to its temporary file and on disk, not yet in place: several files
     * staged first and then committed one after the other are replaced together but for the
     * moment between their renames (extract's vectors and their llama.cpp export).
     */
    public static Staged stage(Path target, Writer body) throws IOException {
        Path file = followLinks(target);
        if (Files.isDirectory(file)) throw new IOException(target + ": is a directory");
        if (Files.exists(file) && !Files.isRegularFile(file)) return new Staged(file, body);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        removeStale(dir, file.getFileName().toString());
        Path tmp = null;
        for (int attempt = 0; tmp == null; attempt++) {
            Path candidate = dir.resolve("." + file.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                tmp = Files.createFile(candidate);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) throw e;
            }
        }
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
                 OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16)) {
                body.write(out);
                out.flush();
                // On disk before the rename: after a power loss the target is the old file or the
                // whole new one, never an empty one the rename got to first.
                ch.force(true);
            }
            return new Staged(tmp, file, dir);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            // "No space left on device" alone does not say which write failed.
            throw e.getMessage() != null && e.getMessage().contains(file.getFileName().toString()) ? e
                    : new IOException(target + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * A file written but not yet in place; closing it uncommitted removes the temporary. For a
     * device or pipe there is no temporary: the body runs at commit, straight into it.
     */
    public static final class Staged implements AutoCloseable {
        private final Path tmp, file, dir;
        private final Writer direct;
        private boolean committed;

        private Staged(Path tmp, Path file, Path dir) {
            this.tmp = tmp;
            this.file = file;
            this.dir = dir;
            this.direct = null;
        }

        private Staged(Path special, Writer body) {
            this.tmp = null;
            this.file = special;
            this.dir = null;
            this.direct = body;
        }

        /** Moves the content into place. */
        public void commit() throws IOException {
            if (direct != null) {
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE), 1 << 16)) {
                    direct.write(out);
                }
                committed = true;
                return;
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            committed = true;
            syncDirectory(dir);
        }

        @Override
        public void close() throws IOException {
            if (!committed && tmp != null) Files.deleteIfExists(tmp);
        }
    }

    /**
     * The path {@code p} names with every link along it followed, as far as it exists (the part
     * that does not exist yet appended as written): two paths to one file compare equal, so a
     * write can be checked against the files a command reads.
     */
    public static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            Path parent = abs.getParent();
            return parent == null ? abs : canonical(parent).resolve(abs.getFileName());
        }
    }

    /** Links a path may go through before it is taken for a loop (Linux's own limit). */
    private static final int MAX_LINKS = 40;

    /**
     * The path {@code p} names once every symbolic link along the chain is followed, even to a
     * file that does not exist yet (a dangling link is where the content goes, as with a shell
     * redirection).
     */
    public static Path followLinks(Path p) throws IOException {
        Path at = p;
        for (int hops = 0; Files.isSymbolicLink(at); hops++) {
            if (hops == MAX_LINKS) throw new IOException(p + ": too many levels of symbolic links");
            Path to = Files.readSymbolicLink(at);
            Path parent = at.toAbsolutePath().getParent();
            at = parent == null ? to : parent.resolve(to);
        }
        return at;
    }

    /** Removes {@code .NAME.<hex>.tmp} files of {@code name} older than {@link #STALE}: what kills during earlier writes left. */
    private static void removeStale(Path dir, String name) {
        java.nio.file.attribute.FileTime before = java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(STALE));
        try (var tmps = Files.newDirectoryStream(dir, "." + escapeGlob(name) + ".*.tmp")) {
            for (Path t : tmps) {
                String middle = t.getFileName().toString().substring(name.length() + 2);
                if (!middle.matches("[0-9a-f]{1,16}\\.tmp")) continue;
                if (Files.getLastModifiedTime(t).compareTo(before) < 0) Files.deleteIfExists(t);
            }
        } catch (IOException e) {
            // best effort: a leftover only takes space
        }
    }

    private static String escapeGlob(String s) {
        return s.replaceAll("([\\[\\]{}*?\\\\])", "\\\\$1");
    }

    /** Makes the rename itself durable; where a folder cannot be opened for that (not POSIX), it is left to the OS. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }
}
