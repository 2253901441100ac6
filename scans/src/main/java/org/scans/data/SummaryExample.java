package org.scans.data;

import java.util.Objects;

/**
 * One document to summarise and its reference summary.
 *
 * @param id       the file's {@code id} column where it has one, otherwise the row number
 * @param row      0-based data row in the source file (header excluded; for JSONL the line index)
 * @param document the text to summarise, as stored
 * @param summary  the reference summary, as stored
 */
public record SummaryExample(String id, int row, String document, String summary) {
    public SummaryExample {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(document, "document");
        Objects.requireNonNull(summary, "summary");
    }
}
