package org.scans.engine.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a safetensors file: tensors in the order added, the header padded with spaces to a
 * multiple of 8 bytes (as the reference library does). The file is written under a temporary
 * name and moved into place ({@link AtomicFiles}), so a reader never sees half a file.
 */
public final class SafetensorsWriter {
    private record Pending(String name, String dtype, long[] shape, byte[] data) {}

    private final List<Pending> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a float32 tensor. */
    public SafetensorsWriter addF32(String name, float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return addRaw(name, "F32", b.array(), shape);
    }

    /** Adds raw little-endian bytes of the given safetensors dtype. */
    public SafetensorsWriter addRaw(String name, String dtype, byte[] data, long... shape) {
        int elem = SafetensorsFile.elementBytes(dtype);
        if (elem < 0) throw new IllegalArgumentException("unknown dtype " + dtype);
        long n = 1;
        for (long d : shape) n *= d;
        if (n * elem != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes for " + dtype + " " + java.util.Arrays.toString(shape));
        }
        tensors.add(new Pending(name, dtype, shape.clone(), data));
        return this;
    }

    public void write(Path file) throws IOException {
        try (AtomicFiles.Staged staged = stage(file)) {
            staged.commit();
        }
    }

    /** The file written beside its target, not yet in place (see {@link AtomicFiles#stage}). */
    public AtomicFiles.Staged stage(Path file) throws IOException {
        ObjectNode header = new ObjectMapper().createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            // Sorted: callers pass maps whose order may change from one JVM to the next (Map.of), and
            // the same content must give the same bytes (a checksum of two extractions must agree).
            new java.util.TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode e = header.putObject(t.name);
            e.put("dtype", t.dtype);
            ArrayNode shape = e.putArray("shape");
            for (long d : t.shape) shape.add(d);
            ArrayNode offsets = e.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + t.data.length);
            offset += t.data.length;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        java.util.Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        return AtomicFiles.stage(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Pending t : tensors) out.write(t.data);
        });
    }

}
