package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** samples.jsonl after a kill tore its last line, and lines that are not samples. */
class SampleLogTest {
    @TempDir
    Path dir;

    static final String A = "{\"id\":\"a\",\"x\":1}\n", B = "{\"id\":\"b\",\"x\":2}\n";

    List<String> idsAfterAppendingC(String before) throws Exception {
        Files.writeString(dir.resolve(SampleLog.FILE), before);
        try (SampleLog log = SampleLog.open(dir)) {
            log.append(JsonNodeFactory.instance.objectNode().put("id", "c"));
        }
        return SampleLog.read(dir).stream().map(l -> l.get("id").asText()).toList();
    }

    @Test
    void aTornTailOfAnyLengthIsCutAndEveryWholeLineKept() throws Exception {
        for (int torn = 0; torn <= 4; torn++) {
            assertEquals(List.of("a", "b", "c"), idsAfterAppendingC(A + B + B.substring(0, torn).replace('b', 'z')), "torn " + torn);
        }
        // Only a torn first line: the new record starts the file.
        assertEquals(List.of("c"), idsAfterAppendingC("{\"id\":\"a"));
        assertEquals(List.of("c"), idsAfterAppendingC("{"));
    }

    @Test
    void blankLinesAreSkippedAndLinesThatAreNotSamplesNamed() throws Exception {
        Files.writeString(dir.resolve(SampleLog.FILE), A + "\n" + B);
        assertEquals(2, SampleLog.read(dir).size());
        for (String bad : List.of("{\"id\":5}\n", "{\"x\":1}\n", "[1]\n")) {
            Files.writeString(dir.resolve(SampleLog.FILE), A + bad, StandardCharsets.UTF_8);
            var e = assertThrows(java.io.IOException.class, () -> SampleLog.read(dir));
            assertTrue(e.getMessage().endsWith(SampleLog.FILE + ":2: not a sample line (a JSON object with an \"id\")"), e.getMessage());
        }
        List<JsonNode> none = SampleLog.read(dir.resolve("absent"));
        assertTrue(none.isEmpty());
    }
}
