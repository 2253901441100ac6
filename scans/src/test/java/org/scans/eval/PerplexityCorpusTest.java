package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    @Test
    void c4ShardsAreReadAsDownloadedGzippedJsonLines(@TempDir Path dir) throws IOException {
        String lines = "{\"text\": \"a\", \"url\": \"u\"}\n{\"text\": \"b\", \"url\": \"v\"}\n";
        Path gz = dir.resolve("c4-validation.00000-of-00008.json.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(lines.getBytes(StandardCharsets.UTF_8));
        }
        PerplexityCorpus c = PerplexityCorpus.file(gz, "text");
        assertEquals(List.of("a", "b"), c.texts());
        assertFalse(c.stream(), "documents, not one running text");
        Path json = dir.resolve("shard.json");
        Files.writeString(json, lines, StandardCharsets.UTF_8);
        assertEquals(List.of("a", "b"), PerplexityCorpus.file(json, "text").texts());
        Path text = dir.resolve("story.txt.gz");
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(text))) {
            out.write("Once upon a time".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of("Once upon a time"), PerplexityCorpus.file(text, "text").texts());
    }

    @Test
    void aJsonArrayAndABrokenGzipAreExplained(@TempDir Path dir) throws IOException {
        Path array = dir.resolve("docs.json");
        Files.writeString(array, "[\n{\"text\": \"a\"}\n]\n", StandardCharsets.UTF_8);
        DatasetException e = assertThrows(DatasetException.class, () -> PerplexityCorpus.file(array, "text"));
        assertTrue(e.getMessage().contains("docs.json:1: a JSON array; documents are read one JSON object per line"), e.getMessage());
        Path gz = dir.resolve("docs.jsonl.gz");
        Files.writeString(gz, "{\"text\": \"a\"}\n", StandardCharsets.UTF_8);
        e = assertThrows(DatasetException.class, () -> PerplexityCorpus.file(gz, "text"));
        assertTrue(e.getMessage().contains("docs.jsonl.gz: not a readable gzip file"), e.getMessage());
    }
}
