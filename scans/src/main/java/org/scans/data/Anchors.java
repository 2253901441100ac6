package org.scans.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Chooses the anchor prompts (SCANS.md §3).
 *
 * <p>The reference draws them with Python's unseeded {@code random.sample}, so no run can be
 * repeated. We draw with an explicit seed instead, using {@link java.util.Random}, whose
 * algorithm the Java specification fixes (a 48-bit LCG; {@code nextInt(bound)} as documented),
 * so the same seed gives the same anchors on every JDK and platform:
 * <ol>
 *   <li>{@code rng = new java.util.Random(seed)};</li>
 *   <li>harmful: a partial Fisher–Yates shuffle of the AdvBench row indices {@code 0..n-1}:
 *       for {@code i = 0..k-1}, swap position {@code i} with {@code i + rng.nextInt(n - i)};
 *       the first {@code k} indices, sorted ascending, are the anchors;</li>
 *   <li>harmless: the same with the same {@code rng}, continued, over the TruthfulQA rows.</li>
 * </ol>
 * Every {@code k}-subset is equally likely, which is what the reference's two-step draw
 * (520 TruthfulQA rows, then 64 of those) amounts to as well.
 */
public final class Anchors {

    /** Seed used when the user gives none. */
    public static final long DEFAULT_SEED = 42L;
    /** The reference's {@code anchor_size}. */
    public static final int DEFAULT_SIZE = 64;

    private Anchors() {
    }

    /** {@link #DEFAULT_SIZE} harmful and harmless anchors drawn with {@code seed}. */
    public static AnchorSet sample(Datasets data, long seed) {
        return sample(data, seed, DEFAULT_SIZE, DEFAULT_SIZE);
    }

    /**
     * {@code harmfulCount} AdvBench goals and {@code harmlessCount} TruthfulQA questions, drawn
     * as described in the class comment. The test set of the {@code default} pairing is what
     * remains ({@link Datasets#testSet(String, AnchorSet)}).
     */
    public static AnchorSet sample(Datasets data, long seed, int harmfulCount, int harmlessCount) {
        List<Sample> advBench = data.advBench();
        List<Sample> truthfulQa = data.truthfulQa();
        Random rng = new Random(seed);
        List<Sample> harmful = pick(advBench, harmfulCount, rng, Datasets.ADVBENCH);
        List<Sample> harmless = pick(truthfulQa, harmlessCount, rng, Datasets.TRUTHFULQA);
        String description = "%d %s rows + %d %s rows, java.util.Random seed %d".formatted(
                harmfulCount, Datasets.ADVBENCH, harmlessCount, Datasets.TRUTHFULQA, seed);
        return new AnchorSet(harmful, harmless, description);
    }

    /**
     * Anchors from two text files, one prompt per line (UTF-8). Line ends are removed; empty and
     * blank lines are skipped; the row of a sample is its 0-based line number in the file.
     */
    public static AnchorSet fromFiles(Path harmfulFile, Path harmlessFile) {
        List<Sample> harmful = promptLines(harmfulFile, Label.UNSAFE);
        List<Sample> harmless = promptLines(harmlessFile, Label.SAFE);
        return new AnchorSet(harmful, harmless, "%d prompts from %s + %d prompts from %s".formatted(
                harmful.size(), harmfulFile, harmless.size(), harmlessFile));
    }

    /** {@code count} rows of {@code from} drawn by a partial Fisher–Yates shuffle, in row order. */
    static List<Sample> pick(List<Sample> from, int count, Random rng, String what) {
        int[] chosen = chooseIndices(from.size(), count, rng, what);
        List<Sample> picked = new ArrayList<>(count);
        for (int index : chosen) {
            picked.add(from.get(index));
        }
        return picked;
    }

    /** {@code k} distinct indices out of {@code 0..n-1}, uniformly, sorted ascending. */
    public static int[] chooseIndices(int n, int k, Random rng, String what) {
        if (k <= 0 || k > n) {
            throw new DatasetException(what + ": cannot draw " + k + " samples from " + n + " rows (need 1.." + n + ")");
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] chosen = Arrays.copyOf(order, k);
        Arrays.sort(chosen);
        return chosen;
    }

    private static List<Sample> promptLines(Path file, Label label) {
        String dataset = stem(file);
        List<String> lines = PythonText.readLines(Csv.readUtf8(file));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String prompt = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
            if (!PythonText.strip(prompt).isEmpty()) {
                samples.add(new Sample(Sample.idFor(dataset, i), dataset, i, label, null, prompt));
            }
        }
        if (samples.isEmpty()) {
            throw new DatasetException(file + ": no prompts (expected one " + label.word() + " prompt per line)");
        }
        return samples;
    }

    static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }
}
