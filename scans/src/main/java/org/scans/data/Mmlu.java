package org.scans.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToIntFunction;
import java.util.stream.Stream;

/**
 * MMLU (Hendrycks et al.) as {@code mmlu_eval.py} uses it: {@code mmlu_dev/<subject>_dev.csv}
 * holds the few-shot exemplars, {@code mmlu_test/<subject>_test.csv} the questions; both are
 * headerless CSV with six columns (question, A, B, C, D, answer letter).
 *
 * <p>Values are kept as text. pandas would turn an all-numeric column into numbers (printing
 * {@code 2} as {@code 2.0}) and strings such as {@code None} into NaN; none of the 114 bundled
 * files has such a column, which the golden test against pandas checks.
 *
 * <p>Prompts ({@link #prompt}, {@link #fit}) are byte-identical to the reference's
 * {@code gen_prompt(dev, subject, k) + format_example(test, i, include_answer=False)}:
 * <pre>
 * The following are multiple choice questions (with answers) about  abstract algebra.
 *
 * Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.
 * A. 0
 * B. 1
 * C. 2
 * D. 3
 * Answer: B
 *
 * …(k shots)…
 * &lt;test question&gt;
 * A. …
 * D. …
 * Answer:
 * </pre>
 * (The double space before the subject is the reference's: its {@code format_subject} prefixes
 * every word with a space.)
 */
public final class Mmlu {

    static final List<String> LETTERS = List.of("A", "B", "C", "D");
    /** The reference's {@code --ntrain}. */
    public static final int DEFAULT_SHOTS = 5;
    /** The reference drops shots while the tokenized prompt is longer than this. */
    public static final int DEFAULT_MAX_TOKENS = 2048;

    private final Path root;

    /** @param root the data folder holding {@code mmlu_dev/} and {@code mmlu_test/} */
    public Mmlu(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    public static Mmlu of(Datasets data) {
        return new Mmlu(data.root());
    }

    /**
     * Subjects, as the reference lists them: the names of the {@code *_test.csv} files in
     * {@code mmlu_test/} without the suffix, sorted (57 for the bundled data).
     */
    public List<String> subjects() {
        Path dir = root.resolve("mmlu_test");
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir + ": MMLU test folder not found in the datasets folder " + root);
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(name -> name.contains("_test.csv"))
                    .map(name -> name.substring(0, name.indexOf("_test.csv")))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new DatasetException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    /** All exemplars of a subject, in file order (the reference uses the first {@code k}). */
    public List<MmluQuestion> dev(String subject) {
        return read(subject, "mmlu_dev", "_dev.csv");
    }

    /** All test questions of a subject, in file order. */
    public List<MmluQuestion> test(String subject) {
        return read(subject, "mmlu_test", "_test.csv");
    }

    private List<MmluQuestion> read(String subject, String folder, String suffix) {
        Path file = root.resolve(folder).resolve(subject + suffix);
        if (!Files.isRegularFile(file)) {
            throw new DatasetException(file + ": no such MMLU file; subjects: " + String.join(", ", subjects()));
        }
        List<MmluQuestion> questions = new ArrayList<>();
        List<Csv.Row> rows = Csv.readHeaderless(file);
        for (int i = 0; i < rows.size(); i++) {
            Csv.Row row = rows.get(i);
            if (row.fields().size() != 6) {
                throw DatasetException.at(file, row.line(), "expected 6 fields (question, A, B, C, D, answer), found "
                        + row.fields().size());
            }
            String answer = row.get(5);
            if (!LETTERS.contains(answer)) {
                throw DatasetException.at(file, row.line(), "answer must be A, B, C or D, found '" + answer + "'");
            }
            questions.add(new MmluQuestion(subject, i, row.get(0), row.fields().subList(1, 5), answer));
        }
        return questions;
    }

    /** The header line block: {@code "The following are … about  abstract algebra.\n\n"}. */
    public static String header(String subject) {
        StringBuilder words = new StringBuilder();
        for (String word : subject.split("_", -1)) {
            words.append(' ').append(word);
        }
        return "The following are multiple choice questions (with answers) about " + words + ".\n\n";
    }

    /**
     * One question block: question, {@code "\nA. …"} per choice, {@code "\nAnswer:"}, and with
     * the answer {@code " B\n\n"}.
     */
    public static String example(MmluQuestion q, boolean withAnswer) {
        StringBuilder s = new StringBuilder(q.question());
        for (int j = 0; j < 4; j++) {
            s.append('\n').append(LETTERS.get(j)).append(". ").append(q.choices().get(j));
        }
        s.append("\nAnswer:");
        if (withAnswer) {
            s.append(' ').append(q.answer()).append("\n\n");
        }
        return s.toString();
    }

    /** Header, the first {@code shots} exemplars with answers, then {@code question} without. */
    public static String prompt(String subject, List<MmluQuestion> exemplars, int shots, MmluQuestion question) {
        if (shots < 0 || shots > exemplars.size()) {
            throw new IllegalArgumentException("shots must be 0.." + exemplars.size() + ", got " + shots);
        }
        StringBuilder s = new StringBuilder(header(subject));
        for (int i = 0; i < shots; i++) {
            s.append(example(exemplars.get(i), true));
        }
        return s.append(example(question, false)).toString();
    }

    /**
     * A prompt and how many exemplars it holds.
     *
     * @param tokens the token count the counter gave for {@code prompt}
     * @param fits   false only when even the zero-shot prompt is over the limit
     */
    public record FittedPrompt(String prompt, int shots, int tokens, boolean fits) {
    }

    /**
     * The reference's shot dropping: start with {@code maxShots} exemplars and remove the last
     * one while {@code tokenCount(prompt) > maxTokens}. The reference counts
     * {@code tokenizer(prompt).input_ids}, BOS included, so pass a counter that includes it.
     * The reference never stops when even zero shots are too long (it goes on to negative
     * {@code k}); here zero shots is the end, reported with {@code fits == false}.
     */
    public static FittedPrompt fit(String subject, List<MmluQuestion> exemplars, int maxShots, MmluQuestion question,
                                   int maxTokens, ToIntFunction<String> tokenCount) {
        int shots = maxShots;
        while (true) {
            String prompt = prompt(subject, exemplars, shots, question);
            int tokens = tokenCount.applyAsInt(prompt);
            if (tokens <= maxTokens) {
                return new FittedPrompt(prompt, shots, tokens, true);
            }
            if (shots == 0) {
                return new FittedPrompt(prompt, 0, tokens, false);
            }
            shots--;
        }
    }
}
