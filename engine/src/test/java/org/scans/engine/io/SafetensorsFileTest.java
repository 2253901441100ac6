package org.scans.engine.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headers written by hand, byte for byte: what the reference safetensors library reads is read,
 * what it refuses is refused with one line naming the file and the defect.
 */
class SafetensorsFileTest {
    @TempDir
    Path tmp;

    /** Two U8 tensors, a [0, 2) and b [2, 5), over 5 bytes of data. */
    private static final String A = "\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}";
    private static final String B = "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[2,5]}";

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h, dataBytes);
    }

    private Path file(byte[] h, int dataBytes) throws IOException {
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h);
        for (int i = 0; i < dataBytes; i++) out.put((byte) (10 + i));
        Path f = Files.createTempFile(tmp, "t", ".safetensors");
        Files.write(f, out.array());
        return f;
    }

    private static SafetensorsFile open(Path f) {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile s = SafetensorsFile.open(f, arena);
            s.tensors().values().forEach(t -> t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            return s;
        }
    }

    private static void refused(Path f, String... parts) {
        var e = assertThrows(ModelFormatException.class, () -> open(f));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        for (String p : parts) assertTrue(e.getMessage().contains(p), "message '" + e.getMessage() + "' lacks '" + p + "'");
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line");
    }

    @Test
    void whatTheReferenceReadsIsRead() throws IOException {
        // Tensors listed out of offset order, padding spaces and a newline around the object,
        // metadata, a null __metadata__, and an empty tensor sharing an offset with its neighbour.
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile s = SafetensorsFile.open(file(" {" + B + ",\"__metadata__\":{\"format\":\"pt\"}," + A + "}\n    ", 5), arena);
            assertEquals(List.of("b", "a"), List.copyOf(s.tensors().keySet()));
            assertEquals(Map.of("format", "pt"), s.metadata());
            assertArrayEquals(new byte[] {12, 13, 14}, s.tensors().get("b").data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
        }
        open(file("{\"__metadata__\":null," + A + ",\"e\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[2,2]}," + B + "}", 5));
        open(file("{}", 0));
        open(file("{\"__metadata__\":{}}", 0));
    }

    @Test
    void tensorsMustCoverTheDataExactly() throws IOException {
        refused(file("{" + A + "," + B + "}", 6), "end at byte 5", "holds 6 bytes", "1 bytes after the last tensor");
        refused(file("{}", 3), "end at byte 0", "holds 3 bytes");
        refused(file("{" + B + "}", 5), "tensor 'b' data_offsets [2, 5]", "do not start at 0");
        refused(file("{" + A + ",\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[3,5]}}", 5),
                "tensor 'b' data_offsets [3, 5]", "gap after tensor 'a' [0, 2]", "bytes 2..3");
        refused(file("{" + A + ",\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[1,5]}}", 5),
                "tensor 'b' data_offsets [1, 5]", "overlap tensor 'a' [0, 2]");
        // Two tensors on the same bytes.
        refused(file("{" + A + ",\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}," + B + "}", 5), "overlap");
        refused(file("{" + A + "," + B.replace("5]", "6]").replace("[3]", "[4]") + "}", 5), "tensor 'b'", "past the end");
    }

    @Test
    void onlyWhitespaceMayFollowTheHeaderObject() throws IOException {
        for (String after : new String[] {" x", "{}", "]", "  \0\0", ",", "1"}) {
            refused(file("{" + A + "," + B + "}" + after, 5), "the header has text after its JSON object");
        }
        refused(file("{" + A + "," + B, 5), "invalid header JSON");
    }

    @Test
    void duplicateKeysAreRefused() throws IOException {
        refused(file("{" + A + "," + B + "," + A + "}", 5), "invalid header JSON", "Duplicate field 'a'");
        refused(file("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}," + B + "}", 5),
                "Duplicate field 'dtype'");
        refused(file("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}," + A + "," + B + "}", 5), "Duplicate field 'k'");
    }

    @Test
    void shapesThatOverflowOrAreNotCountsAreRefused() throws IOException {
        String big = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776],\"data_offsets\":[0,5]}}";
        refused(file(big, 5), "tensor 'a'", "shape [1099511627776,1099511627776]", "64-bit");
        // 2^62 elements of 4 bytes is 0 modulo 2^64: an empty span must not pass for it.
        refused(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,0]}}", 0), "tensor 'a'", "64-bit");
        refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[-2],\"data_offsets\":[0,2]}}", 2), "tensor 'a'", "negative");
        // 2^64 would be 0 in its low 64 bits.
        refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[18446744073709551616],\"data_offsets\":[0,0]}}", 0), "tensor 'a'", "non-integer");
        refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2.0],\"data_offsets\":[0,2]}}", 2), "tensor 'a'", "non-integer");
        refused(file("{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2.0]}}", 2), "tensor 'a'", "not integers");
    }

    @Test
    void metadataIsStringsAndTheHeaderUtf8() throws IOException {
        refused(file("{\"__metadata__\":{\"n\":1}," + A + "," + B + "}", 5), "__metadata__ 'n' is 1, not a string");
        refused(file("{\"__metadata__\":[]}", 0), "__metadata__ is not an object");
        byte[] h = ("{\"a\u00ff\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}").getBytes(StandardCharsets.ISO_8859_1);
        refused(file(h, 0), "not valid UTF-8");
    }
    /** The same content gives the same bytes, whatever order the metadata came in (Map.of's changes with each JVM). */
    @Test
    void metadataIsWrittenInOneOrder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        new SafetensorsWriter().metadata("zeta", "1").metadata("alpha", "2").addF32("t", new float[] {1, 2}, 2).write(a);
        new SafetensorsWriter().metadata("alpha", "2").metadata("zeta", "1").addF32("t", new float[] {1, 2}, 2).write(b);
        org.junit.jupiter.api.Assertions.assertArrayEquals(java.nio.file.Files.readAllBytes(a), java.nio.file.Files.readAllBytes(b));
    }
}
