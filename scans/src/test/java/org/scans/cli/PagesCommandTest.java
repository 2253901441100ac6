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

    @Test
    void aFolderWithoutWeightsIsOneLineAndExitOne(@org.junit.jupiter.api.io.TempDir Path empty) {
        var r = TestSupport.cli("pages", "--model", empty.toString(), "--refill");
        assertEquals(Errors.USER_ERROR, r.exit(), r.out());
        assertTrue(r.err().startsWith("error: ") && r.err().contains("model.safetensors"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertEquals("", r.out());
    }
}
