package org.scans.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Where the test fixtures are, and readers for the reference files. */
public final class TestModels {
    private TestModels() {}

    /** The bundled default model (F32, tied embeddings), shipped in the project's models/. */
    public static Path stories260K() {
        Path p = Path.of("..", "models", "stories260K");
        if (!Files.isDirectory(p)) throw new IllegalStateException("bundled model not found at " + p.toAbsolutePath());
        return p;
    }

    /** The BF16 copy with an untied lm_head. */
    public static Path stories260KBf16() {
        return resource("stories260K-bf16");
    }

    public static Path resource(String name) {
        try {
            return Path.of(TestModels.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing", e);
        }
    }

    /** run.c's logits: one float[] of 512 per position. */
    public static float[][] runcLogits() {
        return readRows("reference/stories260K_runc_logits_32pos.txt");
    }

    /** A table of floats, one row a line after a leading label column; '#' lines are comments. */
    public static float[][] readRows(String resource) {
        List<float[]> rows = new ArrayList<>();
        for (String line : lines(resource)) {
            if (line.startsWith("#") || line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            float[] row = new float[f.length - 1];
            for (int i = 1; i < f.length; i++) row[i - 1] = Float.parseFloat(f[i]);
            rows.add(row);
        }
        return rows.toArray(new float[0][]);
    }

    /** The ids after "prompt:" and "generated:" in run.c's greedy reference. */
    public static int[][] runcGreedy() {
        int[] prompt = null, generated = null;
        for (String line : lines("reference/stories260K_runc_greedy_ids.txt")) {
            if (line.startsWith("prompt:")) prompt = ids(line.substring(7));
            if (line.startsWith("generated:")) generated = ids(line.substring(10));
        }
        return new int[][] {prompt, generated};
    }

    public static int[] ids(String s) {
        return Arrays.stream(s.trim().split("[\\s,]+")).filter(x -> !x.isEmpty()).mapToInt(Integer::parseInt).toArray();
    }

    public static List<String> lines(String resource) {
        try {
            return Files.readAllLines(resource(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
