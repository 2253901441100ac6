package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.scans.experiment.Json;
import org.scans.experiment.Runner;
import org.scans.experiment.SampleLog;

/**
 * An eval's output folder, laid out like a run's so the report reads both:
 * {@code eval.json} (the settings, fixed when the eval starts, so {@code --resume} can refuse a
 * change), {@code samples.jsonl} (one line per item, appended as items finish, see
 * {@link SampleLog}), {@code results.json} (the metrics, rewritten at the end from every line) and
 * {@code vectors.safetensors} (the SCANS vectors used).
 */
public final class EvalFolder {
    public static final String SETTINGS_FILE = "eval.json";
    public static final String RESULTS_FILE = "results.json";

    private final Path dir;
    private final Set<String> done;

    private EvalFolder(Path dir, Set<String> done) {
        this.dir = dir;
        this.done = done;
    }

    /**
     * Writes {@code eval.json} for a fresh eval, or checks on resume that the folder's settings
     * equal {@code settings} and collects the finished items.
     */
    public static EvalFolder prepare(Path dir, ObjectNode given, boolean resume) throws IOException {
        Path file = dir.resolve(SETTINGS_FILE);
        // Compare as read back from JSON: a long 0 written is an int 0 when read, and JsonNode.equals tells them apart.
        JsonNode settings = Json.MAPPER.readTree(Json.MAPPER.writeValueAsString(given));
        Set<String> done = new HashSet<>();
        if (resume) {
            Runner.requireSameSettings(dir, Json.readObject(file), settings);
            for (JsonNode line : SampleLog.read(dir)) done.add(line.get("id").asText());
        } else {
            Json.writeAtomically(file, given);
        }
        return new EvalFolder(dir, done);
    }

    /** Whether {@code dir} holds an eval or a run already. */
    public static boolean holdsOutput(Path dir) {
        return Files.exists(dir.resolve(SETTINGS_FILE)) || Runner.holdsRun(dir);
    }

    /** Ids of the items a previous, interrupted invocation finished. */
    public Set<String> done() {
        return done;
    }

    /** Fails when the folder holds an item outside {@code ids}: see {@link SampleLog#requireOnly}. */
    public void requireOnly(java.util.Collection<String> ids, String items) {
        SampleLog.requireOnly(dir, done, ids, items);
    }

    /** From now on {@code warnings} appends to this folder's file, so that a resumed eval still lists its earlier sessions' warnings. */
    public void keep(org.scans.experiment.FolderWarnings warnings) throws IOException {
        warnings.appendTo(dir);
    }

    public SampleLog openLog() throws IOException {
        return SampleLog.open(dir);
    }

    /** Every item line in the folder, in the order written. */
    public List<JsonNode> lines() throws IOException {
        return SampleLog.read(dir);
    }

    public void writeResults(ObjectNode results) throws IOException {
        Json.writeAtomically(dir.resolve(RESULTS_FILE), results);
    }
}
