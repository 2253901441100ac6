package org.scans.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A strict RFC 4180 CSV reader: comma-separated fields, fields that contain a comma, a quote or
 * a line break are quoted, a quote inside a quoted field is doubled ({@code ""}). Records end in
 * LF or CRLF (a lone CR is accepted as a line end too). Line breaks inside quoted fields are kept
 * exactly as written.
 *
 * <p>Strict means: a quote inside an unquoted field, text after a closing quote, a quoted field
 * that never closes, invalid UTF-8 and a record whose field count differs from the first record
 * are errors, reported as {@link DatasetException} with {@code file:line}. Lenient parsers
 * (pandas) would guess; a guess here silently changes a prompt.
 *
 * <p>Two things follow pandas, which the SCANS reference uses to read the same files: a UTF-8
 * byte-order mark at the start is dropped (TruthfulQA.csv has one), and empty lines between
 * records are skipped.
 */
public final class Csv {

    /** One record and the physical line (1-based) on which it starts. */
    public record Row(int line, List<String> fields) {
        public Row {
            fields = List.copyOf(fields);
        }

        public String get(int column) {
            return fields.get(column);
        }
    }

    /** A CSV file read with its first record as the header. */
    public record Table(Path file, List<String> header, List<Row> rows) {
        public Table {
            header = List.copyOf(header);
            rows = List.copyOf(rows);
        }

        /** Index of a header column; a missing column is an error that lists the ones present. */
        public int column(String name) {
            int index = header.indexOf(name);
            if (index < 0) {
                throw DatasetException.at(file, 1, "no column '" + name + "'; the header has " + header);
            }
            return index;
        }

        /** Like {@link #column(String)} but -1 where the column is absent. */
        public int optionalColumn(String name) {
            return header.indexOf(name);
        }
    }

    private Csv() {
    }

    /** Reads a file whose first record is the header. */
    public static Table readWithHeader(Path file) {
        List<Row> records = readRecords(file);
        if (records.isEmpty()) {
            throw new DatasetException(file + ": empty CSV file, expected a header line");
        }
        return new Table(file, records.getFirst().fields(), records.subList(1, records.size()));
    }

    /** Reads a file that has no header (the MMLU splits); every record is data. */
    public static List<Row> readHeaderless(Path file) {
        return readRecords(file);
    }

    /** Reads all records of a file; every record must have as many fields as the first. */
    public static List<Row> readRecords(Path file) {
        return parse(file, readUtf8(file));
    }

    /** Parses CSV text; {@code file} is used only in error messages. */
    public static List<Row> parse(Path file, String text) {
        return new Parser(file, text).records();
    }

    /** Reads a whole file as strict UTF-8, dropping a leading byte-order mark. */
    public static String readUtf8(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": file not found");
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read: " + e.getMessage(), e);
        }
        return decodeUtf8(file, bytes);
    }

    /** {@link #readUtf8} for bytes already read (unpacked, say); {@code file} names them in errors. */
    public static String decodeUtf8(Path file, byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (r.isUnderflow()) r = decoder.flush(out);
        if (r.isError()) {
            // The decoder stops at the first bad byte: its line is what the user needs to find it.
            int line = 1;
            for (int i = 0; i < in.position(); i++) if (bytes[i] == '\n') line++;
            throw new DatasetException(file + ":" + line + ": not valid UTF-8 (byte " + in.position() + ")");
        }
        String text = out.flip().toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /** Single-pass state machine over the text; {@code line} counts physical lines. */
    private static final class Parser {
        private final Path file;
        private final String s;
        private int pos;
        private int line = 1;

        Parser(Path file, String text) {
            this.file = file;
            this.s = text;
        }

        List<Row> records() {
            List<Row> rows = new ArrayList<>();
            int width = -1;
            while (pos < s.length()) {
                if (atLineEnd()) {      // an empty line: skipped, as pandas does
                    consumeLineEnd();
                    continue;
                }
                int start = line;
                List<String> fields = record();
                if (width < 0) {
                    width = fields.size();
                } else if (fields.size() != width) {
                    throw DatasetException.at(file, start, "expected " + width + " fields (as in the first line), found "
                            + fields.size() + "; a field with a comma, quote or line break must be in double quotes");
                }
                rows.add(new Row(start, fields));
            }
            return rows;
        }

        private List<String> record() {
            List<String> fields = new ArrayList<>();
            while (true) {
                fields.add(pos < s.length() && s.charAt(pos) == '"' ? quoted() : unquoted());
                if (pos >= s.length()) {
                    return fields;
                }
                char c = s.charAt(pos);
                if (c == ',') {
                    pos++;
                } else {            // a field ends only at a comma, a line end or the end of the text
                    consumeLineEnd();
                    return fields;
                }
            }
        }

        private String unquoted() {
            int start = pos;
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ',' || c == '\n' || c == '\r') {
                    break;
                }
                if (c == '"') {
                    throw DatasetException.at(file, line, "a double quote inside an unquoted field (character "
                            + column(pos) + "); quote the whole field and double the inner quotes");
                }
                pos++;
            }
            return s.substring(start, pos);
        }

        private String quoted() {
            int startLine = line;
            pos++;                  // opening quote
            StringBuilder field = new StringBuilder();
            while (true) {
                if (pos >= s.length()) {
                    throw DatasetException.at(file, startLine, "quoted field is never closed (reached the end of the file)");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    if (pos + 1 < s.length() && s.charAt(pos + 1) == '"') {
                        field.append('"');
                        pos += 2;
                        continue;
                    }
                    pos++;          // closing quote
                    break;
                }
                if (c == '\n' || (c == '\r' && (pos + 1 >= s.length() || s.charAt(pos + 1) != '\n'))) {
                    line++;
                }
                field.append(c);
                pos++;
            }
            if (pos < s.length() && s.charAt(pos) != ',' && !atLineEnd()) {
                throw DatasetException.at(file, line, "unexpected character '" + s.charAt(pos)
                        + "' after a closing quote; expected a comma or the end of the line");
            }
            return field.toString();
        }

        private boolean atLineEnd() {
            char c = s.charAt(pos);
            return c == '\n' || c == '\r';
        }

        private void consumeLineEnd() {
            if (s.charAt(pos) == '\r' && pos + 1 < s.length() && s.charAt(pos + 1) == '\n') {
                pos++;
            }
            pos++;
            line++;
        }

        /** 1-based column of a text offset within its physical line, for messages. */
        private int column(int offset) {
            int lineStart = Math.max(s.lastIndexOf('\n', offset - 1), s.lastIndexOf('\r', offset - 1)) + 1;
            return offset - lineStart + 1;
        }
    }
}
