package org.scans.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/** Shared test helpers: the repository's data folder and the golden files made by make_golden.py. */
public final class TestData {

    private TestData() {
    }

    /** The repository's datasets/ (tests run in scans/, so it is ../datasets). */
    public static Path root() {
        for (Path candidate : List.of(Path.of("..", "datasets"), Path.of("datasets"))) {
            if (Files.isRegularFile(candidate.resolve("AdvBench.csv"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("repository datasets/ not found from " + Path.of("").toAbsolutePath());
    }

    public static Datasets datasets() {
        return new Datasets(root());
    }

    public static JsonNode golden(String name) {
        try (InputStream in = TestData.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource golden/" + name);
            }
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Same digest as make_golden.py: SHA-256 of the texts joined by NUL, UTF-8, hex. */
    public static String digest(List<String> texts) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256")
                    .digest(String.join("\0", texts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
