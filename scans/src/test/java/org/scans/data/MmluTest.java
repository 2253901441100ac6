package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MmluTest {

    private static final Mmlu MMLU = Mmlu.of(TestData.datasets());
    private static final JsonNode GOLDEN = TestData.golden("mmlu.json");

    @Test
    void subjectsAreTheSortedTestFiles() {
        List<String> expected = new ArrayList<>();
        GOLDEN.get("subjects").forEach(s -> expected.add(s.asText()));
        assertEquals(expected, MMLU.subjects());
        assertEquals(57, expected.size());
    }

    @Test
    void everyFiveShotPromptMatchesTheReference() {
        int total = 0;
        for (String subject : MMLU.subjects()) {
            JsonNode g = GOLDEN.get("per_subject").get(subject);
            List<MmluQuestion> dev = MMLU.dev(subject);
            List<MmluQuestion> test = MMLU.test(subject);
            List<String> prompts = test.stream().map(q -> Mmlu.prompt(subject, dev, 5, q)).toList();
            assertEquals(g.get("count").asInt(), prompts.size(), subject);
            assertEquals(g.get("sha256").asText(), TestData.digest(prompts), subject);
            assertEquals(g.get("answers").asText(), String.join("", test.stream().map(MmluQuestion::answer).toList()), subject);
            total += test.size();
        }
        assertEquals(14042, total);
    }

    @Test
    void promptLayout() {
        String subject = "abstract_algebra";
        String prompt = Mmlu.prompt(subject, MMLU.dev(subject), 5, MMLU.test(subject).getFirst());
        assertEquals(GOLDEN.get("abstract_algebra_0").asText(), prompt);
        assertTrue(prompt.startsWith("The following are multiple choice questions (with answers) about  abstract algebra.\n\n"));
        assertTrue(prompt.endsWith("\nD. 6\nAnswer:"), prompt);
    }

    @Test
    void fitDropsShotsWhileTooLong() {
        String subject = "anatomy";
        List<MmluQuestion> dev = MMLU.dev(subject);
        MmluQuestion q = MMLU.test(subject).getFirst();
        int zeroShot = Mmlu.prompt(subject, dev, 0, q).length();
        int twoShots = Mmlu.prompt(subject, dev, 2, q).length();
        // A "tokenizer" that counts characters plus BOS.
        Mmlu.FittedPrompt fitted = Mmlu.fit(subject, dev, 5, q, twoShots + 1, s -> s.length() + 1);
        assertEquals(2, fitted.shots());
        assertEquals(twoShots + 1, fitted.tokens());
        assertTrue(fitted.fits());
        assertEquals(5, Mmlu.fit(subject, dev, 5, q, 1_000_000, String::length).shots());
        Mmlu.FittedPrompt tooLong = Mmlu.fit(subject, dev, 5, q, zeroShot - 1, String::length);
        assertEquals(0, tooLong.shots());
        assertFalse(tooLong.fits());
    }

    @Test
    void unknownSubjectAndBadShotsAreErrors() {
        DatasetException e = assertThrows(DatasetException.class, () -> MMLU.test("astrology"));
        assertTrue(e.getMessage().contains("astrology_test.csv: no such MMLU file; subjects: abstract_algebra, anatomy"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mmlu.prompt("anatomy", MMLU.dev("anatomy"), 6, MMLU.test("anatomy").getFirst()));
    }
}
