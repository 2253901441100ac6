package org.scans.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import org.scans.engine.io.AtomicFiles;
import java.nio.file.Path;

/** JSON files written whole: to a temporary name in the same folder, then moved into place. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {}

    /**
     * A JSON object file the tool wrote (run.json, eval.json, summary.json), with a one-line error
     * naming the file when it is not one (cut by a crash before writes were atomic, or edited).
     */
    public static JsonNode readObject(Path file) throws IOException {
        JsonNode node;
        try {
            node = MAPPER.readTree(file.toFile());
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IllegalArgumentException(file + ": not valid JSON (" + org.scans.tokenizer.JsonMessages.brief(e) + ")");
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException(file + ": not a JSON object");
        return node;
    }

    /**
     * An enum constant as the files and JSON output spell it ({@code STOP_ID} as {@code stop_id}).
     * In {@link java.util.Locale#ROOT}: under a Turkish default locale {@code toLowerCase()} gives a
     * dotless ı ({@code "stop_ıd"}), which no reader of the file expects.
     */
    public static String id(Enum<?> e) {
        return e.name().toLowerCase(java.util.Locale.ROOT);
    }

    public static void writeAtomically(Path file, JsonNode node) throws IOException {
        byte[] bytes = (PRETTY.writeValueAsString(node) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
