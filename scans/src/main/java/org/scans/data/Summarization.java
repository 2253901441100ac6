package org.scans.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Summarisation data for the XSum capability check (SCANS.md §10).
 *
 * <p>The reference reads {@code Xsum/dev.csv} (OpenCompass layout: {@code id,dialogue,summary},
 * where {@code dialogue} is the article) with pandas and takes {@code .sample(200)} without a
 * seed. pandas turns an empty field into NaN and the reference would then fail on
 * {@code text.strip()}; the bundled file has one such row (row 219, id 32556640). Rows whose
 * document or summary is empty or only whitespace are therefore skipped, each with a warning.
 *
 * <p>Other files work too: any {@code .csv} (header line) or {@code .jsonl} with a document and
 * a summary column, names given by the caller.
 */
public final class Summarization {

    /** The bundled XSum validation prefix, relative to the data folder. */
    public static final String XSUM_DEV = "xsum/dev.csv";
    public static final String XSUM_DOCUMENT_COLUMN = "dialogue";
    public static final String XSUM_SUMMARY_COLUMN = "summary";
    /** How many rows the reference scores. */
    public static final int REFERENCE_SAMPLE_SIZE = 200;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Summarization() {
    }

    /** The bundled {@code xsum/dev.csv}; skipped rows are reported to {@code warnings}. */
    public static List<SummaryExample> xsum(Datasets data, Consumer<String> warnings) {
        return read(data.file(XSUM_DEV), XSUM_DOCUMENT_COLUMN, XSUM_SUMMARY_COLUMN, warnings);
    }

    /**
     * Reads a {@code .csv} or {@code .jsonl} file with the given document and summary columns;
     * an {@code id} column is used where present. Rows with an empty document or summary are
     * skipped with a warning naming the file, line and id.
     */
    public static List<SummaryExample> read(Path file, String documentColumn, String summaryColumn,
                                            Consumer<String> warnings) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return fromCsv(file, documentColumn, summaryColumn, warnings);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            return fromJsonl(file, documentColumn, summaryColumn, warnings);
        }
        throw new DatasetException(file + ": unknown summarisation data format; expected .csv (with a header line) or .jsonl");
    }

    /**
     * {@code n} examples drawn without replacement by the same seeded partial Fisher–Yates
     * shuffle as the anchors ({@link Anchors}), in file order. The reference's
     * {@code .sample(200)} has no seed, so any fixed draw is as faithful as another.
     */
    public static List<SummaryExample> sample(List<SummaryExample> examples, int n, long seed) {
        int[] chosen = Anchors.chooseIndices(examples.size(), n, new Random(seed), "summarisation data");
        List<SummaryExample> picked = new ArrayList<>(n);
        for (int index : chosen) {
            picked.add(examples.get(index));
        }
        return picked;
    }

    /**
     * The user turn the reference builds for a document (before the chat template):
     * {@code "Document:" + document.strip() + "\nBased on the previous text, provide a brief single summary:"},
     * with Python's {@code strip()}.
     */
    public static String instruction(String document) {
        return "Document:" + PythonText.strip(document) + "\nBased on the previous text, provide a brief single summary:";
    }

    private static List<SummaryExample> fromCsv(Path file, String documentColumn, String summaryColumn,
                                                Consumer<String> warnings) {
        Csv.Table table = Csv.readWithHeader(file);
        int document = table.column(documentColumn);
        int summary = table.column(summaryColumn);
        int id = table.optionalColumn("id");
        List<SummaryExample> examples = new ArrayList<>();
        for (int i = 0; i < table.rows().size(); i++) {
            Csv.Row row = table.rows().get(i);
            String exampleId = id < 0 ? Integer.toString(i) : row.get(id);
            add(examples, file, row.line(), i, exampleId, row.get(document), row.get(summary),
                    documentColumn, summaryColumn, warnings);
        }
        return examples;
    }

    private static List<SummaryExample> fromJsonl(Path file, String documentColumn, String summaryColumn,
                                                  Consumer<String> warnings) {
        List<String> lines = PythonText.readLines(Csv.readUtf8(file));
        List<SummaryExample> examples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            if (PythonText.strip(lines.get(i)).isEmpty()) {
                continue;
            }
            JsonNode object;
            try {
                object = JSON.readTree(lines.get(i));
            } catch (JsonProcessingException e) {
                throw DatasetException.at(file, lineNumber, "not valid JSON: " + org.scans.tokenizer.JsonMessages.brief(e));
            }
            if (!object.isObject()) {
                throw DatasetException.at(file, lineNumber, "expected a JSON object");
            }
            String document = text(file, lineNumber, object, documentColumn);
            String summary = text(file, lineNumber, object, summaryColumn);
            JsonNode id = object.get("id");
            String exampleId = id == null || id.isNull() ? Integer.toString(i) : id.asText();
            add(examples, file, lineNumber, i, exampleId, document, summary, documentColumn, summaryColumn, warnings);
        }
        return examples;
    }

    private static String text(Path file, int line, JsonNode object, String field) {
        JsonNode node = object.get(field);
        if (node == null) {
            throw DatasetException.at(file, line, "missing '" + field + "'; the object has " + fieldNames(object));
        }
        if (node.isNull()) {
            return "";
        }
        if (!node.isTextual()) {
            throw DatasetException.at(file, line, "'" + field + "' must be a string, found " + node.getNodeType());
        }
        return node.textValue();
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void add(List<SummaryExample> examples, Path file, int line, int row, String id, String document,
                            String summary, String documentColumn, String summaryColumn, Consumer<String> warnings) {
        if (PythonText.strip(document).isEmpty() || PythonText.strip(summary).isEmpty()) {
            String empty = PythonText.strip(document).isEmpty() ? documentColumn : summaryColumn;
            warnings.accept(DatasetRoot.display(file) + ":" + line + ": skipped row " + row + " (id " + id + "): empty '" + empty + "'");
            return;
        }
        examples.add(new SummaryExample(id, row, document, summary));
    }
}
