package org.scans.data;

import java.util.Locale;
import java.util.Optional;

/**
 * Ground-truth label of a prompt: is the request itself harmful?
 *
 * <p>SCANS encodes labels as integers in two places, and both agree: the reference scripts use
 * {@code true_labels = 0 for harmful, 1 for harmless}, and the RepE data set stores
 * {@code label = true} for the harmless sentence. {@link #parse(String)} accepts that encoding
 * ({@code 1} = safe, {@code 0} = unsafe) besides the words.
 */
public enum Label {
    SAFE,
    UNSAFE;

    /** The spellings {@link #parse(String)} accepts, for error messages and help text. */
    public static final String ACCEPTED = "safe, unsafe, harmless, harmful, 1 (= safe), 0 (= unsafe)";

    /**
     * Reads a label as written in a custom data file: {@code safe}/{@code harmless}/{@code 1} or
     * {@code unsafe}/{@code harmful}/{@code 0}, case-insensitive, surrounding blanks ignored.
     * Numbers follow SCANS's own encoding (1 = harmless); anything else is empty.
     */
    public static Optional<Label> parse(String text) {
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "safe", "harmless", "1" -> Optional.of(SAFE);
            case "unsafe", "harmful", "0" -> Optional.of(UNSAFE);
            default -> Optional.empty();
        };
    }

    /** Lower-case name, as written in reports and custom files. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}
