package org.scans.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.scans.engine.io.Checkpoint;
import org.scans.engine.io.MappedPages;
import org.scans.engine.io.PageCache;
import org.scans.engine.io.SafetensorsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "pages", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "How a model's weight files sit in the page cache: how much is in memory, and how much of that in 2 MiB pages.",
    "A file just written or copied in is cached in 4 KiB pages, and a decode step reads weights from those up to 2× slower.",
    "--refill drops the files from the page cache and reads them back sequentially, which brings them back in 2 MiB pages "
            + "(Linux, on file systems that cache large folios, such as ext4 and XFS); run it while no other process has the model loaded."})
final class PagesCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face Llama checkpoint folder, or a folder name under models/. Default: the bundled stories260K.")
    String model;

    @Option(names = "--refill", description = "Drop the weight files from the page cache and read them back (reads them from disk once).")
    boolean refill;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Path dir = ModelLocator.resolve(model);
        PrintWriter out = spec.commandLine().getOut();
        if (refill && !PageCache.supported()) throw new UserException("--refill needs Linux (posix_fadvise)");
        List<Path> files;
        long bytes;
        Optional<MappedPages> before;
        try (Checkpoint c = Checkpoint.open(dir)) {
            files = c.files().stream().map(SafetensorsFile::path).toList();
            bytes = files.stream().mapToLong(PagesCommand::size).sum();
            before = residentAfterTouching(c, dir);
        }
        out.printf("model     %s (%d file%s, %s)%n", dir.toAbsolutePath().normalize(), files.size(), files.size() == 1 ? "" : "s", amount(bytes));
        if (before.isEmpty()) {
            out.println("pages     not visible on this system (needs Linux's /proc/self/smaps)");
        } else {
            MappedPages p = before.get();
            boolean small = !refill && mostlySmallPages(p);
            out.printf("pages     %s in 2 MiB pages%s%n", ofResident(p),
                    small ? " (small pages: `pages --refill` brings the files back in 2 MiB pages)" : "");
        }
        if (refill) {
            PageCache.Refill r = PageCache.refill(files);
            out.printf("refill    %s dropped from the page cache and read back in %.1f s (%.2f GB/s)%n",
                    amount(r.bytes()), r.seconds(), r.gigabytesPerSecond());
            try (Checkpoint c = Checkpoint.open(dir)) {
                residentAfterTouching(c, dir).ifPresent(p -> {
                    out.printf("pages     %s in 2 MiB pages%n", ofResident(p));
                    if (p.residentBytes() < 0.9 * bytes) {
                        out.printf("note      only %s of the %s stayed in memory: the files do not fit beside what else this machine holds%n",
                                amount(p.residentBytes()), amount(bytes));
                    }
                });
            }
        }
        out.flush();
        return 0;
    }

    /** Every page of the weights mapped, then counted in {@code /proc/self/smaps}. */
    private static Optional<MappedPages> residentAfterTouching(Checkpoint c, Path dir) {
        c.touchPages();
        return MappedPages.under(dir);
    }

    private static long size(Path f) {
        try {
            return java.nio.file.Files.size(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Below this much, a model is mostly cache-resident anyway and its page size does not matter. */
    private static final long SMALL_PAGES_MATTER = 256L << 20;

    /**
     * Whether most of {@code p} sits in 4 KiB pages, and enough of it to matter: the one rule by
     * which {@code pages}, {@code bench} and the long jobs point to {@code pages --refill}.
     */
    static boolean mostlySmallPages(MappedPages p) {
        return p.residentBytes() >= SMALL_PAGES_MATTER && p.hugeFraction() < 0.5;
    }

    /** "2.20 GB", or "1.06 MB" below a gigabyte. */
    static String amount(long bytes) {
        return bytes >= 1e9 ? String.format("%.2f GB", bytes / 1e9) : String.format("%.2f MB", bytes / 1e6);
    }

    /** "2.13 of 2.20 GB": the bytes in 2 MiB pages of the resident ones (MB below a gigabyte). */
    static String ofResident(MappedPages p) {
        return ofResident(p, 0);
    }

    /** {@link #ofResident(MappedPages)} with the first number right-aligned in {@code width} characters (bench's column). */
    static String ofResident(MappedPages p, int width) {
        boolean big = p.residentBytes() >= 1e9;
        double unit = big ? 1e9 : 1e6;
        String huge = String.format("%.2f", p.hugeBytes() / unit);
        return " ".repeat(Math.max(0, width - huge.length())) + huge + String.format(" of %.2f %s", p.residentBytes() / unit, big ? "GB" : "MB");
    }
}
