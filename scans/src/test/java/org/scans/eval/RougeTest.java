package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed cases for the semantics of PyPI {@code rouge} 1.0.x with its defaults
 * (see {@link Rouge}). F is 2·P·R/(P+R+1e-8) throughout.
 */
class RougeTest {

    private static double f(double p, double r) {
        return 2.0 * ((p * r) / (p + r + 1e-8));
    }

    private static void assertScore(double p, double r, Rouge.Score s) {
        assertEquals(p, s.precision(), 1e-15, "precision");
        assertEquals(r, s.recall(), 1e-15, "recall");
        assertEquals(f(p, r), s.f(), 1e-15, "f");
    }

    @Test
    void singleSentence() {
        // hyp words {the, cat, sat, on, mat}, ref {the, cat, is, on, mat}
        Rouge.Scores s = Rouge.score("the cat sat on the mat", "the cat is on the mat");
        assertScore(0.8, 0.8, s.rouge1());
        assertEquals(0.7999999950000002, s.rouge1().f(), 0.0, "the value Python prints");
        // bigrams: 5 each, shared (the cat), (on the), (the mat)
        assertScore(0.6, 0.6, s.rouge2());
        // LCS "the cat on the mat" → distinct words {the, cat, on, mat} = 4 of 5 and 5
        assertScore(0.8, 0.8, s.rougeL());
    }

    @Test
    void perfectMatchIsJustBelowOne() {
        Rouge.Scores s = Rouge.score("A short summary.", "A short summary.");
        assertEquals(0.999999995, s.rouge1().f(), 0.0);
        assertEquals(0.999999995, s.rougeL().f(), 0.0);
    }

    @Test
    void caseAndPunctuationMatter() {
        // "The cat." → sentence "The cat"; "the" ≠ "The"; "cat," ≠ "cat"
        assertScore(0.5, 0.5, Rouge.score("The cat.", "the cat").rouge1());
        // hyp {a, "cat,", here} vs ref {a, cat, here}: the comma stays on the word
        assertScore(2.0 / 3, 2.0 / 3, Rouge.score("a cat, here", "a cat here").rouge1());
    }

    @Test
    void distinctNgramsOnly() {
        // exclusive=True: "the the the" has one distinct unigram and one distinct bigram
        Rouge.Scores s = Rouge.score("the the the", "the");
        assertScore(1, 1, s.rouge1());
        assertScore(0, 0, s.rouge2());
    }

    @Test
    void bigramsCrossSentenceBoundaries() {
        // hyp sentences "a b", "c d" → words a b c d → bigrams (a b) (b c) (c d)
        Rouge.Scores s = Rouge.score("a b. c d", "b c");
        assertScore(1.0 / 3, 1.0, s.rouge2());
        // summary-level union LCS: "b" from the first hyp sentence, "c" from the second → 2
        assertScore(2.0 / 4, 2.0 / 2, s.rougeL());
    }

    @Test
    void blankSentenceBecomesAnEmptyWord() {
        // "a. . b" → pieces "a", " ", " b" → sentences "a", "", "b" → words a, "", b
        Rouge.Scores s = Rouge.score("a. . b", "a b");
        assertScore(2.0 / 3, 1.0, s.rouge1());
        assertEquals(List.of("a", "", "b"), Rouge.words(Rouge.sentences("a. . b")));
        assertEquals(List.of("x y", "z"), Rouge.sentences("  x \u00A0 y..z."));
    }

    @Test
    void lcsTieBreakDecidesWhichWordsCount() {
        // ref sentences "a b" and "a"; hyp "b a". For ("a b", "b a") both one-word LCSs are
        // possible; the package's backtrack keeps "b". With "a" from the second pair the union
        // is {a, b}: P = R = 1. The other tie-break would give {a} and 0.5.
        assertEquals(List.of("b"), Rouge.lcsWords(List.of("a", "b"), List.of("b", "a")));
        assertScore(1.0, 1.0, Rouge.score("b a", "a b. a").rougeL());
    }

    @Test
    void emptyHypothesisScoresZero() {
        Rouge.Scores zero = Rouge.score("", "a b");
        assertEquals(0.0, zero.rouge1().f());
        assertEquals(0.0, Rouge.score("...", "a b").rougeL().f());
        assertEquals(0.0, Rouge.score("a b", "").rouge2().f());
    }
}
