package org.scans.tokenizer;

/** Turns one chunk of text (UTF-8, no special-token literals to split out) into ids. */
interface TextEncoder {
    /**
     * @param atStart whether the chunk starts the input (HF's Metaspace {@code prepend_scheme:
     *                "first"} only prefixes that chunk)
     */
    void encode(byte[] utf8, boolean atStart, IntList out);
}
