package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedPagesTest {

    @Test
    void sumsOnlyTheWantedMappings() {
        List<String> smaps = List.of(
                "7fe79cc00000-7fe81fe33000 r--s 00000000 fe:00 5325018                    /m/model-00001.safetensors",
                "Size:            2148556 kB",
                "Rss:             2026676 kB",
                "FilePmdMapped:     38912 kB",
                "VmFlags: rd sh mr mw me ms sd",
                "7fe820000000-7fe820100000 rw-p 00000000 00:00 0 ",
                "Rss:                1024 kB",
                "FilePmdMapped:         0 kB",
                "7fe830000000-7fe830400000 r--s 00000000 fe:00 42                         /other/file.bin",
                "Rss:                4096 kB",
                "FilePmdMapped:      4096 kB",
                "7fe840000000-7fe840400000 r--s 00000000 fe:00 43                         /m/model-00002.safetensors",
                "Rss:                4096 kB",
                "FilePmdMapped:      2048 kB");
        MappedPages p = MappedPages.parse(smaps, path -> path.startsWith("/m/"));
        assertEquals((2026676L + 4096) * 1024, p.residentBytes());
        assertEquals((38912L + 2048) * 1024, p.hugeBytes());
        assertEquals((38912.0 + 2048) / (2026676 + 4096), p.hugeFraction(), 1e-12);
    }

    @Test
    void nothingResidentIsAZeroFraction() {
        MappedPages p = MappedPages.parse(List.of(), path -> true);
        assertEquals(0, p.residentBytes());
        assertEquals(0.0, p.hugeFraction());
    }

    /** This process's own mapping of a file, touched page by page, shows up whole. */
    @Test
    void seesAMappingOfThisProcess(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "no /proc/self/smaps (not Linux)");
        Path file = dir.resolve("weights.bin");
        int bytes = 1 << 20;
        Files.write(file, new byte[bytes]);
        assertEquals(Optional.of(new MappedPages(0, 0)), MappedPages.under(dir));
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(file)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
            long sum = 0;
            for (long i = 0; i < bytes; i += 4096) sum += seg.get(ValueLayout.JAVA_BYTE, i);
            MappedPages p = MappedPages.under(dir).orElseThrow();
            assertEquals(bytes, p.residentBytes(), "sum " + sum);
            assertTrue(p.hugeBytes() <= p.residentBytes());
        }
        assertEquals(Optional.of(new MappedPages(0, 0)), MappedPages.under(dir));
    }
}
