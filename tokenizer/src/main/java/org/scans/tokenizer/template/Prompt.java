package org.scans.tokenizer.template;

import org.scans.tokenizer.Tokenizer;

/**
 * A prompt string together with how it must be encoded: whether a BOS id goes first, and
 * whether the control-token literals in it ({@code <s>}, {@code </s>}) are ids (special mode)
 * or text. SCANS's Llama-2 templates spell BOS as a literal {@code <s>}; its generation
 * prompts put the BOS id in front instead; both give the same first id.
 */
public record Prompt(String text, boolean bos, boolean special) {
    public int[] encode(Tokenizer tokenizer) {
        return tokenizer.encode(text, bos, special);
    }
}
