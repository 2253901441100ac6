package org.scans.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A user's own test set: a {@code .csv} file (with a header line) or a {@code .jsonl} file (one
 * JSON object per line) with a {@code prompt} and a {@code label} column.
 *
 * <p>Labels: {@code safe}/{@code harmless}/{@code 1} or {@code unsafe}/{@code harmful}/{@code 0}
 * (see {@link Label#parse}); the numbers follow SCANS, which labels harmless prompts 1 and
 * harmful ones 0 — the opposite of many toxicity data sets, so words are the safer choice. In
 * JSONL a label may be a string or the number 0 or 1. An optional {@code subtype} column is
 * kept as {@link Sample#subtype()}, and refusal rates are also reported per subtype.
 *
 * <p>Prompts are kept exactly as written (no stripping); an empty prompt is an error. The sample
 * id is {@code <file name without extension>-<0-based row>}.
 */
public final class CustomTestSets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CustomTestSets() {
    }

    /** Reads the file; its name without extension is the test set name. */
    public static TestSet load(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        List<Sample> samples;
        if (name.endsWith(".csv")) {
            samples = fromCsv(file);
        } else if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
            samples = fromJsonl(file);
        } else {
            throw new DatasetException(file + ": unknown test set format; expected a .csv file with a header line"
                    + " or a .jsonl file, each with 'prompt' and 'label' columns");
        }
        if (samples.isEmpty()) {
            throw new DatasetException(file + ": no samples");
        }
        return new TestSet(Anchors.stem(file),
                samples.stream().filter(s -> s.label() == Label.UNSAFE).toList(),
                samples.stream().filter(s -> s.label() == Label.SAFE).toList());
    }

    private static List<Sample> fromCsv(Path file) {
        Csv.Table table = Csv.readWithHeader(file);
        int prompt = table.column("prompt");
        int label = table.column("label");
        int subtype = table.optionalColumn("subtype");
        String dataset = Anchors.stem(file);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < table.rows().size(); i++) {
            Csv.Row row = table.rows().get(i);
            samples.add(sample(file, row.line(), dataset, i, row.get(prompt), row.get(label),
                    subtype < 0 || row.get(subtype).isEmpty() ? null : row.get(subtype)));
        }
        return samples;
    }

    private static List<Sample> fromJsonl(Path file) {
        String dataset = Anchors.stem(file);
        List<String> lines = PythonText.readLines(Csv.readUtf8(file));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int lineNumber = i + 1;
            String line = lines.get(i);
            if (PythonText.strip(line).isEmpty()) {
                continue;
            }
            JsonNode object;
            try {
                object = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw DatasetException.at(file, lineNumber, "not valid JSON: " + org.scans.tokenizer.JsonMessages.brief(e));
            }
            if (!object.isObject()) {
                throw DatasetException.at(file, lineNumber, "expected a JSON object with 'prompt' and 'label'");
            }
            JsonNode prompt = object.get("prompt");
            if (prompt == null || !prompt.isTextual()) {
                throw DatasetException.at(file, lineNumber, prompt == null
                        ? "missing 'prompt'" : "'prompt' must be a string, found " + prompt.getNodeType());
            }
            JsonNode label = object.get("label");
            if (label == null) {
                throw DatasetException.at(file, lineNumber, "missing 'label' (expected one of " + Label.ACCEPTED + ")");
            }
            if (!label.isTextual() && !label.isIntegralNumber()) {
                throw DatasetException.at(file, lineNumber, "'label' is " + label + "; expected one of " + Label.ACCEPTED);
            }
            JsonNode subtype = object.get("subtype");
            String subtypeText = subtype == null || subtype.isNull() ? null : subtype.asText();
            samples.add(sample(file, lineNumber, dataset, samples.size(), prompt.textValue(),
                    label.isTextual() ? label.textValue() : label.asText(), subtypeText));
        }
        return samples;
    }

    private static Sample sample(Path file, int line, String dataset, int row, String prompt, String labelText,
                                 String subtype) {
        Label label = Label.parse(labelText).orElseThrow(() -> DatasetException.at(file, line,
                "label '" + labelText + "' is not one of " + Label.ACCEPTED));
        if (prompt.isEmpty()) {
            throw DatasetException.at(file, line, "empty prompt");
        }
        return new Sample(Sample.idFor(dataset, row), dataset, row, label, subtype, prompt);
    }
}
