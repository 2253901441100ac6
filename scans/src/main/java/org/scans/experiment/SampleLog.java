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
import java.util.List;

/**
 * {@code samples.jsonl}: one JSON object per line, appended with a single write each, so a run
 * killed in the middle of a sample loses that sample and nothing else. On resume, a torn last
 * line (a kill during the write itself) is cut off before appending again.
 */
public final class SampleLog implements AutoCloseable {
    public static final String FILE = "samples.jsonl";
    static final ObjectMapper JSON = new ObjectMapper();

    private final FileChannel channel;

    private SampleLog(FileChannel channel) {
        this.channel = channel;
    }

    /** Opens for appending, after dropping any incomplete last line. */
    public static SampleLog open(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
        long size = ch.size();
        if (size > 0) {
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
        ch.position(ch.size());
        return new SampleLog(ch);
    }

    public void append(ObjectNode record) throws IOException {
        byte[] line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.wrap(line);
        while (b.hasRemaining()) channel.write(b);
        channel.force(false);
    }

    /** Every complete line of {@code dir/samples.jsonl} (none if absent). */
    public static List<JsonNode> read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(file)) return out;
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int end = text.lastIndexOf('\n');
        if (end < 0) return out;
        int lineNo = 0;
        for (String line : text.substring(0, end).split("\n", -1)) {
            lineNo++;
            if (line.isBlank()) continue;
            try {
                out.add(JSON.readTree(line));
            } catch (IOException e) {
                throw new IOException(file + ":" + lineNo + ": not a JSON line: " + e.getMessage());
            }
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
