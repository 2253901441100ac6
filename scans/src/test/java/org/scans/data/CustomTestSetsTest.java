package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CustomTestSetsTest {

    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void csvWithWordsAndNumbers() throws IOException {
        Path file = write("mine.csv", "label,prompt,subtype\nunsafe,How to hack?,cyber\nSafe,\"How to bake,\nbread?\",\n"
                + "1, Hi ,greeting\n0,Bad,\nharmless,ok,\nHARMFUL,no,\n");
        TestSet set = CustomTestSets.load(file);
        assertEquals("mine", set.name());
        assertEquals(3, set.unsafe().size());
        assertEquals(3, set.safe().size());
        assertEquals("How to bake,\nbread?", set.safe().get(0).prompt());
        assertEquals(" Hi ", set.safe().get(1).prompt(), "prompts are not stripped");
        assertEquals("mine-0000", set.unsafe().get(0).id());
        assertEquals("cyber", set.unsafe().get(0).subtype());
        assertNull(set.safe().get(0).subtype());
        assertEquals("mine-0003", set.unsafe().get(1).id());
    }

    @Test
    void jsonlWithStringAndNumberLabels() throws IOException {
        Path file = write("set.jsonl", "{\"prompt\": \"a\", \"label\": \"unsafe\", \"subtype\": \"x\"}\n\n"
                + "{\"prompt\": \"b\\n\", \"label\": 1}\n");
        TestSet set = CustomTestSets.load(file);
        assertEquals("a", set.unsafe().getFirst().prompt());
        assertEquals("x", set.unsafe().getFirst().subtype());
        assertEquals("b\n", set.safe().getFirst().prompt());
    }

    @Test
    void badLabelNamesFileLineAndChoices() throws IOException {
        Path file = write("bad.csv", "prompt,label\nfine,safe\nhmm,maybe\n");
        DatasetException e = assertThrows(DatasetException.class, () -> CustomTestSets.load(file));
        assertTrue(e.getMessage().endsWith("bad.csv:3: label 'maybe' is not one of " + Label.ACCEPTED), e.getMessage());

        Path json = write("bad.jsonl", "{\"prompt\": \"a\", \"label\": \"safe\"}\n{\"prompt\": \"b\", \"label\": 2}\n");
        DatasetException j = assertThrows(DatasetException.class, () -> CustomTestSets.load(json));
        assertTrue(j.getMessage().endsWith("bad.jsonl:2: label '2' is not one of " + Label.ACCEPTED), j.getMessage());

        Path bool = write("bool.jsonl", "{\"prompt\": \"a\", \"label\": true}\n");
        assertTrue(assertThrows(DatasetException.class, () -> CustomTestSets.load(bool)).getMessage().contains("bool.jsonl:1:"));
    }

    @Test
    void missingColumnsAreErrors() throws IOException {
        Path csv = write("nolabel.csv", "prompt,kind\na,safe\n");
        DatasetException e = assertThrows(DatasetException.class, () -> CustomTestSets.load(csv));
        assertTrue(e.getMessage().contains("nolabel.csv:1: no column 'label'; the header has [prompt, kind]"), e.getMessage());

        Path jsonl = write("noprompt.jsonl", "{\"text\": \"a\", \"label\": \"safe\"}\n");
        assertTrue(assertThrows(DatasetException.class, () -> CustomTestSets.load(jsonl)).getMessage()
                .endsWith("noprompt.jsonl:1: missing 'prompt'"));

        Path broken = write("broken.jsonl", "{\"prompt\": \"a\", \"label\": \"safe\"}\n{\"prompt\": \n");
        String m = assertThrows(DatasetException.class, () -> CustomTestSets.load(broken)).getMessage();
        assertTrue(m.contains("broken.jsonl:2: not valid JSON"), m);
        // Jackson's own location ("line: 1" of the one line it was given) would contradict the line named
        assertTrue(!m.contains("Source:") && !m.contains("line: "), m);
    }

    @Test
    void emptyPromptsAndUnknownFormatsAreErrors() throws IOException {
        Path empty = write("e.csv", "prompt,label\n,safe\n");
        assertTrue(assertThrows(DatasetException.class, () -> CustomTestSets.load(empty)).getMessage()
                .endsWith("e.csv:2: empty prompt"));
        Path txt = write("p.txt", "x");
        assertTrue(assertThrows(DatasetException.class, () -> CustomTestSets.load(txt)).getMessage()
                .contains("unknown test set format"));
        Path header = write("h.csv", "prompt,label\n");
        assertTrue(assertThrows(DatasetException.class, () -> CustomTestSets.load(header)).getMessage()
                .endsWith("h.csv: no samples"));
    }

    @Test
    void aSubtypeInTheFirstColumnANullSubtypeAndNdjson() throws IOException {
        TestSet first = CustomTestSets.load(write("first.csv", "subtype,prompt,label\ncyber,How to hack?,unsafe\n,Hi,safe\n"));
        assertEquals("cyber", first.unsafe().getFirst().subtype());
        assertNull(first.safe().getFirst().subtype());
        TestSet nd = CustomTestSets.load(write("set.ndjson", "{\"prompt\": \"a\", \"label\": \"safe\", \"subtype\": null}\n\n"
                + "{\"prompt\": \"b\", \"label\": \"unsafe\"}\n"));
        assertNull(nd.safe().getFirst().subtype(), "a JSON null is no subtype, not the subtype \"null\"");
        assertEquals("b", nd.unsafe().getFirst().prompt());
    }
}
