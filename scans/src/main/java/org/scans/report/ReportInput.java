package org.scans.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.scans.eval.run.EvalFolder;
import org.scans.experiment.Json;
import org.scans.experiment.RunSummary;
import org.scans.experiment.Runner;
import org.scans.experiment.SampleLog;
import org.scans.method.ScansVectors;
import org.scans.method.VectorsFile;

/**
 * One folder given to the report: a SCANS run ({@code run.json}, {@code summary.json},
 * {@code samples.jsonl}) or an eval ({@code eval.json}, {@code results.json},
 * {@code samples.jsonl}), with the vectors it used when the folder keeps them.
 *
 * @param results {@code summary.json} of a run (recomputed from its samples when the run was cut
 *                short before writing it, or whose samples.jsonl holds other samples than it counts),
 *                {@code results.json} of an eval
 * @param mismatch for a run whose summary.json counts other samples than its samples.jsonl holds
 *                 (edited or cut after the run), what the report says of it; else null
 */
public record ReportInput(Path dir, Kind kind, JsonNode settings, JsonNode results, List<JsonNode> samples, ScansVectors vectors,
                          String mismatch) {
    public enum Kind { RUN, EVAL }

    /** An eval folder without results: nothing to report of it yet (its figures are made at its end). */
    public static final class UnfinishedEval extends IllegalArgumentException {
        UnfinishedEval(String message) {
            super(message);
        }
    }

    public static ReportInput load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + (Files.exists(dir) ? ": not a folder" : ": no such folder") + " (give run or eval output folders)");
        }
        Path vectorsFile = dir.resolve(Runner.VECTORS_FILE);
        ScansVectors vectors = Files.isRegularFile(vectorsFile) ? VectorsFile.read(vectorsFile) : null;
        if (Files.isRegularFile(dir.resolve(Runner.SETTINGS_FILE))) {
            JsonNode settings = read(dir.resolve(Runner.SETTINGS_FILE));
            if (!settings.isObject() || !settings.path("dataset").isTextual()) {
                throw new IllegalArgumentException(dir.resolve(Runner.SETTINGS_FILE) + ": not a run's settings (an object naming its dataset)");
            }
            List<JsonNode> samples = checked(dir, SampleLog.read(dir));
            Path summary = dir.resolve(Runner.SUMMARY_FILE);
            if (Files.isRegularFile(summary) && !read(summary).path("samples").isInt()) {
                throw new IllegalArgumentException(summary + ": not a run's summary (no count of samples)");
            }
            JsonNode results = Files.isRegularFile(summary) ? read(summary)
                    : RunSummary.of(samples, (ObjectNode) settings, 0, 0, 0, List.of("summary.json is missing (the run did not finish); recomputed from samples.jsonl"));
            String mismatch = null;
            if (results.path("samples").asInt() != samples.size()) {
                // Edited or truncated after the run: the lines are what the tables show, so the figures come from them too.
                mismatch = "summary.json counts " + results.path("samples").asInt() + " samples but samples.jsonl holds " + samples.size()
                        + "; the figures are recomputed from samples.jsonl";
                results = RunSummary.of(samples, (ObjectNode) settings, 0, 0, 0, List.of(mismatch));
            }
            return new ReportInput(dir, Kind.RUN, settings, results, samples, vectors, mismatch);
        }
        if (Files.isRegularFile(dir.resolve(EvalFolder.SETTINGS_FILE))) {
            Path results = dir.resolve(EvalFolder.RESULTS_FILE);
            if (!Files.isRegularFile(results)) {
                throw new UnfinishedEval(dir + ": the eval has no " + EvalFolder.RESULTS_FILE + " (it did not finish; continue it with --resume --out " + dir + ")");
            }
            JsonNode settings = read(dir.resolve(EvalFolder.SETTINGS_FILE)), figures = read(results);
            if (!settings.path("eval").isTextual() || !figures.isObject()) {
                throw new IllegalArgumentException(dir + ": " + EvalFolder.SETTINGS_FILE + " or " + EvalFolder.RESULTS_FILE + " is not an eval's");
            }
            return new ReportInput(dir, Kind.EVAL, settings, figures, checked(dir, SampleLog.read(dir)), vectors, null);
        }
        throw new IllegalArgumentException(dir + ": holds neither a run (" + Runner.SETTINGS_FILE + ") nor an eval (" + EvalFolder.SETTINGS_FILE + ")");
    }

    /**
     * A run that stopped before writing {@code summary.json} (interrupted, or still going): its
     * figures cover only the samples done so far, in the run's order (a run without --limit does
     * all unsafe prompts first), so they are no measure of the whole set.
     */
    public boolean unfinished() {
        return kind == Kind.RUN && !Files.isRegularFile(dir.resolve(Runner.SUMMARY_FILE));
    }

    /** {@code mmlu}, {@code ppl}, {@code xsum}, {@code classify}, or {@code run}. */
    public String what() {
        return kind == Kind.RUN ? "run" : settings.path("eval").asText("eval");
    }

    /** A short name for headings: the folder name and what it holds. */
    public String title() {
        String name = dir.toAbsolutePath().normalize().getFileName().toString();
        return kind == Kind.RUN ? name + " — run on " + shortName(settings.path("dataset").asText()) : name + " — eval " + what();
    }

    /** A data set's name, or a file's name without its folders. */
    static String shortName(String dataset) {
        return dataset.contains("/") || dataset.contains(java.io.File.separator) ? Path.of(dataset).getFileName().toString() : dataset;
    }

    /**
     * {@code samples} once the fields the report draws from hold what this tool writes: an edited
     * line would otherwise show a σ of "x" as −1, or a label of its own as a subset.
     */
    static List<JsonNode> checked(Path dir, List<JsonNode> samples) {
        for (int i = 0; i < samples.size(); i++) {
            JsonNode l = samples.get(i);
            String where = dir.resolve(SampleLog.FILE) + ":" + (i + 1) + ": ";
            if (l.has("label") && !(l.get("label").asText().equals("safe") || l.get("label").asText().equals("unsafe"))) {
                throw new IllegalArgumentException(where + "label " + l.get("label") + " is neither \"safe\" nor \"unsafe\"");
            }
            if (l.has("sigma") && !(l.get("sigma").isInt() && Math.abs(l.get("sigma").asInt()) == 1)) {
                throw new IllegalArgumentException(where + "sigma " + l.get("sigma") + " is neither 1 nor -1");
            }
            JsonNode score = l.get("score");
            // Jackson writes a NaN score as the string "NaN".
            if (score != null && !score.isNumber() && !score.isNull() && !List.of("NaN", "Infinity", "-Infinity").contains(score.asText())) {
                throw new IllegalArgumentException(where + "score " + score + " is not a number");
            }
        }
        return samples;
    }

    private static JsonNode read(Path file) throws IOException {
        try {
            return Json.MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException(file + ": not valid JSON: " + org.scans.tokenizer.JsonMessages.brief(e));
        }
    }
}
