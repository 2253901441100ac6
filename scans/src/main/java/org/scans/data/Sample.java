package org.scans.data;

import java.util.Objects;

/**
 * One test or anchor prompt.
 *
 * @param id      stable identifier, {@code <dataset>-<row>} with the row zero-padded to four
 *                digits, e.g. {@code xstest-0042}; unique within a {@link TestSet}
 * @param dataset short dataset name, e.g. {@code xstest} (see {@link Datasets#datasetNames()})
 * @param row     0-based index of the record in its source file (data rows, header excluded;
 *                for text files the line index)
 * @param label   ground truth
 * @param subtype finer category where the source has one (the XSTest {@code type}, e.g.
 *                {@code contrast_homonyms}), otherwise {@code null}
 * @param prompt  the prompt text exactly as the SCANS reference reads it: no stripping, so
 *                OKTest prompts end in {@code "\n"} and MaliciousInstruct lines keep their
 *                line end. The method strips where the reference strips (generation), not here.
 */
public record Sample(String id, String dataset, int row, Label label, String subtype, String prompt) {

    public Sample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(prompt, "prompt");
    }

    /** Builds the conventional id {@code dataset-0042}. */
    public static String idFor(String dataset, int row) {
        return "%s-%04d".formatted(dataset, row);
    }
}
