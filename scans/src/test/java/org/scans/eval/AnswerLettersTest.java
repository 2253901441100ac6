package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.tokenizer.Tokenizer;

/** The MMLU answer letters: resolved with the tokenizer by the reference's rule, never hard-coded. */
class AnswerLettersTest {

    @Test
    void llama2LettersAreTheDummyPrefixedPieces() {
        Path model = Path.of("..", "tokenizer", "src", "test", "resources", "models", "llama2", "tokenizer.model");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(model), "the Llama-2 tokenizer fixture is not in this checkout");
        List<String> warnings = new ArrayList<>();
        AnswerLetters letters = AnswerLetters.resolve(Tokenizer.load(model), warnings::add);
        // SCANS.md §10: ▁A ▁B ▁C ▁D = 319 350 315 360 in the Llama-2 vocabulary.
        assertArrayEquals(new int[] {319, 350, 315, 360}, letters.ids());
        assertEquals(List.of("▁A", "▁B", "▁C", "▁D"), letters.pieces());
        assertTrue(warnings.isEmpty(), warnings.toString());
    }

    @Test
    void storiesVocabularyFallsBackToTheLastIdAndSaysSo() {
        List<String> warnings = new ArrayList<>();
        AnswerLetters letters = AnswerLetters.resolve(EvalFixture.tokenizer(), warnings::add);
        // stories260K: encode("A") = [▁, A]; only B has a dummy-prefixed piece.
        assertArrayEquals(new int[] {447, 368, 457, 455}, letters.ids());
        assertEquals(List.of("A", "▁B", "C", "D"), letters.pieces());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).contains("A → 'A' (id 447)"), warnings.get(0));
    }

    @Test
    void predictionIsTheFirstMaximumAndProbabilitiesAreASoftmax() {
        assertEquals(1, AnswerLetters.predict(new float[] {0f, 2f, 1f, 2f}));
        assertEquals(0, AnswerLetters.predict(new float[] {3f, 3f, 3f, 3f}));
        // logits (0, ln 3, 0, 0): e^0 = 1, e^ln3 = 3, sum 6
        double[] p = AnswerLetters.probabilities(new float[] {0f, (float) Math.log(3), 0f, 0f});
        assertEquals(1 / 6.0, p[0], 1e-7);
        assertEquals(3 / 6.0, p[1], 1e-7);
        assertEquals(1 / 6.0, p[3], 1e-7);
    }

    @Test
    void pickReadsTheLetterLogitsAtAnOffset() {
        AnswerLetters letters = new AnswerLetters(new int[] {1, 3, 0, 2}, List.of("a", "b", "c", "d"));
        float[] row = {9, 9, 10, 11, 12, 13};
        assertArrayEquals(new float[] {11, 13, 10, 12}, letters.pick(row, 2), 0f);
    }

    @Test
    void lettersSharingATokenAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> new AnswerLetters(new int[] {5, 6, 5, 7}, List.of("x", "y", "x", "z")));
        assertTrue(e.getMessage().contains("A and C"), e.getMessage());
    }
}
