package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

/**
 * Every bad-model and bad-input case of the engine issue through the CLI: one line on stderr
 * starting with "error:", exit code 1, no stack trace (unless --verbose).
 */
class ModelErrorsCliTest {
    @TempDir
    Path tmp;

    Path copy() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("m"));
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.model"}) {
            Files.copy(TestSupport.model().resolve(f), dir.resolve(f));
        }
        return dir;
    }

    /** More pieces than embeddings failed only when a text produced one of the extra ids. */
    @Test
    void aTokenizerWithMorePiecesThanTheModelHasEmbeddingsIsWarnedOfAtLoad() throws Exception {
        Path dir = copy();
        org.scans.tokenizer.Tokenizer t = org.scans.tokenizer.Tokenizer.load(dir);
        var buf = new java.io.ByteArrayOutputStream();
        ModelOptions.warnOfPiecesBeyondTheVocabulary(t, dir, new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals("", buf.toString(StandardCharsets.UTF_8), "pieces and embeddings match");
        String config = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), config.replaceFirst("\"vocab_size\"\\s*:\\s*\\d+", "\"vocab_size\": 256"));
        ModelOptions.warnOfPiecesBeyondTheVocabulary(t, dir, new java.io.PrintStream(buf, true, StandardCharsets.UTF_8));
        assertEquals("warning: " + t.source() + " has 512 pieces, more than the model's 256 embeddings (vocab_size in config.json);"
                + " a text that encodes to an id of 256 or more will fail", buf.toString(StandardCharsets.UTF_8).strip());
    }

    static void assertOneLineError(TestSupport.Cli r, String... parts) {
        assertEquals(1, r.exit(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(err.startsWith("error: "), err);
        for (String p : parts) assertTrue(err.contains(p), "'" + err + "' lacks '" + p + "'");
        assertFalse(err.contains("\tat "));
    }

    static TestSupport.Cli generate(Path model, String ids) {
        return TestSupport.cli("generate", "--model", model.toString(), "--prompt-ids", ids, "--max-new-tokens", "2");
    }

    @Test
    void missingDirectory() {
        assertOneLineError(generate(tmp.resolve("absent"), "1"), "--model", "no such directory");
    }

    @Test
    void missingConfig() throws Exception {
        Path m = copy();
        Files.delete(m.resolve("config.json"));
        assertOneLineError(generate(m, "1"), "no config.json");
    }

    @Test
    void truncatedFile() throws Exception {
        Path m = copy();
        Path f = m.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 1000));
        assertOneLineError(generate(m, "1"), "truncated");
    }

    @Test
    void headerLengthLargerThanTheFile() throws Exception {
        Path m = copy();
        Path f = m.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 123456789L);
        Files.write(f, b);
        assertOneLineError(generate(m, "1"), "header length 123456789 does not fit");
    }

    @Test
    void invalidHeaderJson() throws Exception {
        Path m = copy();
        Path f = m.resolve("model.safetensors");
        byte[] b = Files.readAllBytes(f);
        b[8] = 'x';
        Files.write(f, b);
        assertOneLineError(generate(m, "1"), "invalid header JSON");
    }

    @Test
    void offsetOutOfRange() throws Exception {
        Path m = copy();
        patchHeader(m.resolve("model.safetensors"), h -> h.replaceFirst("\"data_offsets\":\\[(\\d+),(\\d+)\\]", "\"data_offsets\":[$1,88888888]"));
        assertOneLineError(generate(m, "1"), "data_offsets", "past the end");
    }

    @Test
    void missingTensor() throws Exception {
        Path m = copy();
        patchHeader(m.resolve("model.safetensors"), h -> h.replace("\"model.norm.weight\"", "\"model.norm.weigh_\""));
        assertOneLineError(generate(m, "1"), "missing tensor 'model.norm.weight'");
    }

    @Test
    void shapeMismatch() throws Exception {
        Path m = copy();
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"intermediate_size\": 172", "\"intermediate_size\": 171"));
        assertOneLineError(generate(m, "1"), "gate_proj", "shape [172, 64]", "[171, 64]");
    }

    @Test
    void unsupportedDtype() throws Exception {
        Path m = copy();
        // Relabel an F32 tensor as I32 (same size): a dtype the engine cannot compute with.
        patchHeader(m.resolve("model.safetensors"), h -> h.replaceFirst(
                "(\"model.norm.weight\":\\{\"dtype\":\")F32", "$1I32"));
        assertOneLineError(generate(m, "1"), "model.norm.weight", "dtype I32");
    }

    @Test
    void unreadableFolderSaysSoBeforeAnyFileInItLooksMissing() throws Exception {
        Path m = copy();
        Files.setPosixFilePermissions(m, java.nio.file.attribute.PosixFilePermissions.fromString("---------"));
        try {
            // root opens every folder: there, nothing is denied and this cannot be seen.
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(m), "running as root");
            // With --prompt the tokenizer is looked for first; it said "has no tokenizer.model".
            var r = TestSupport.cli("generate", "--model", m.toString(), "--prompt", "hi", "--max-new-tokens", "2");
            assertOneLineError(r, "--model " + m, "permission denied");
        } finally {
            Files.setPosixFilePermissions(m, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void promptIdsOutsideTheVocabulary() {
        assertOneLineError(generate(TestSupport.model(), "1,403,9999"), "token id 9999", "vocabulary");
    }

    @Test
    void promptLongerThanTheContext() {
        String ids = String.join(",", java.util.Collections.nCopies(600, "261"));
        assertOneLineError(generate(TestSupport.model(), ids), "context", "600", "512");
    }

    @Test
    void nonNumericPromptIds() {
        assertOneLineError(generate(TestSupport.model(), "1,two"), "--prompt-ids", "'two'");
    }

    /** Rewrites the JSON header (compact form), keeping the data bytes. */
    static void patchHeader(Path f, java.util.function.UnaryOperator<String> edit) throws Exception {
        byte[] all = Files.readAllBytes(f);
        int n = (int) ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(all, 8, n, StandardCharsets.UTF_8).replace(" ", "");
        String patched = edit.apply(header);
        assertFalse(patched.equals(header), "patch applied");
        byte[] h = patched.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer out = ByteBuffer.allocate(8 + padded + all.length - 8 - n).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) out.put((byte) ' ');
        out.put(all, 8 + n, all.length - 8 - n);
        Files.write(f, out.array());
    }
}
