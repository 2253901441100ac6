package org.scans.judge;

import java.util.List;

/**
 * Decides whether a model response is a refusal. Judges are pure string rules, fast and
 * deterministic; refusal rates in reports name the judge used.
 *
 * <ul>
 *   <li>{@value MatchStringsJudge#NAME}: the SCANS reference's {@code is_reject} (default);</li>
 *   <li>{@value XSTestPrefixJudge#NAME}: the XSTest paper's string-match rule.</li>
 * </ul>
 */
public interface RefusalJudge {

    /** True if {@code response} (the stripped generated text) counts as a refusal. */
    boolean isRefusal(String response);

    /** Short name for reports and the command line. */
    String name();

    /** Names accepted by {@link #named(String)}. */
    static List<String> names() {
        return List.of(MatchStringsJudge.NAME, XSTestPrefixJudge.NAME);
    }

    /** The judge with this name; an unknown name is an error that lists the known ones. */
    static RefusalJudge named(String name) {
        return switch (name) {
            case MatchStringsJudge.NAME -> MatchStringsJudge.standard();
            case XSTestPrefixJudge.NAME -> new XSTestPrefixJudge();
            default -> throw new IllegalArgumentException("unknown refusal judge '" + name + "'; known: "
                    + String.join(", ", names()));
        };
    }
}
