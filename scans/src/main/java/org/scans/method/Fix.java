package org.scans.method;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Departures from the reference code, each one opt-in by name ({@code --fix NAME}). The default is
 * always the reference's behaviour, because its thresholds were tuned on it and users compare
 * against its numbers (SCANS.md §2, "principle for every quirk").
 */
public enum Fix {
    /**
     * Vicuna: use FastChat's full system prompt with BOS in extraction and classification. The
     * reference splits the string literal across two statements and so keeps only its first
     * sentence, without BOS.
     */
    FULL_VICUNA_PROMPT("full-vicuna-prompt"),
    /**
     * Read the last layer's raw residual. The reference takes Hugging Face's hidden_states, whose
     * last entry is the final-RMSNorm output, so its h_{L−1} is normalised.
     */
    RAW_LAST_LAYER("raw-last-layer"),
    /**
     * Strip prompts before extraction and classification too. The reference strips them only for
     * generation, so OKTest's trailing newline (and MaliciousInstruct's line ends) reach the
     * classifier.
     */
    STRIP_PROMPTS("strip-prompts"),
    /**
     * When the end-of-instruction marker is missing, steer from the last prompt token. The
     * reference then steers every position, the instruction included.
     */
    STEER_LAST_IF_NO_MARKER("steer-last-if-no-marker"),
    /**
     * Score XSum summaries as the decoded new tokens alone. The reference decodes with the special
     * tokens kept, so a summary that ended on EOS reaches ROUGE with a trailing {@code </s>}: one
     * more hypothesis word, which lowers its scores.
     */
    ROUGE_WITHOUT_EOS("rouge-without-eos");

    public final String id;

    Fix(String id) {
        this.id = id;
    }

    public static Fix parse(String s) {
        for (Fix f : values()) if (f.id.equals(s)) return f;
        List<String> known = new ArrayList<>();
        for (Fix f : values()) known.add(f.id);
        throw new IllegalArgumentException("--fix " + s + ": unknown (known: " + String.join(", ", known) + ")");
    }

    public static Set<Fix> none() {
        return EnumSet.noneOf(Fix.class);
    }

    /**
     * Whether vectors extracted with this fix differ from vectors extracted without it: it changes
     * the extraction prompts or the residual read. The others act after extraction (where steering
     * starts, how summaries are scored), so a vectors file recording them serves a session without
     * them as well.
     */
    public boolean changesVectors() {
        return this == FULL_VICUNA_PROMPT || this == RAW_LAST_LAYER || this == STRIP_PROMPTS;
    }

    /** Of {@code fixes}, those that {@link #changesVectors change the vectors}. */
    public static Set<Fix> ofVectors(Set<Fix> fixes) {
        Set<Fix> of = none();
        for (Fix f : fixes) if (f.changesVectors()) of.add(f);
        return of;
    }

    /** The fixes {@link #describe}'s text names (in any order), or empty for text that is not such a list. */
    public static java.util.Optional<Set<Fix>> parseDescribed(String described) {
        if (described.equals(describe(none()))) return java.util.Optional.of(none());
        Set<Fix> set = none();
        for (String id : described.split(",")) {
            try {
                set.add(parse(id.trim()));
            } catch (IllegalArgumentException e) {
                return java.util.Optional.empty();
            }
        }
        return java.util.Optional.of(set);
    }

    public static String describe(Set<Fix> fixes) {
        if (fixes.isEmpty()) return "none (reference behaviour)";
        List<String> ids = new ArrayList<>();
        // In declaration order, whatever the set's own order: the text is compared on --resume.
        for (Fix f : EnumSet.copyOf(fixes)) ids.add(f.id);
        return String.join(",", ids);
    }

    /**
     * {@link #describe}'s text for the fixes that {@code described} names in any order, as files
     * written before the order was fixed may hold them; text that names no fix comes back as it is.
     */
    public static String canonical(String described) {
        return parseDescribed(described).map(Fix::describe).orElse(described);
    }
}
