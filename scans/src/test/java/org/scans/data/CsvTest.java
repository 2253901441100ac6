package org.scans.data;

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

class CsvTest {

    private static final Path FILE = Path.of("test.csv");

    private static List<Csv.Row> parse(String text) {
        return Csv.parse(FILE, text);
    }

    @Test
    void plainAndQuotedFields() {
        List<Csv.Row> rows = parse("a,b,c\n1,\"x, y\",\"say \"\"hi\"\"\"\n");
        assertEquals(List.of("a", "b", "c"), rows.get(0).fields());
        assertEquals(List.of("1", "x, y", "say \"hi\""), rows.get(1).fields());
        assertEquals(2, rows.get(1).line());
    }

    @Test
    void embeddedNewlinesAreKeptAndLinesCounted() {
        List<Csv.Row> rows = parse("prompt\n\"first\nline\n\"\n\"second\r\nline\"\nthird\n");
        assertEquals("first\nline\n", rows.get(1).get(0));
        assertEquals("second\r\nline", rows.get(2).get(0), "line breaks inside quotes are kept as written");
        assertEquals(2, rows.get(1).line());
        assertEquals(5, rows.get(2).line());
        assertEquals(7, rows.get(3).line());
    }

    @Test
    void crlfRecordsAndNoFinalNewline() {
        List<Csv.Row> rows = parse("a,b\r\n1,2\r\n3,4");
        assertEquals(3, rows.size());
        assertEquals(List.of("3", "4"), rows.get(2).fields());
        assertEquals(3, rows.get(2).line());
    }

    @Test
    void emptyFieldsAndEmptyLines() {
        List<Csv.Row> rows = parse("a,b,c\n,,\n\n\"\",x,\n");
        assertEquals(List.of("", "", ""), rows.get(1).fields());
        assertEquals(List.of("", "x", ""), rows.get(2).fields());
        assertEquals(4, rows.get(2).line(), "the blank line 3 is skipped but counted");
    }

    @Test
    void quoteInsideUnquotedFieldIsAnError() {
        DatasetException e = assertThrows(DatasetException.class, () -> parse("a,b\n1,x\"y\n"));
        assertTrue(e.getMessage().startsWith("test.csv:2: "), e.getMessage());
        assertTrue(e.getMessage().contains("double quote inside an unquoted field"), e.getMessage());
    }

    @Test
    void textAfterClosingQuoteIsAnError() {
        DatasetException e = assertThrows(DatasetException.class, () -> parse("a\n\"x\"y\n"));
        assertTrue(e.getMessage().startsWith("test.csv:2: "), e.getMessage());
        assertTrue(e.getMessage().contains("after a closing quote"), e.getMessage());
    }

    @Test
    void unterminatedQuoteNamesTheLineWhereItStarted() {
        DatasetException e = assertThrows(DatasetException.class, () -> parse("a\nok\n\"never\nclosed\n"));
        assertTrue(e.getMessage().startsWith("test.csv:3: quoted field is never closed"), e.getMessage());
    }

    @Test
    void wrongFieldCountIsAnError() {
        DatasetException e = assertThrows(DatasetException.class, () -> parse("a,b\n1,2\n3,4,5\n"));
        assertTrue(e.getMessage().startsWith("test.csv:3: expected 2 fields"), e.getMessage());
    }

    @Test
    void missingColumnListsTheHeader(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("t.csv");
        Files.writeString(file, "goal,target\nx,y\n");
        Csv.Table table = Csv.readWithHeader(file);
        assertEquals(0, table.column("goal"));
        DatasetException e = assertThrows(DatasetException.class, () -> table.column("prompt"));
        assertTrue(e.getMessage().contains("no column 'prompt'") && e.getMessage().contains("[goal, target]"), e.getMessage());
    }

    @Test
    void byteOrderMarkIsDroppedAndInvalidUtf8Rejected(@TempDir Path dir) throws IOException {
        Path bom = dir.resolve("bom.csv");
        Files.writeString(bom, "\uFEFFQuestion\nWhy?\n", StandardCharsets.UTF_8);
        assertEquals(List.of("Question"), Csv.readWithHeader(bom).header());

        Path bad = dir.resolve("bad.csv");
        Files.write(bad, new byte[] {'a', '\n', (byte) 0xC3, '\n'});
        DatasetException e = assertThrows(DatasetException.class, () -> Csv.readRecords(bad));
        assertTrue(e.getMessage().endsWith("bad.csv:2: not valid UTF-8 (byte 2)"), e.getMessage());

        DatasetException missing = assertThrows(DatasetException.class, () -> Csv.readRecords(dir.resolve("nope.csv")));
        assertTrue(missing.getMessage().endsWith("nope.csv: file not found"), missing.getMessage());
    }

    @Test
    void aLastQuotedFieldOrALoneCarriageReturnAtTheEnd() {
        assertEquals(List.of("a", "b"), parse("a,\"b\"").get(0).fields());
        assertEquals(List.of("a", "b"), parse("a,b\r").get(0).fields());
    }
}
