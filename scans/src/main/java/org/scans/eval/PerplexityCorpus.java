package org.scans.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.scans.data.Csv;
import org.scans.data.DatasetException;
import org.scans.data.Datasets;

/**
 * The text a perplexity is measured on: either one long text (WikiText-2 as the reference joins
 * it, a plain text file) or separate documents (C4 records, a JSONL file), from which windows
 * are cut by {@link PerplexityWindows}.
 *
 * @param name        what the user asked for ({@code wikitext2}, {@code c4} or the file)
 * @param texts       one text for a stream, else one per document
 * @param stream      whether {@code texts} is a single running text
 * @param approximate true when the figure cannot equal the published protocol's (see {@code note})
 * @param note        a sentence for the output saying why, or null
 */
public record PerplexityCorpus(String name, List<String> texts, boolean stream, boolean approximate, String note) {
    public static final String WIKITEXT2 = "wikitext-2-raw/wiki.test.nonempty.crlf.raw";
    public static final String C4 = "c4/c4_en_validation_part0_1025docs.jsonl";

    public PerplexityCorpus {
        texts = List.copyOf(texts);
        if (texts.isEmpty()) throw new IllegalArgumentException(name + ": no text to measure perplexity on");
    }

    /** {@code wikitext2}, {@code c4}, or a {@code .jsonl} (documents in {@code textField}) or plain text file. */
    public static PerplexityCorpus of(String nameOrFile, Datasets data, String textField) {
        return switch (nameOrFile) {
            case "wikitext2" -> wikitext2(data);
            case "c4" -> c4(data);
            default -> file(Path.of(nameOrFile), textField);
        };
    }

    /**
     * The bundled WikiText-2 test split. The reference tokenizes {@code "\n\n".join(rows)} over
     * the split's 4358 rows, 1467 of them empty; this copy lost the empty rows, so the join runs
     * over the 2891 non-empty rows (each keeps its {@code "\n"}) and has fewer newline tokens.
     */
    public static PerplexityCorpus wikitext2(Datasets data) {
        Path file = data.file(WIKITEXT2);
        String raw = read(file).replace("\r", "");
        List<String> rows = new ArrayList<>();
        int start = 0;
        while (start < raw.length()) {
            int nl = raw.indexOf('\n', start);
            int end = nl < 0 ? raw.length() : nl + 1;
            rows.add(raw.substring(start, end));
            start = end;
        }
        return new PerplexityCorpus("wikitext2", List.of(String.join("\n\n", rows)), true, true,
                "approximate: the bundled WikiText-2 test split lost its 1467 blank rows upstream (datasets/PROVENANCE.md), "
                        + "so the joined text has fewer newlines than the one SCANS and GPTQ measure");
    }

    /** The bundled 1025-document C4 validation sample (the reference draws from the whole 45,576-document shard). */
    public static PerplexityCorpus c4(Datasets data) {
        PerplexityCorpus c = file(data.file(C4), "text");
        return new PerplexityCorpus("c4", c.texts(), false, true,
                "approximate: drawn from the bundled 1025-document C4 sample, not the reference's full validation shard "
                        + "(given that shard, the windows are the reference's)");
    }

    /**
     * A file of documents, one JSON object per line ({@code .jsonl}, {@code .ndjson}, or
     * {@code .json} as C4's shards name them), or else one running text; gzip-compressed when
     * the name ends in {@code .gz}, so that a shard as downloaded
     * ({@code c4-validation.00000-of-00008.json.gz}) is read as it is.
     */
    public static PerplexityCorpus file(Path file, String textField) {
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + ": no such file (--dataset takes wikitext2, c4, a JSON Lines file or a text file)");
        }
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean gzip = lower.endsWith(".gz");
        String name = gzip ? lower.substring(0, lower.length() - 3) : lower;
        String text = gzip ? gunzip(file) : read(file);
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) return jsonl(file, text, textField);
        return new PerplexityCorpus(file.toString(), List.of(text), true, false, null);
    }

    private static String gunzip(Path file) {
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(file))) {
            return Csv.decodeUtf8(file, in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new DatasetException(file + ": not a readable gzip file (" + e.getMessage() + ")", e);
        }
    }

    private static PerplexityCorpus jsonl(Path file, String text, String field) {
        ObjectMapper json = new ObjectMapper();
        List<String> docs = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            if (docs.isEmpty() && lines[i].strip().startsWith("[")) {
                throw DatasetException.at(file, i + 1, "a JSON array; documents are read one JSON object per line (JSON Lines, as C4's shards hold them)");
            }
            JsonNode o;
            try {
                o = json.readTree(lines[i]);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw DatasetException.at(file, i + 1, "not valid JSON: " + org.scans.tokenizer.JsonMessages.brief(e));
            }
            JsonNode t = o == null ? null : o.get(field);
            if (t == null || !t.isTextual()) {
                throw DatasetException.at(file, i + 1, "expected a string field '" + field + "' (choose it with --text-field)");
            }
            docs.add(t.textValue());
        }
        return new PerplexityCorpus(file.toString(), docs, false, false, null);
    }

    /** As every data file is read ({@link Csv#readUtf8}): a bad byte named by line, a byte-order mark dropped. */
    private static String read(Path file) {
        return Csv.readUtf8(file);
    }
}
