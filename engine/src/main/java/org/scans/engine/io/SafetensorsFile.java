package org.scans.engine.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length N, N bytes of JSON,
 * then the raw tensor data. Tensors are slices of the mapping, so nothing is copied to the heap
 * and files over 2 GB work. Everything the header claims is checked against the file before a
 * single tensor is handed out.
 */
public final class SafetensorsFile {
    /** The safetensors library refuses headers over 100 MB; so do we, before allocating it. */
    static final long MAX_HEADER_BYTES = 100L << 20;

    private static final ObjectMapper JSON = new ObjectMapper();

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
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            fileSize = ch.size();
            if (fileSize < 8) {
                throw new ModelFormatException(file + ": truncated safetensors file (" + fileSize + " bytes, the header length alone needs 8)");
            }
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, fileSize, arena);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(file + ": no such file");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        }
        long headerLen = mapped.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > fileSize - 8) {
            throw new ModelFormatException(file + ": header length " + headerLen + " does not fit in the file ("
                    + fileSize + " bytes); the file is truncated or not safetensors");
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new ModelFormatException(file + ": header length " + headerLen + " exceeds the 100 MB limit");
        }
        byte[] headerBytes = mapped.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode root;
        try {
            root = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).strip());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(file + ": invalid header JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(file + ": header is not a JSON object");
        }
        long dataStart = 8 + headerLen;
        long dataSize = fileSize - dataStart;
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            JsonNode node = field.getValue();
            if (name.equals("__metadata__")) {
                if (!node.isObject()) throw new ModelFormatException(file + ": __metadata__ is not an object");
                node.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                continue;
            }
            tensors.put(name, parseEntry(file, name, node, mapped, dataStart, dataSize));
        }
        return new SafetensorsFile(file, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorEntry parseEntry(Path file, String name, JsonNode node, MemorySegment mapped,
                                          long dataStart, long dataSize) {
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
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToExactIntegral() || d.asLong() < 0) {
                throw new ModelFormatException(where + ": shape " + shapeNode + " has a non-integer or negative dimension");
            }
            shape[i] = d.asLong();
            count = Math.multiplyExact(count, shape[i]);
        }
        JsonNode b = offsetsNode.get(0), e = offsetsNode.get(1);
        if (!b.canConvertToExactIntegral() || !e.canConvertToExactIntegral()) {
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
        long expected = count * elementBytes;
        if (end - begin != expected) {
            throw new ModelFormatException(where + ": data_offsets span " + (end - begin) + " bytes but " + dtype + " "
                    + java.util.Arrays.toString(shape) + " needs " + expected);
        }
        return new TensorEntry(name, dtype, shape, file, mapped.asSlice(dataStart + begin, end - begin));
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
