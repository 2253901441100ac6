package org.scans.engine.io;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reading the files of a checkpoint folder so that a failure says what is wrong with the file:
 * a file that cannot be read is not reported as malformed JSON, and JSON that is malformed is
 * reported at its line and column without Jackson's settings and source description.
 */
public final class ModelFiles {
    /** Text after the JSON value is an error, as Python's json.load makes it. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private ModelFiles() {}

    /** The JSON value in {@code file} (config.json, the shard index); {@code MissingNode} when the file is empty. */
    public static JsonNode readJson(Path file) {
        String text;
        try {
            // As text, as transformers reads it: a byte-order mark is then a character json.loads refuses.
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file + ": not valid UTF-8", e);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            throw new ModelFormatException(file + ": not valid JSON" + at(e.getLocation()) + ": " + brief(e), e);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /** {@link #readJson}, refusing anything but a JSON object (config.json, generation_config.json). */
    public static JsonNode readObject(Path file) {
        JsonNode root = readJson(file);
        if (!root.isObject()) throw new ModelFormatException(file + ": not a JSON object");
        return root;
    }

    /** {@code file} could not be opened or read: why, in words (the JDK's message for a denied file is only its path). */
    public static ModelFormatException unreadable(Path file, IOException e) {
        String why;
        if (e instanceof NoSuchFileException) why = "no such file";
        else if (e instanceof AccessDeniedException) why = "permission denied";
        else if (Files.isDirectory(file)) why = "is a directory, not a file";
        else why = "cannot read: " + e.getMessage();
        return new ModelFormatException(file + ": " + why, e);
    }

    private static String at(JsonLocation where) {
        if (where == null || where.getLineNr() < 1) return "";
        return " at line " + where.getLineNr() + ", column " + where.getColumnNr();
    }

    /** Jackson's message without the location it appends and the names of its settings. */
    private static String brief(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null) return "malformed";
        if (m.startsWith("Trailing token")) return "text after the JSON value";
        int cut = m.indexOf(" (start marker at");
        if (cut >= 0) m = m.substring(0, cut);
        return m.strip();
    }
}
