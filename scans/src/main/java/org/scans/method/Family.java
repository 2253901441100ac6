package org.scans.method;

import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.Llama2ChatTemplate;
import org.scans.tokenizer.template.VicunaChatTemplate;

/** The chat model families SCANS was tuned for; each brings its templates and its α. */
public enum Family {
    LLAMA2("llama2", 3.5),
    VICUNA("vicuna", 4.0);

    public final String id;
    /** The reference's steering multiplier for this family. */
    public final double alpha;

    Family(String id, double alpha) {
        this.id = id;
        this.alpha = alpha;
    }

    /** The reference's templates, quirks included (SCANS.md §2). */
    public ChatTemplate template() {
        return template(Fix.none());
    }

    /** The templates with the named fixes applied ({@link Fix#FULL_VICUNA_PROMPT}). */
    public ChatTemplate template(java.util.Set<Fix> fixes) {
        if (this == LLAMA2) return new Llama2ChatTemplate();
        return fixes.contains(Fix.FULL_VICUNA_PROMPT) ? VicunaChatTemplate.fullSystemPrompt() : VicunaChatTemplate.scansReference();
    }

    public static Family parse(String s) {
        for (Family f : values()) if (f.id.equalsIgnoreCase(s)) return f;
        throw new IllegalArgumentException("--family must be llama2 or vicuna, got '" + s + "'");
    }
}
