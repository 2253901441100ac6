package org.scans.engine.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON,
 * then the raw tensor data. Tensors are slices of the mapping, so nothing is copied to the heap
 * and files over 2 GB work. Everything the header claims is checked against the file before a
 * single tensor is handed out, as strictly as the reference library (huggingface/safetensors)
 * reads it: the header is one JSON object with no duplicate keys and nothing after it but
 * whitespace, and the tensors' byte ranges, in order, cover the data area exactly. A file it
 * would refuse is not read here as something else.
 */
public final class SafetensorsFile {
    /** The safetensors library refuses headers over 100 MB; so do we, before allocating it. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    /**
     * Jackson keeps the last of two equal keys; the reference refuses them, so a header that two
     * readers would read differently is refused.
     */
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());

    private final Path path;
    private final Map<String, TensorEntry> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, TensorEntry> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    public Path path() {
        return path;
    }

    /** Tensors in header order. */
    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    /** The optional {@code __metadata__} string map. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Maps {@code file} into {@code arena} and validates its header. */
    public static SafetensorsFile open(Path file, Arena arena) {
        long fileSize;
        MemorySegment mapped;
        // Linux opens a folder for reading; its mapping would then fail with a message about mapping.
        if (Files.isDirectory(file)) throw new ModelFormatException(file + ": is a directory, not a safetensors file");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            fileSize = ch.size();
            if (fileSize < 8) {
                throw new ModelFormatException(file + ": truncated safetensors file (" + fileSize + " bytes, the header length alone needs 8)");
            }
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
        } catch (IOException e) {
            throw ModelFiles.unreadable(file, e);
        }
        long headerLen = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > fileSize - 8) {
            throw new ModelFormatException(file + ": header length " + headerLen + " does not fit in the file ("
                    + fileSize + " bytes); the file is truncated or not safetensors");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file + ": header length " + headerLen + " exceeds the 100 MB limit");
        }
        String headerText;
        try {
            // Strictly: a lenient decode would turn bad bytes into U+FFFD inside names.
            headerText = StandardCharsets.UTF_8.newDecoder()
                    .decode(ByteBuffer.wrap(mapped.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE))).toString();
        } catch (CharacterCodingException e) {
            throw new ModelFormatException(file + ": header is not valid UTF-8");
        }
        JsonNode root;
        try (JsonParser parser = JSON.createParser(headerText)) {
            // JSON whitespace around the object is allowed: writers pad the header with spaces.
            // Anything else after it is refused (Jackson alone would stop reading at its end).
            try {
                root = JSON.readTree(parser);
            } catch (JsonProcessingException e) {
                throw new ModelFormatException(file + ": invalid header JSON: " + e.getOriginalMessage());
            }
            boolean more;
            try {
                more = parser.nextToken() != null;
            } catch (JsonProcessingException e) {
                more = true;
            }
            if (more) {
                throw new ModelFormatException(file + ": the header has text after its JSON object (only whitespace may pad it)");
            }
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read the header: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file + ": header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Span> spans = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                readMetadata(file, node, metadata);
                continue;
            }
            tensors.put(name, parseEntry(file, name, node, mapped, dataStart, dataSize, spans));
        }
        checkTiling(file, spans, dataSize);
        return new SafetensorsFile(file, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    /** A tensor's byte range in the data area, for {@link #checkTiling}. */
    private record Span(String name, long begin, long end) {}

    /** {@code __metadata__} is a string-to-string map (or null, as absent); anything else is refused, as the reference does. */
    private static void readMetadata(Path file, JsonNode node, Map<String, String> metadata) {
        if (node.isNull()) return;
        if (!node.isObject()) throw new ModelFormatException(file + ": __metadata__ is not an object");
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isTextual()) {
                throw new ModelFormatException(file + ": __metadata__ '" + m.getKey() + "' is " + m.getValue() + ", not a string");
            }
            metadata.put(m.getKey(), m.getValue().asText());
        }
    }

    /**
     * The tensors, in offset order, must cover the data area exactly: the first at 0, each where
     * the one before ends, the last at the end of the file. An overlap would let two tensors
     * share bytes, a gap or a tail hides bytes no tensor accounts for (a file cut and glued, or a
     * header from another file).
     */
    private static void checkTiling(Path file, List<Span> spans, long dataSize) {
        spans.sort(Comparator.comparingLong(Span::begin).thenComparingLong(Span::end));
        long at = 0;
        Span previous = null;
        for (Span s : spans) {
            if (s.begin() != at) {
                String range = "tensor '" + s.name() + "' data_offsets [" + s.begin() + ", " + s.end() + "]";
                if (previous == null) {
                    throw new ModelFormatException(file + ": " + range + " come first but do not start at 0 (bytes 0.."
                            + s.begin() + " of the data belong to no tensor)");
                }
                String other = "tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]";
                throw new ModelFormatException(file + ": " + range + (s.begin() < at ? " overlap " + other
                        : " leave a gap after " + other + " (bytes " + at + ".." + s.begin() + " belong to no tensor)"));
            }
            at = s.end();
            previous = s;
        }
        if (at != dataSize) {
            throw new ModelFormatException(file + ": the tensors end at byte " + at + " of the data but it holds " + dataSize
                    + " bytes: " + (dataSize - at) + " bytes after the last tensor belong to no tensor");
        }
    }

    private static TensorEntry parseEntry(Path file, String name, JsonNode node, MemorySegment mapped,
                                          long dataStart, long dataSize, List<Span> spans) {
        String where = file + ": tensor '" + name + "'";
        if (!node.isObject()) throw new ModelFormatException(where + ": header entry is not an object");
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw new ModelFormatException(where + ": missing or non-string 'dtype'");
        if (shapeNode == null || !shapeNode.isArray()) throw new ModelFormatException(where + ": missing or non-array 'shape'");
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2) {
            throw new ModelFormatException(where + ": 'data_offsets' must be an array [begin, end]");
        }
        String dtype = dtypeNode.asText();
        int elementBytes = elementBytes(dtype);
        if (elementBytes < 0) throw new ModelFormatException(where + ": unknown dtype '" + dtype + "'");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            // Integers only (the reference reads them as unsigned): 2.0 is refused, and 2^64 is not
            // cut to its low 64 bits.
            if (!isLong(d) || d.asLong() < 0) {
                throw new ModelFormatException(where + ": shape " + shapeNode + " has a non-integer or negative dimension");
            }
            shape[i] = d.asLong();
        }
        long expected = byteSize(shape, elementBytes);
        if (expected < 0) {
            throw new ModelFormatException(where + ": shape " + shapeNode + " of " + dtype
                    + " has more elements or bytes than a 64-bit size can count");
        }
        JsonNode b = offsetsNode.get(0), e = offsetsNode.get(1);
        if (!isLong(b) || !isLong(e)) {
            throw new ModelFormatException(where + ": data_offsets " + offsetsNode + " are not integers");
        }
        long begin = b.asLong(), end = e.asLong();
        if (begin < 0 || end < begin) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] are not a valid range");
        }
        if (end > dataSize) {
            throw new ModelFormatException(where + ": data_offsets [" + begin + ", " + end + "] run past the end of the data ("
                    + dataSize + " bytes): the file is truncated or its header is wrong");
        }
        if (end - begin != expected) {
            throw new ModelFormatException(where + ": data_offsets span " + (end - begin) + " bytes but " + dtype + " "
                    + java.util.Arrays.toString(shape) + " needs " + expected);
        }
        spans.add(new Span(name, begin, end));
        return new TensorEntry(name, dtype, shape, file, mapped.asSlice(dataStart + begin, end - begin));
    }

    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    /** Elements × bytes per element, or -1 when either overflows a long (no file is that large). */
    static long byteSize(long[] shape, int elementBytes) {
        try {
            long count = 1;
            for (long d : shape) count = Math.multiplyExact(count, d);
            return Math.multiplyExact(count, (long) elementBytes);
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    /** Bytes per element of every dtype the safetensors format defines, -1 if unknown. */
    static int elementBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> -1;
        };
    }

    /** True when {@code dir} holds no safetensors at all (used for a clearer message upstream). */
    static boolean hasAnySafetensors(Path dir) {
        try (var s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors"));
        } catch (IOException e) {
            return false;
        }
    }
}
