package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole files or none, and what killed writes left behind cleaned up. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void aWriteReplacesTheFileAndRemovesOnlyItsStaleTemporaries() throws Exception {
        for (String name : List.of("run.json", "a[1]{x}.json")) {
            Path file = dir.resolve(name);
            Path stale = dir.resolve("." + name + ".0123abcd89ef4567.tmp"), fresh = dir.resolve("." + name + ".fedc.tmp"),
                    foreign = dir.resolve("." + name + ".notmine.tmp"), other = dir.resolve(".other.json.0123.tmp");
            for (Path p : List.of(stale, fresh, foreign, other)) Files.writeString(p, "left");
            FileTime old = FileTime.from(Instant.now().minus(AtomicFiles.STALE).minusSeconds(60));
            for (Path p : List.of(stale, foreign, other)) Files.setLastModifiedTime(p, old);
            AtomicFiles.write(file, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
            AtomicFiles.write(file, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));
            assertEquals("two", Files.readString(file));
            assertFalse(Files.exists(stale), "left by a killed write of " + name);
            assertTrue(Files.exists(fresh), "may be another process's write in progress");
            assertTrue(Files.exists(foreign) && Files.exists(other), "not a temporary of this file");
        }
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path file = dir.resolve("summary.json");
        Files.writeString(file, "old");
        try {
            AtomicFiles.write(file, out -> {
                out.write("half".getBytes(StandardCharsets.UTF_8));
                throw new java.io.IOException("disk full");
            });
        } catch (java.io.IOException expected) {
            // as a full disk would; the message names the file, which the system's does not
            assertEquals(file + ": disk full", expected.getMessage());
        }
        assertEquals("old", Files.readString(file));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList());
        }
    }

    @Test
    void stagedFilesReplaceTheirTargetsOnlyWhenCommitted() throws Exception {
        Path a = dir.resolve("v.safetensors"), b = dir.resolve("v.gguf");
        Files.writeString(a, "old a");
        Files.writeString(b, "old b");
        try (AtomicFiles.Staged sa = AtomicFiles.stage(a, out -> out.write('A'));
             AtomicFiles.Staged sb = AtomicFiles.stage(b, out -> out.write('B'))) {
            assertEquals("old a", Files.readString(a), "staged, not yet in place");
            sa.commit();
            // stopped here: b is never committed
        }
        assertEquals("A", Files.readString(a));
        assertEquals("old b", Files.readString(b));
        try (var s = Files.list(dir)) {
            assertEquals(2, s.count(), "the uncommitted temporary is gone");
        }
    }
    @Test
    void aSymbolicLinkStaysAndTheFileItNamesIsReplaced() throws Exception {
        Path real = dir.resolve("real.json"), link = dir.resolve("link.json"), dangling = dir.resolve("later.json");
        Files.writeString(real, "old");
        Files.createSymbolicLink(link, Path.of("real.json")); // relative, as `ln -s` makes it
        AtomicFiles.write(link, out -> out.write("new".getBytes(StandardCharsets.UTF_8)));
        assertTrue(Files.isSymbolicLink(link));
        assertEquals("new", Files.readString(real));
        Files.createSymbolicLink(dangling, dir.resolve("made-through-link.json"));
        AtomicFiles.write(dangling, out -> out.write('x'));
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("x", Files.readString(dir.resolve("made-through-link.json")));
    }

    /**
     * A named pipe (as a device such as /dev/null) is written into, not renamed over: a rename would
     * leave a plain file where the pipe was. A pipe stands in for the device here, since a test run
     * as root that got this wrong would replace the machine's /dev/null.
     */
    @Test
    void aNamedPipeIsWrittenIntoAndStaysAPipe() throws Exception {
        Path fifo = dir.resolve("out.fifo");
        Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mk.waitFor(), "mkfifo");
        var read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Files.readString(fifo);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        AtomicFiles.write(fifo, out -> out.write("through".getBytes(StandardCharsets.UTF_8)));
        assertEquals("through", read.get(30, java.util.concurrent.TimeUnit.SECONDS));
        assertTrue(Files.exists(fifo) && !Files.isRegularFile(fifo) && !Files.isDirectory(fifo), "still a pipe");
        try (var s = Files.list(dir)) {
            assertEquals(List.of(fifo), s.toList(), "no temporary left");
        }
    }

    @Test
    void aFolderIsNotReplaced() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out"));
        java.io.IOException e = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> AtomicFiles.write(folder, out -> out.write('x')));
        assertTrue(e.getMessage().endsWith("is a directory"), e.getMessage());
        assertTrue(Files.isDirectory(folder));
    }
}
