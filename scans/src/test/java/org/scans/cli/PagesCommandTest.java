package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.scans.TestSupport;
import org.scans.engine.io.MappedPages;
import org.scans.engine.io.PageCache;

/** The pages command on the bundled model: what it reports, what --refill reads, and a bad folder. */
class PagesCommandTest {
    static final Path MODEL = TestSupport.model();
    static final boolean SMAPS = Files.isReadable(Path.of("/proc/self/smaps"));

    @Test
    void reportsTheFilesAndHowTheyAreMapped() throws Exception {
        var r = TestSupport.cli("pages", "--model", MODEL.toString());
        assertEquals(0, r.exit(), r.err());
        String size = PagesCommand.amount(Files.size(MODEL.resolve("model.safetensors")));
        assertTrue(r.out().startsWith("model     " + MODEL.toAbsolutePath().normalize() + " (1 file, " + size + ")"), r.out());
        if (SMAPS) assertTrue(r.out().matches("(?s).*\\npages     [0-9.]+ of [0-9.]+ MB in 2 MiB pages.*"), r.out());
        assertTrue(!r.out().contains("\nrefill "), r.out());
    }

    @Test
    void refillReadsTheWholeFileBack() throws Exception {
        if (!PageCache.supported()) {
            var r = TestSupport.cli("pages", "--model", MODEL.toString(), "--refill");
            assertEquals(Errors.USER_ERROR, r.exit(), r.out());
            assertTrue(r.err().contains("--refill needs Linux"), r.err());
            return;
        }
        byte[] before = Files.readAllBytes(MODEL.resolve("model.safetensors"));
        var r = TestSupport.cli("pages", "--model", MODEL.toString(), "--refill");
        assertEquals(0, r.exit(), r.err());
        String size = PagesCommand.amount(before.length);
        assertTrue(r.out().contains("\nrefill    " + size + " dropped from the page cache and read back in "), r.out());
        if (SMAPS) assertEquals(2, r.out().split("\npages ", -1).length - 1, "a pages line before and after: " + r.out());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(MODEL.resolve("model.safetensors"))), "file unchanged");
    }

    /** The long jobs' note after load: only for a model big enough to matter, mostly in 4 KiB pages. */
    @Test
    void theNoteAfterLoadNamesTheRefill() {
        Path dir = Path.of("/models/Llama-2-7b-chat-hf");
        long gb = 1_000_000_000L;
        var note = ModelOptions.smallPagesNote(new MappedPages(13 * gb, 2 * gb), dir);
        assertTrue(note.isPresent());
        assertEquals("note: 2.00 of 13.00 GB of the weights in 2 MiB pages, the rest in 4 KiB pages (a checkpoint just copied in"
                + " is cached so), which decoding reads up to 2× slower; `pages --refill --model /models/Llama-2-7b-chat-hf`"
                + " before the next start brings them back in 2 MiB pages", note.get());
        assertTrue(ModelOptions.smallPagesNote(new MappedPages(13 * gb, 7 * gb), dir).isEmpty(), "mostly in 2 MiB pages");
        assertTrue(ModelOptions.smallPagesNote(new MappedPages(100_000_000, 0), dir).isEmpty(), "too small to matter");
    }

    /** The notes of the long jobs' refill before load, and of a refill that left the weights in 4 KiB pages. */
    @Test
    void theRefillNotesSayWhatHappened() {
        long gb = 1_000_000_000L;
        assertEquals("note: 0.30 of 2.20 GB of the weights were in 2 MiB pages, the rest in 4 KiB pages (a checkpoint just copied in is"
                + " cached so), from which batched decoding runs at half speed; dropped them from the page cache and read them back in"
                + " 3.8 s (--keep-pages leaves them)", ModelOptions.refillNote(new MappedPages(2_200_000_000L, 300_000_000L), new PageCache.Refill(2_200_000_000L, 3.8)));
        var still = ModelOptions.stillSmallPagesNote(new MappedPages(13 * gb, 2 * gb));
        assertEquals("note: after the refill still only 2.00 of 13.00 GB of the weights in 2 MiB pages: the kernel found too few free"
                + " 2 MiB blocks of memory; decoding reads the rest up to 2× slower", still.orElseThrow());
        assertTrue(ModelOptions.stillSmallPagesNote(new MappedPages(13 * gb, 12 * gb)).isEmpty(), "the refill worked");
    }

    /**
     * A long job's refill before load, on a copy of the bundled model (too small for the real rule,
     * so the test's rule always calls for one): it says so once, leaves the file's bytes as they
     * were, and stays away with --keep-pages or --quantize, and from a folder the load will refuse.
     */
    @Test
    void theLongJobsRefillBeforeLoadUnlessTold(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(PageCache.supported() && SMAPS, "needs Linux");
        Path copy = tmp.resolve("model");
        Files.createDirectories(copy);
        try (var files = Files.list(MODEL)) {
            for (Path f : (Iterable<Path>) files::iterator) if (Files.isRegularFile(f)) Files.copy(f, copy.resolve(f.getFileName()));
        }
        byte[] before = Files.readAllBytes(copy.resolve("model.safetensors"));
        java.util.List<String> said = new java.util.ArrayList<>();
        ModelOptions options = new ModelOptions();
        options.quantize = ModelOptions.Quantize.none;
        options.refillSmallPages(copy, false, said::add, p -> true);
        assertEquals(1, said.size(), said.toString());
        assertTrue(said.get(0).startsWith("note: ") && said.get(0).contains("dropped them from the page cache and read them back in "), said.get(0));
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(copy.resolve("model.safetensors"))), "file unchanged");
        said.clear();
        options.refillSmallPages(copy, true, said::add, p -> true);
        assertEquals(java.util.List.of(), said, "--keep-pages");
        options.quantize = ModelOptions.Quantize.q8_0;
        options.refillSmallPages(copy, false, said::add, p -> true);
        assertEquals(java.util.List.of(), said, "--quantize reads its own copy");
        options.quantize = ModelOptions.Quantize.none;
        options.refillSmallPages(copy, false, said::add, PagesCommand::mostlySmallPages);
        assertEquals(java.util.List.of(), said, "a model under 256 MB is left as it is");
        options.refillSmallPages(Files.createDirectories(tmp.resolve("empty")), false, said::add, p -> true);
        assertEquals(java.util.List.of(), said, "a folder without weights is left to the load, which names what is wrong");
    }

    @Test
    void aFolderWithoutWeightsIsOneLineAndExitOne(@org.junit.jupiter.api.io.TempDir Path empty) {
        var r = TestSupport.cli("pages", "--model", empty.toString(), "--refill");
        assertEquals(Errors.USER_ERROR, r.exit(), r.out());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("model.safetensors"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("", r.out());
    }
}
