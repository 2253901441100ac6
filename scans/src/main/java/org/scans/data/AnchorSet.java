package org.scans.data;

import java.util.List;
import java.util.Objects;

/**
 * The anchor prompts from which SCANS builds its refusal direction and its reference transition
 * vector (SCANS.md §3–§5).
 *
 * @param harmful     harmful anchors (AdvBench goals by default), label {@link Label#UNSAFE}
 * @param harmless    harmless anchors (TruthfulQA questions by default), label {@link Label#SAFE}
 * @param description how they were chosen, for run metadata, e.g.
 *                    {@code "64 AdvBench.csv + 64 TruthfulQA.csv rows, java.util.Random seed 42"}
 */
public record AnchorSet(List<Sample> harmful, List<Sample> harmless, String description) {

    public AnchorSet {
        harmful = List.copyOf(harmful);
        harmless = List.copyOf(harmless);
        Objects.requireNonNull(description, "description");
    }

    public List<String> harmfulPrompts() {
        return harmful.stream().map(Sample::prompt).toList();
    }

    public List<String> harmlessPrompts() {
        return harmless.stream().map(Sample::prompt).toList();
    }

    /** 0-based source rows of the harmful anchors, for run metadata. */
    public List<Integer> harmfulRows() {
        return harmful.stream().map(Sample::row).toList();
    }

    /** 0-based source rows of the harmless anchors, for run metadata. */
    public List<Integer> harmlessRows() {
        return harmless.stream().map(Sample::row).toList();
    }
}
