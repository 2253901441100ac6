package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SummarizationTest {

    @Test
    void xsumDevMatchesPandasAndSkipsTheEmptyRow() {
        JsonNode g = TestData.golden("xsum.json");
        List<String> warnings = new ArrayList<>();
        List<SummaryExample> xsum = Summarization.xsum(TestData.datasets(), warnings::add);
        assertEquals(g.get("kept").asInt(), xsum.size());
        assertEquals(1, warnings.size());
        assertTrue(warnings.getFirst().contains("skipped row 219 (id 32556640): empty 'dialogue'"), warnings.getFirst());
        assertEquals(g.get("ids_sha256").asText(), TestData.digest(xsum.stream().map(SummaryExample::id).toList()));
        assertEquals(g.get("documents_sha256").asText(), TestData.digest(xsum.stream().map(SummaryExample::document).toList()));
        assertEquals(g.get("summaries_sha256").asText(), TestData.digest(xsum.stream().map(SummaryExample::summary).toList()));
        assertEquals(g.get("instructions_sha256").asText(),
                TestData.digest(xsum.stream().map(e -> Summarization.instruction(e.document())).toList()));
        assertEquals("38295789", xsum.getFirst().id());
        assertEquals(220, xsum.get(219).row(), "rows keep their file numbering after a skip");
    }

    @Test
    void instructionStripsLikePython() {
        assertEquals("Document:Text here.\nBased on the previous text, provide a brief single summary:",
                Summarization.instruction("\u00A0 Text here.\n"));
    }

    @Test
    void sampleIsSeededAndWithoutReplacement() {
        List<SummaryExample> all = Summarization.xsum(TestData.datasets(), w -> { });
        List<SummaryExample> a = Summarization.sample(all, 200, 0);
        assertEquals(a, Summarization.sample(all, 200, 0));
        assertEquals(200, a.stream().map(SummaryExample::id).distinct().count());
        assertThrows(DatasetException.class, () -> Summarization.sample(all, 992, 0));
    }

    @Test
    void otherFilesWithNamedColumns(@TempDir Path dir) throws IOException {
        Path jsonl = dir.resolve("x.jsonl");
        Files.writeString(jsonl, "{\"document\": \"D1\", \"summary\": \"S1\", \"id\": 7}\n{\"document\": null, \"summary\": \"S2\"}\n");
        List<String> warnings = new ArrayList<>();
        List<SummaryExample> read = Summarization.read(jsonl, "document", "summary", warnings::add);
        assertEquals(List.of(new SummaryExample("7", 0, "D1", "S1")), read);
        assertTrue(warnings.getFirst().contains("x.jsonl:2: skipped row 1 (id 1): empty 'document'"), warnings.getFirst());

        Path csv = dir.resolve("y.csv");
        Files.writeString(csv, "article,highlights\nA,B\n");
        assertEquals("A", Summarization.read(csv, "article", "highlights", w -> { }).getFirst().document());
        DatasetException e = assertThrows(DatasetException.class, () -> Summarization.read(csv, "document", "summary", w -> { }));
        assertTrue(e.getMessage().contains("no column 'document'"), e.getMessage());
    }
}
