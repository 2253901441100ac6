package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        MappedPages p = MappedPages.parse(smaps, (start, end, path) -> path.startsWith("/m/"));
        assertEquals((2026676L + 4096) * 1024, p.residentBytes());
        assertEquals((38912L + 2048) * 1024, p.hugeBytes());
        assertEquals((38912.0 + 2048) / (2026676 + 4096), p.hugeFraction(), 1e-12);
    }

    /** Anonymous memory (a quantized copy) is picked by address, and its AnonHugePages count as huge. */
    @Test
    void picksAnonymousMappingsByAddress() {
        List<String> smaps = List.of(
                "7fe800000000-7fe800400000 rw-p 00000000 00:00 0 ",
                "Rss:                4096 kB",
                "AnonHugePages:      2048 kB",
                "FilePmdMapped:         0 kB",
                "7fe800400000-7fe800800000 rw-p 00000000 00:00 0 ",
                "Rss:                4096 kB",
                "AnonHugePages:      4096 kB",
                "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
                "Rss:                   4 kB");
        // A range inside the first mapping only; then one inside the last (addresses above 2^63).
        MappedPages first = MappedPages.parse(smaps, (s, e, path) -> Long.compareUnsigned(s, 0x7fe800001000L) <= 0
                && Long.compareUnsigned(0x7fe800001000L, e) < 0);
        assertEquals(new MappedPages(4096L * 1024, 2048L * 1024), first);
        MappedPages top = MappedPages.parse(smaps, (s, e, path) -> Long.compareUnsigned(s, 0xffffffffff600000L) == 0);
        assertEquals(new MappedPages(4096, 0), top);
    }

    /** The process's own anonymous memory, found from a segment's address. */
    @Test
    void seesAnAnonymousSegmentOfThisProcess() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "no /proc/self/smaps (not Linux)");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(8 << 20, 4096);
            s.fill((byte) 1);
            MappedPages p = MappedPages.overlapping(List.of(s)).orElseThrow();
            assertTrue(p.residentBytes() >= s.byteSize(), p.toString());
        }
    }

    @Test
    void nothingResidentIsAZeroFraction() {
        MappedPages p = MappedPages.parse(List.of(), (start, end, path) -> true);
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

    /**
     * A Hugging Face cache: the folder's weights are links to blobs elsewhere, which smaps names
     * by their real paths. Those count; other files beside the blobs do not.
     */
    @Test
    void countsTheTargetsOfLinkedWeightFiles(@TempDir Path tmp) throws Exception {
        Path blobs = Files.createDirectories(tmp.resolve("blobs")), dir = Files.createDirectories(tmp.resolve("snapshots/rev"));
        Files.write(blobs.resolve("abc"), new byte[0]);
        Files.write(blobs.resolve("other"), new byte[0]);
        Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of("../../blobs/abc"));
        Files.createSymbolicLink(dir.resolve("config.json"), Path.of("../../blobs/other"));
        MappedPages.Wanted wanted = MappedPages.filesOf(dir);
        String real = tmp.toRealPath().toString();
        assertTrue(wanted.test(0, 1, real + "/blobs/abc"));
        assertFalse(wanted.test(0, 1, real + "/blobs/other"), "not a weight file");
        assertFalse(wanted.test(0, 1, real + "/blobs/abcd"));
        assertTrue(wanted.test(0, 1, real + "/snapshots/rev/plain.safetensors"), "a file in the folder itself");
    }

    /** The same through this process's own mapping of a linked file. */
    @Test
    void seesAMappingOfALinkedFile(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/smaps")), "no /proc/self/smaps (not Linux)");
        Path blob = Files.createDirectories(tmp.resolve("blobs")).resolve("x"), dir = Files.createDirectories(tmp.resolve("model"));
        int bytes = 1 << 20;
        Files.write(blob, new byte[bytes]);
        Path link = Files.createSymbolicLink(dir.resolve("model.safetensors"), Path.of("../blobs/x"));
        try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(link)) {
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
            long sum = 0;
            for (long i = 0; i < bytes; i += 4096) sum += seg.get(ValueLayout.JAVA_BYTE, i);
            assertEquals(bytes, MappedPages.under(dir).orElseThrow().residentBytes(), "sum " + sum);
        }
    }
}
