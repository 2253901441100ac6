package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.data.DatasetException;

/** eval ppl's own files are read as every other data file is. */
class PerplexityCorpusTest {

    @Test
    void aByteOrderMarkIsNoPartOfTheText(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("t.txt");
        Files.writeString(text, "\uFEFFOnce upon a time", StandardCharsets.UTF_8);
        assertEquals(List.of("Once upon a time"), PerplexityCorpus.file(text, "text").texts());
        Path docs = dir.resolve("d.jsonl");
        Files.writeString(docs, "\uFEFF{\"text\": \"a\"}\n{\"text\": \"b\"}\n", StandardCharsets.UTF_8);
        assertEquals(List.of("a", "b"), PerplexityCorpus.file(docs, "text").texts());
    }

    @Test
    void badBytesAndBadJsonAreNamedByLine(@TempDir Path dir) throws IOException {
        Path text = dir.resolve("t.txt");
        Files.write(text, new byte[] {'a', '\n', 'b', (byte) 0xC3, '(', '\n'});
        DatasetException e = assertThrows(DatasetException.class, () -> PerplexityCorpus.file(text, "text"));
        assertTrue(e.getMessage().endsWith("t.txt:2: not valid UTF-8 (byte 3)"), e.getMessage());
        Path docs = dir.resolve("d.jsonl");
        Files.writeString(docs, "{\"text\": \"a\"}\n{\"text\": \n", StandardCharsets.UTF_8);
        e = assertThrows(DatasetException.class, () -> PerplexityCorpus.file(docs, "text"));
        assertTrue(e.getMessage().contains("d.jsonl:2: not valid JSON: Unexpected end-of-input"), e.getMessage());
    }
}
