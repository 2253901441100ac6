package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GGUF v3 file read for the tests, written from the format's description rather than from the
 * exporter: its key-values (string and number kinds), its F32 tensors and their offsets, each
 * checked to sit on the file's alignment.
 */
public record GgufFile(int version, Map<String, Object> kv, Map<String, float[]> tensors, Map<String, Long> offsets) {
    public static GgufFile read(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[4];
        b.get(magic);
        assertEquals("GGUF", new String(magic, StandardCharsets.US_ASCII));
        int version = b.getInt();
        long tensors = b.getLong(), kvs = b.getLong();
        Map<String, Object> kv = new LinkedHashMap<>();
        for (long i = 0; i < kvs; i++) kv.put(string(b), value(b, b.getInt()));
        Map<String, long[]> infos = new LinkedHashMap<>();
        for (long i = 0; i < tensors; i++) {
            String name = string(b);
            int dims = b.getInt();
            long n = 1;
            for (int d = 0; d < dims; d++) n *= b.getLong();
            assertEquals(0, b.getInt(), "GGML type F32");
            infos.put(name, new long[] {n, b.getLong()});
        }
        int alignment = kv.containsKey("general.alignment") ? ((Number) kv.get("general.alignment")).intValue() : 32;
        long data = (b.position() + alignment - 1) / alignment * alignment;
        Map<String, float[]> out = new LinkedHashMap<>();
        Map<String, Long> offsets = new LinkedHashMap<>();
        infos.forEach((name, info) -> {
            assertEquals(0, info[1] % alignment, name + "'s offset is aligned");
            float[] f = new float[(int) info[0]];
            for (int i = 0; i < f.length; i++) f[i] = b.getFloat((int) (data + info[1] + 4L * i));
            out.put(name, f);
            offsets.put(name, info[1]);
        });
        return new GgufFile(version, kv, out, offsets);
    }

    private static String string(ByteBuffer b) {
        byte[] s = new byte[(int) b.getLong()];
        b.get(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static Object value(ByteBuffer b, int type) {
        return switch (type) {
            case 4 -> b.getInt() & 0xFFFFFFFFL;
            case 5 -> b.getInt();
            case 6 -> b.getFloat();
            case 8 -> string(b);
            case 10 -> b.getLong();
            default -> throw new AssertionError("GGUF value type " + type + " not expected here");
        };
    }
}
