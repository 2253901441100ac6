package org.scans.engine.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * How much of the files this process has mapped from one folder sits in memory, and how much of
 * that is mapped through 2 MiB page-table entries, from {@code /proc/self/smaps} (Linux only).
 *
 * <p>A decode step streams every weight once, and the rate a core reaches depends on the TLB: the
 * page cache holds a file in folios whose size depends on how the file came in (a file just
 * written sits in small ones, one read back sequentially in 2 MiB ones), and only 2 MiB folios
 * map with huge-page entries. On the machine of bench/README.md a plain read of the same 2 GB ran
 * at 13–15 GB/s from small folios and 25–30 GB/s from 2 MiB ones, so a benchmark figure means
 * little without this.
 *
 * <p>The same holds for the anonymous memory of a {@code --quantize} copy, which is in 2 MiB pages
 * only where the kernel found free 2 MiB blocks when it was filled: {@link #overlapping}.
 *
 * @param residentBytes bytes of the mappings present in memory (Rss)
 * @param hugeBytes of those, bytes mapped through 2 MiB entries (FilePmdMapped, AnonHugePages)
 */
public record MappedPages(long residentBytes, long hugeBytes) {
    private static final Path SMAPS = Path.of("/proc/self/smaps");

    /** Which mappings to count: by address range {@code [start, end)} and path ("" for anonymous memory). */
    @FunctionalInterface
    interface Wanted {
        boolean test(long start, long end, String path);
    }

    /**
     * The mappings of files under {@code dir} and of the files its {@code *.safetensors} links
     * point to; empty where {@code /proc/self/smaps} cannot be read.
     */
    public static Optional<MappedPages> under(Path dir) {
        if (!Files.isReadable(SMAPS)) return Optional.empty();
        try {
            return Optional.of(parse(Files.readAllLines(SMAPS), filesOf(dir)));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /**
     * smaps names a mapped file by its real path. In a Hugging Face cache the weights are links
     * ({@code snapshots/<rev>/model.safetensors → ../../blobs/<hash>}) whose targets lie outside
     * the folder, so besides the paths under the folder's real path, each weight file's real path
     * counts too.
     */
    static Wanted filesOf(Path dir) throws IOException {
        String root = dir.toRealPath().toString();
        String prefix = root.endsWith("/") ? root : root + "/";
        Set<String> targets = new HashSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f)) targets.add(f.toRealPath().toString());
            }
        }
        return (start, end, path) -> path.startsWith(prefix) || targets.contains(path);
    }

    /**
     * The mappings that hold any byte of {@code segments} (native segments, such as the quantized
     * copy of the weights); empty where {@code /proc/self/smaps} cannot be read.
     */
    public static Optional<MappedPages> overlapping(List<MemorySegment> segments) {
        if (!Files.isReadable(SMAPS)) return Optional.empty();
        try {
            return Optional.of(parse(Files.readAllLines(SMAPS), (start, end, path) -> {
                for (MemorySegment s : segments) {
                    long a = s.address(), b = a + s.byteSize();
                    if (Long.compareUnsigned(a, end) < 0 && Long.compareUnsigned(start, b) < 0) return true;
                }
                return false;
            }));
        } catch (IOException | UncheckedIOException e) {
            return Optional.empty();
        }
    }

    /** Share of the resident bytes mapped through 2 MiB entries; 0 when nothing is resident. */
    public double hugeFraction() {
        return residentBytes == 0 ? 0 : (double) hugeBytes / residentBytes;
    }

    /**
     * Sums Rss, and FilePmdMapped plus AnonHugePages, over the mappings {@code wanted} accepts. A
     * mapping starts with a line {@code start-end perms offset dev inode [path]}; its fields follow,
     * one per line, in kB.
     */
    static MappedPages parse(List<String> smaps, Wanted wanted) {
        long rss = 0, huge = 0;
        boolean counting = false;
        for (String line : smaps) {
            if (isMappingHeader(line)) {
                String[] f = line.trim().split("\\s+", 6);
                int dash = f[0].indexOf('-');
                long start = Long.parseUnsignedLong(f[0], 0, dash, 16), end = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
                counting = f.length >= 5 && wanted.test(start, end, f.length == 6 ? f[5] : "");
            } else if (counting) {
                if (line.startsWith("Rss:")) rss += kilobytes(line);
                else if (line.startsWith("FilePmdMapped:") || line.startsWith("AnonHugePages:")) huge += kilobytes(line);
            }
        }
        return new MappedPages(rss * 1024, huge * 1024);
    }

    /** "7fe79cc00000-7fe81fe33000 r--s …": hex, a dash, hex, a space. Field lines start with a name and a colon. */
    private static boolean isMappingHeader(String line) {
        int dash = line.indexOf('-'), space = line.indexOf(' ');
        if (dash <= 0 || space <= dash + 1) return false;
        for (int i = 0; i < space; i++) {
            if (i != dash && Character.digit(line.charAt(i), 16) < 0) return false;
        }
        return true;
    }

    private static long kilobytes(String line) {
        String[] f = line.trim().split("\\s+");
        return f.length >= 2 ? Long.parseLong(f[1]) : 0;
    }
}
