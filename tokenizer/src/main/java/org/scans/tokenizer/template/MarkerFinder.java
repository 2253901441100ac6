package org.scans.tokenizer.template;

import java.util.Arrays;
import org.scans.tokenizer.Tokenizer;

/**
 * Finds SCANS's {@code p_end}: the position of the last token of the last occurrence of the
 * marker's ids in a token sequence, or -1 when the marker does not occur (the reference then
 * steers every position). The ids come from the tokenizer ({@code encode(marker)} without
 * BOS), never from constants: Llama-2's {@code [/INST]} is {@code [518, 29914, 25580, 29962]}
 * only because of that vocabulary.
 */
public final class MarkerFinder {
    private final int[] marker;

    public MarkerFinder(int[] markerIds) {
        if (markerIds.length == 0) {
            throw new IllegalArgumentException("the marker encodes to no tokens");
        }
        this.marker = markerIds.clone();
    }

    public static MarkerFinder of(Tokenizer tokenizer, ChatTemplate template) {
        return new MarkerFinder(template.markerIds(tokenizer));
    }

    public static MarkerFinder of(Tokenizer tokenizer, String markerText) {
        return new MarkerFinder(tokenizer.encode(markerText));
    }

    public int[] markerIds() {
        return marker.clone();
    }

    /** Position of the last token of the last occurrence, or -1. */
    public int lastEnd(int[] tokens) {
        return lastEnd(tokens, tokens.length);
    }

    /** As {@link #lastEnd(int[])} over the first {@code length} tokens. */
    public int lastEnd(int[] tokens, int length) {
        for (int start = length - marker.length; start >= 0; start--) {
            if (Arrays.equals(tokens, start, start + marker.length, marker, 0, marker.length)) {
                return start + marker.length - 1;
            }
        }
        return -1;
    }
}
