package org.scans.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The SCANS data sets and their test pairings, read from a data folder (see {@link DatasetRoot}).
 *
 * <p>Every loader reproduces how the reference ({@code utils/load_safety_dataset.py}) reads its
 * file, because prompts that differ by a newline tokenize differently:
 * <ul>
 *   <li>CSV files as pandas does: the named column, text untouched; OKTest prompts therefore end
 *       in {@code "\n"}.</li>
 *   <li>Text files as {@code open(f).readlines()}: each line keeps its {@code "\n"} except the
 *       last line of a file without a final newline (see {@link PythonText#readLines}).</li>
 * </ul>
 *
 * <p>Data sets ({@link #load(String)}): advbench, truthfulqa, xstest, oktest, harmfulq,
 * maliciousinstruct, heldout-harmless, llmsafeguard, repe (both sides of the RepE test split).
 * Test pairings ({@link #testSet(String, AnchorSet)}), SCANS.md §8:
 * <pre>
 *   default       AdvBench goals not used as anchors (456) vs TruthfulQA questions not used (753)
 *   xstest        XSTest v2 rows whose type contains "contrast_" (200) vs the others (250)
 *   oktest        HarmfulQ (200) vs OKTest (300)
 *   malicious     MaliciousInstruct (100) vs Held-outHarmless (100)
 *   repe          RepE test sentence[1] (384) vs sentence[0] (384)
 *   llmsafeguard  LLMSafeGuard_custom lines 0–99 vs lines 100–199
 * </pre>
 */
public final class Datasets {

    static final String NAMES_TEXT =
            "advbench, truthfulqa, xstest, oktest, harmfulq, maliciousinstruct, heldout-harmless, llmsafeguard, repe";
    private static final List<String> DATASET_NAMES = List.of(NAMES_TEXT.split(", "));
    private static final List<String> PAIRING_NAMES =
            List.of("default", "xstest", "oktest", "malicious", "repe", "llmsafeguard");

    /** Files under the data folder, as laid out by PROVENANCE.md. */
    public static final String ADVBENCH = "AdvBench.csv";
    public static final String TRUTHFULQA = "TruthfulQA.csv";
    public static final String XSTEST = "xstest_v2_prompts.csv";
    public static final String OKTEST = "OKTest.csv";
    public static final String HARMFULQ = "HarmfulQ.json";
    public static final String MALICIOUS_INSTRUCT = "MaliciousInstruct.txt";
    public static final String HELDOUT_HARMLESS = "Held-outHarmless.txt";
    public static final String LLMSAFEGUARD = "LLMSafeGuard_custom.txt";
    public static final String REPE_TEST = "derived/repe_test_pairs.csv";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;

    public Datasets(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** The data folder found by {@link DatasetRoot#locate()}. */
    public static Datasets locate() {
        return new Datasets(DatasetRoot.locate());
    }

    public Path root() {
        return root;
    }

    /** Names accepted by {@link #load(String)}. */
    public static List<String> datasetNames() {
        return DATASET_NAMES;
    }

    /** Names accepted by {@link #testSet(String, AnchorSet)}. */
    public static List<String> pairingNames() {
        return PAIRING_NAMES;
    }

    /** A file under the data folder; an error naming the folder if it is not there. */
    public Path file(String relative) {
        Path file = root.resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + ": file not found in the datasets folder " + root
                    + " (set -D" + DatasetRoot.PROPERTY + " or " + DatasetRoot.ENV + " to use another folder)");
        }
        return file;
    }

    /** One data set by name, in file order; an unknown name lists the known ones. */
    public List<Sample> load(String name) {
        return switch (name) {
            case "advbench" -> advBench();
            case "truthfulqa" -> truthfulQa();
            case "xstest" -> xsTest();
            case "oktest" -> okTest();
            case "harmfulq" -> harmfulQ();
            case "maliciousinstruct" -> maliciousInstruct();
            case "heldout-harmless" -> heldOutHarmless();
            case "llmsafeguard" -> llmSafeGuard();
            case "repe" -> repeTest().all();
            default -> throw new DatasetException("unknown data set '" + name + "'; known: " + NAMES_TEXT);
        };
    }

    /**
     * The test pairing {@code name} (see the class comment). {@code anchors} is used by
     * {@code default} only, whose test prompts are the AdvBench and TruthfulQA prompts that are
     * not anchors. The reference takes {@code set(all) - set(anchors)}, which drops by text and
     * loses order; we drop by text too but keep file order, so runs are reproducible.
     */
    public TestSet testSet(String name, AnchorSet anchors) {
        return switch (name) {
            case "default" -> new TestSet(name,
                    without(advBench(), anchors.harmfulPrompts()), without(truthfulQa(), anchors.harmlessPrompts()));
            case "xstest" -> {
                List<Sample> all = xsTest();
                yield new TestSet(name, withLabel(all, Label.UNSAFE), withLabel(all, Label.SAFE));
            }
            case "oktest" -> new TestSet(name, harmfulQ(), okTest());
            case "malicious" -> new TestSet(name, maliciousInstruct(), heldOutHarmless());
            case "repe" -> repeTest();
            case "llmsafeguard" -> {
                List<Sample> all = llmSafeGuard();
                yield new TestSet(name, withLabel(all, Label.UNSAFE), withLabel(all, Label.SAFE));
            }
            default -> throw new DatasetException("unknown test set '" + name + "'; known: "
                    + String.join(", ", PAIRING_NAMES) + " (or a path to a .csv/.jsonl file with prompt and label columns)");
        };
    }

    /**
     * The test set {@code nameOrPath} means, read now, or null for {@code "default"}: the anchors'
     * remainder, known only once the anchors are drawn. Fails as {@link #resolveTestSet} does (an
     * unknown name, with the known ones; a missing file; a custom file that does not parse, naming
     * its line), so that commands find out before a model is loaded and vectors are extracted,
     * which on a 7B model takes minutes, and keep what they read.
     */
    public TestSet knownTestSet(String nameOrPath) {
        return nameOrPath.equals("default") ? null : resolveTestSet(nameOrPath, null);
    }

    /**
     * What a {@code --test-set} option means: a pairing name ({@link #pairingNames()}), or else
     * the path of a custom {@code .csv}/{@code .jsonl} file ({@link CustomTestSets}). Anything
     * else is an error that lists the pairings.
     */
    public TestSet resolveTestSet(String nameOrPath, AnchorSet anchors) {
        if (PAIRING_NAMES.contains(nameOrPath)) {
            return testSet(nameOrPath, anchors);
        }
        String lower = nameOrPath.toLowerCase(java.util.Locale.ROOT);
        boolean looksLikeFile = lower.endsWith(".csv") || lower.endsWith(".jsonl") || lower.endsWith(".ndjson");
        if (looksLikeFile && Files.isRegularFile(Path.of(nameOrPath))) {
            return CustomTestSets.load(Path.of(nameOrPath));
        }
        if (looksLikeFile) {
            throw new DatasetException(nameOrPath + ": file not found");
        }
        if (Files.isRegularFile(Path.of(nameOrPath))) {
            throw new DatasetException(nameOrPath + ": a custom test set must be a .csv or .jsonl file (with a prompt and a label "
                    + "per record); or name a pairing: " + String.join(", ", PAIRING_NAMES));
        }
        return testSet(nameOrPath, anchors);    // reports the unknown name with the known ones
    }

    /** AdvBench {@code goal} column (520, all unsafe). */
    public List<Sample> advBench() {
        return csvColumn(ADVBENCH, "goal", "advbench", Label.UNSAFE);
    }

    /** TruthfulQA {@code Question} column (817, all safe). */
    public List<Sample> truthfulQa() {
        return csvColumn(TRUTHFULQA, "Question", "truthfulqa", Label.SAFE);
    }

    /** OKTest {@code prompt} column (300, safe); every prompt ends in a newline, kept. */
    public List<Sample> okTest() {
        return csvColumn(OKTEST, "prompt", "oktest", Label.SAFE);
    }

    /**
     * XSTest v2 (450): unsafe where {@code type} contains {@code contrast_} (the reference's
     * {@code str.contains}), safe otherwise; the {@code type} is the sample's subtype.
     */
    public List<Sample> xsTest() {
        Csv.Table table = Csv.readWithHeader(file(XSTEST));
        int type = table.column("type");
        int prompt = table.column("prompt");
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < table.rows().size(); i++) {
            Csv.Row row = table.rows().get(i);
            String kind = row.get(type);
            Label label = kind.contains("contrast_") ? Label.UNSAFE : Label.SAFE;
            samples.add(new Sample(Sample.idFor("xstest", i), "xstest", i, label, kind, row.get(prompt)));
        }
        return samples;
    }

    /** HarmfulQ, a JSON array of strings (200, all unsafe). */
    public List<Sample> harmfulQ() {
        Path file = file(HARMFULQ);
        JsonNode array;
        try {
            array = JSON.readTree(Csv.readUtf8(file));
        } catch (JsonProcessingException e) {
            throw new DatasetException(file + ": not valid JSON: " + org.scans.tokenizer.JsonMessages.brief(e), e);
        }
        if (array == null || !array.isArray()) {
            throw new DatasetException(file + ": expected a JSON array of prompt strings");
        }
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode item = array.get(i);
            if (!item.isTextual()) {
                throw new DatasetException(file + ": element " + i + " is " + item.getNodeType()
                        + ", expected a string");
            }
            samples.add(new Sample(Sample.idFor("harmfulq", i), "harmfulq", i, Label.UNSAFE, null, item.textValue()));
        }
        return samples;
    }

    /** MaliciousInstruct (100, unsafe), read with line ends like {@code readlines()}. */
    public List<Sample> maliciousInstruct() {
        return textLines(MALICIOUS_INSTRUCT, "maliciousinstruct", Label.UNSAFE);
    }

    /** Held-outHarmless (100, safe), read with line ends like {@code readlines()}. */
    public List<Sample> heldOutHarmless() {
        return textLines(HELDOUT_HARMLESS, "heldout-harmless", Label.SAFE);
    }

    /** LLMSafeGuard_custom (200): lines 0–99 unsafe, lines 100 on safe, line ends kept. */
    public List<Sample> llmSafeGuard() {
        List<String> lines = PythonText.readLines(Csv.readUtf8(file(LLMSAFEGUARD)));
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Label label = i < 100 ? Label.UNSAFE : Label.SAFE;
            samples.add(new Sample(Sample.idFor("llmsafeguard", i), "llmsafeguard", i, label, null, lines.get(i)));
        }
        return samples;
    }

    /**
     * RepE test split from {@code derived/repe_test_pairs.csv}: as the reference, unsafe is
     * {@code sentence[1]} ({@code sentence_1}) and safe is {@code sentence[0]} of each row,
     * whatever the label flags say (they agree on the test split). Ids are
     * {@code repe-harmful-0042} and {@code repe-harmless-0042}, the number being the row.
     */
    public TestSet repeTest() {
        Csv.Table table = Csv.readWithHeader(file(REPE_TEST));
        int harmless = table.column("sentence_0");
        int harmful = table.column("sentence_1");
        List<Sample> unsafe = new ArrayList<>();
        List<Sample> safe = new ArrayList<>();
        for (int i = 0; i < table.rows().size(); i++) {
            Csv.Row row = table.rows().get(i);
            unsafe.add(new Sample(Sample.idFor("repe-harmful", i), "repe", i, Label.UNSAFE, null, row.get(harmful)));
            safe.add(new Sample(Sample.idFor("repe-harmless", i), "repe", i, Label.SAFE, null, row.get(harmless)));
        }
        return new TestSet("repe", unsafe, safe);
    }

    private List<Sample> csvColumn(String relative, String column, String dataset, Label label) {
        Csv.Table table = Csv.readWithHeader(file(relative));
        int index = table.column(column);
        List<Sample> samples = new ArrayList<>(table.rows().size());
        for (int i = 0; i < table.rows().size(); i++) {
            samples.add(new Sample(Sample.idFor(dataset, i), dataset, i, label, null, table.rows().get(i).get(index)));
        }
        return samples;
    }

    private List<Sample> textLines(String relative, String dataset, Label label) {
        List<String> lines = PythonText.readLines(Csv.readUtf8(file(relative)));
        List<Sample> samples = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            samples.add(new Sample(Sample.idFor(dataset, i), dataset, i, label, null, lines.get(i)));
        }
        return samples;
    }

    private static List<Sample> withLabel(List<Sample> samples, Label label) {
        return samples.stream().filter(s -> s.label() == label).toList();
    }

    private static List<Sample> without(List<Sample> samples, List<String> prompts) {
        Set<String> drop = new HashSet<>(prompts);
        return samples.stream().filter(s -> !drop.contains(s.prompt())).toList();
    }
}
