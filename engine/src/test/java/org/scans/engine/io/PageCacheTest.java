package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The refill's contract: every byte of every file is read back, the files are unchanged, and a
 * missing file is refused before anything is dropped. Whether the kernel then holds the files in
 * 2 MiB folios depends on the file system and on free memory, so it is measured (bench/README.md,
 * "Page cache"), not asserted.
 */
class PageCacheTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryByteBackAndLeavesTheFilesAsTheyWere() throws IOException {
        assumeTrue(PageCache.supported(), "Linux only");
        byte[] a = new byte[(9 << 20) + 123], b = new byte[4097];
        new Random(7).nextBytes(a);
        new Random(8).nextBytes(b);
        Path fa = Files.write(dir.resolve("a.safetensors"), a), fb = Files.write(dir.resolve("b.safetensors"), b);
        PageCache.Refill r = PageCache.refill(List.of(fa, fb));
        assertEquals(a.length + b.length, r.bytes());
        assertTrue(r.seconds() > 0, "time " + r.seconds());
        assertArrayEquals(a, Files.readAllBytes(fa));
        assertArrayEquals(b, Files.readAllBytes(fb));
    }

    @Test
    void aMissingFileIsRefusedByName() throws IOException {
        assumeTrue(PageCache.supported(), "Linux only");
        Path present = Files.write(dir.resolve("present"), new byte[10]);
        Path missing = dir.resolve("missing.safetensors");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> PageCache.refill(List.of(present, missing)));
        assertEquals(missing.toString(), e.getFile());
    }
}
