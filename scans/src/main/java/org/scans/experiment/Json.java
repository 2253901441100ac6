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
            throw new IllegalArgumentException(file + ": not valid JSON (" + brief(e) + ")");
        }
        if (node == null || !node.isObject()) throw new IllegalArgumentException(file + ": not a JSON object");
        return node;
    }

    /**
     * Jackson's message for a parse error, without what means nothing to a user: the location
     * it appends ("[Source: REDACTED …; line: 1, column: 1]", which for a line read on its own
     * contradicts the line the caller names) and the names of its settings.
     */
    public static String brief(com.fasterxml.jackson.core.JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null) return "malformed";
        if (m.startsWith("Trailing token")) return "text after the JSON value";
        int cut = m.indexOf(" (start marker at");
        if (cut < 0) cut = m.indexOf("[Source:");
        if (cut < 0) cut = m.indexOf("\n at [Source");
        if (cut >= 0) m = m.substring(0, cut);
        return m.strip().replaceAll("[\\s:;,]+$", "");
    }

    public static void writeAtomically(Path file, JsonNode node) throws IOException {
        byte[] bytes = (PRETTY.writeValueAsString(node) + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }
}
