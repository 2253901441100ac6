package org.scans.data;

import java.util.List;
import java.util.Objects;

/**
 * One MMLU item.
 *
 * @param subject file stem without the split suffix, e.g. {@code abstract_algebra}
 * @param row     0-based row in its file
 * @param question the question text, as stored
 * @param choices  the four options A–D, as stored
 * @param answer   the correct letter, {@code A}–{@code D}
 */
public record MmluQuestion(String subject, int row, String question, List<String> choices, String answer) {

    public MmluQuestion {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(question, "question");
        choices = List.copyOf(choices);
        if (choices.size() != 4) {
            throw new IllegalArgumentException("MMLU question needs 4 choices, got " + choices.size());
        }
        if (!Mmlu.LETTERS.contains(answer)) {
            throw new IllegalArgumentException("MMLU answer must be A, B, C or D, got '" + answer + "'");
        }
    }

    /** 0 for A … 3 for D. */
    public int answerIndex() {
        return Mmlu.LETTERS.indexOf(answer);
    }
}
