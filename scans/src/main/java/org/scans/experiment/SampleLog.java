package org.scans.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code samples.jsonl}: one JSON object per line, appended with a single write each, so a run
 * killed in the middle of a sample loses that sample and nothing else. On resume, a torn last
 * line (a kill during the write itself) is cut off before appending again.
 */
public final class SampleLog implements AutoCloseable {
    public static final String FILE = "samples.jsonl";
    static final ObjectMapper JSON = new ObjectMapper();

    private final FileChannel channel;
    private final Path file;

    private SampleLog(FileChannel channel, Path file) {
        this.channel = channel;
        this.file = file;
    }

    /** Opens for appending, after dropping any incomplete last line. */
    public static SampleLog open(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        dropIncompleteLastLine(ch);
        ch.position(ch.size());
        return new SampleLog(ch, file);
    }

    /** Truncates {@code ch}'s file after its last newline: a line a kill cut short is written again whole. */
    static void dropIncompleteLastLine(FileChannel ch) throws IOException {
        long size = ch.size();
        long keep = size;
        ByteBuffer one = ByteBuffer.allocate(1);
        while (keep > 0) {
            one.clear();
            ch.read(one, keep - 1);
            if (one.get(0) == '\n') break;
            keep--;
        }
        if (keep < size) ch.truncate(keep);
    }

    public void append(ObjectNode record) throws IOException {
        byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        try {
            while (b.hasRemaining()) channel.write(b);
            channel.force(false);
        } catch (IOException e) {
            // "No space left on device" alone names no file; a torn line is dropped on --resume (open).
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Every complete line of {@code dir/samples.jsonl} (none if absent): each one JSON object with
     * its item's {@code "id"}, no id twice. A torn last line (no newline yet) is not read, cut as
     * bytes: a kill can tear a line inside a multi-byte character.
     */
    public static List<JsonNode> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        byte[] bytes = Files.readAllBytes(file);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] != '\n') end--;
        var utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        Map<String, Integer> lineOf = new HashMap<>();
        int lineNo = 0;
        for (int start = 0; start < end; ) {
            int stop = start;
            while (bytes[stop] != '\n') stop++;
            lineNo++;
            String line;
            try {
                line = utf8.decode(ByteBuffer.wrap(bytes, start, stop - start)).toString();
            } catch (java.nio.charset.CharacterCodingException e) {
                throw new IOException(file + ":" + lineNo + ": not UTF-8 text");
            }
            start = stop + 1;
            if (line.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JacksonException e) {
                throw new IOException(file + ":" + lineNo + ": not a JSON line: " + org.scans.tokenizer.JsonMessages.brief(e));
            }
            if (node == null || !node.isObject() || !node.path("id").isTextual()) {
                throw new IOException(file + ":" + lineNo + ": not a sample line (a JSON object with an \"id\")");
            }
            Integer first = lineOf.putIfAbsent(node.get("id").asText(), lineNo);
            if (first != null) {
                throw new IOException(file + ":" + lineNo + ": '" + node.get("id").asText() + "' is already on line " + first
                        + "; remove one of the two lines");
            }
            out.add(node);
        }
        return out;
    }

    /**
     * Fails when the file holds an item that is not one of {@code expected} (a line edited in, or
     * copied from another run): its figures would count in the results.
     */
    public static void requireOnly(Path dir, java.util.Collection<String> done, java.util.Collection<String> expected, String items) {
        Set<String> known = expected instanceof Set<String> set ? set : new HashSet<>(expected);
        for (String id : done) {
            if (!known.contains(id)) {
                throw new IllegalArgumentException(dir.resolve(FILE) + " holds '" + id + "', which is not one of this " + items
                        + "; remove its line, or resume with the settings that made it");
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
