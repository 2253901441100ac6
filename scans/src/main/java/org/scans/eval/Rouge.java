package org.scans.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.scans.data.PythonText;

/**
 * ROUGE-1, ROUGE-2 and ROUGE-L as the SCANS XSum evaluation computes them: {@code xsum_eval.py}
 * uses {@code from rouge import Rouge} — the PyPI package {@code rouge} (pltrdy, 1.0.x), not
 * Google's {@code rouge_score} — and averages {@code get_scores(hyp, ref)[0][m]['f']}.
 * That package's defaults are reproduced here, quirks included:
 * <ul>
 *   <li>No lower-casing, no stemming, punctuation stays on the words (only {@code .} splits).</li>
 *   <li>Sentences: the text is split at every {@code "."}; empty pieces are dropped; each piece
 *       is whitespace-normalised (Python {@code " ".join(s.split())}). A piece of only spaces
 *       becomes an empty sentence, and an empty sentence counts as one empty-string word.</li>
 *   <li>Words: the sentences' words concatenated, so n-grams cross sentence boundaries.</li>
 *   <li>Counts are of <i>distinct</i> items ({@code exclusive=True}): ROUGE-N compares the sets
 *       of n-grams; ROUGE-L is summary-level union-LCS over word sets: for every (reference
 *       sentence, hypothesis sentence) pair one LCS is reconstructed (the package's tie-break)
 *       and its words are added to one set; LCS = size of that set, over the numbers of distinct
 *       words of the hypothesis (precision) and the reference (recall).</li>
 *   <li>F = 2·(P·R)/(P + R + 1e-8), so a perfect match scores 0.99999999…, as in the reference.</li>
 * </ul>
 * An empty hypothesis (no sentence left, e.g. {@code ""} or {@code "."}) makes the package
 * raise {@code ValueError: Hypothesis is empty}, which would end the reference's run; here it
 * scores 0 on every measure, and likewise for an empty reference.
 */
public final class Rouge {

    /** Precision, recall and F-measure of one ROUGE variant. */
    public record Score(double precision, double recall, double f) {
        static final Score ZERO = new Score(0, 0, 0);
    }

    /** The three scores the reference reports for one (hypothesis, reference) pair. */
    public record Scores(Score rouge1, Score rouge2, Score rougeL) {
    }

    private Rouge() {
    }

    /** Scores {@code hypothesis} (model output) against {@code reference} (gold summary). */
    public static Scores score(String hypothesis, String reference) {
        List<String> hyp = sentences(hypothesis);
        List<String> ref = sentences(reference);
        if (hyp.isEmpty() || ref.isEmpty()) {
            return new Scores(Score.ZERO, Score.ZERO, Score.ZERO);
        }
        return new Scores(rougeN(hyp, ref, 1), rougeN(hyp, ref, 2), rougeL(hyp, ref));
    }

    /** The package's sentence split: at {@code "."}, non-empty pieces, whitespace-normalised. */
    static List<String> sentences(String text) {
        List<String> sentences = new ArrayList<>();
        int start = 0;
        while (true) {
            int dot = text.indexOf('.', start);
            String piece = dot < 0 ? text.substring(start) : text.substring(start, dot);
            if (!piece.isEmpty()) {
                sentences.add(String.join(" ", PythonText.split(piece)));
            }
            if (dot < 0) {
                return sentences;
            }
            start = dot + 1;
        }
    }

    /** Python {@code s.split(" ")} of each sentence, flattened ({@code ""} gives one empty word). */
    static List<String> words(List<String> sentences) {
        List<String> words = new ArrayList<>();
        for (String sentence : sentences) {
            words.addAll(List.of(sentence.split(" ", -1)));
        }
        return words;
    }

    static Score rougeN(List<String> hyp, List<String> ref, int n) {
        Set<List<String>> hypGrams = ngrams(words(hyp), n);
        Set<List<String>> refGrams = ngrams(words(ref), n);
        int overlap = 0;
        for (List<String> gram : hypGrams) {
            if (refGrams.contains(gram)) {
                overlap++;
            }
        }
        double precision = hypGrams.isEmpty() ? 0.0 : (double) overlap / hypGrams.size();
        double recall = refGrams.isEmpty() ? 0.0 : (double) overlap / refGrams.size();
        return new Score(precision, recall, f(precision, recall));
    }

    static Score rougeL(List<String> hyp, List<String> ref) {
        int refWords = new HashSet<>(words(ref)).size();
        int hypWords = new HashSet<>(words(hyp)).size();
        Set<String> union = new HashSet<>();
        for (String refSentence : ref) {
            List<String> r = words(List.of(refSentence));
            for (String hypSentence : hyp) {
                union.addAll(lcsWords(r, words(List.of(hypSentence))));
            }
        }
        double recall = (double) union.size() / refWords;
        double precision = (double) union.size() / hypWords;
        return new Score(precision, recall, f(precision, recall));
    }

    private static double f(double precision, double recall) {
        return 2.0 * ((precision * recall) / (precision + recall + 1e-8));
    }

    private static Set<List<String>> ngrams(List<String> words, int n) {
        Set<List<String>> grams = new HashSet<>();
        for (int i = 0; i + n <= words.size(); i++) {
            grams.add(List.copyOf(words.subList(i, i + n)));
        }
        return grams;
    }

    /**
     * The words of one longest common subsequence of {@code x} (reference) and {@code y}
     * (hypothesis), reconstructed from the end with the package's tie-break: on a mismatch, step
     * back in {@code x} only if that keeps a strictly longer LCS, else step back in {@code y}.
     * Which LCS is chosen matters, because only its distinct words are counted.
     */
    static List<String> lcsWords(List<String> x, List<String> y) {
        int n = x.size();
        int m = y.size();
        int[][] table = new int[n + 1][m + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                table[i][j] = x.get(i - 1).equals(y.get(j - 1))
                        ? table[i - 1][j - 1] + 1
                        : Math.max(table[i - 1][j], table[i][j - 1]);
            }
        }
        List<String> lcs = new ArrayList<>();
        int i = n;
        int j = m;
        while (i > 0 && j > 0) {
            if (x.get(i - 1).equals(y.get(j - 1))) {
                lcs.add(x.get(i - 1));
                i--;
                j--;
            } else if (table[i - 1][j] > table[i][j - 1]) {
                i--;
            } else {
                j--;
            }
        }
        return lcs.reversed();
    }
}
