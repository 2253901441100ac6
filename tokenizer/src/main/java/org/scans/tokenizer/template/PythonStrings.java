package org.scans.tokenizer.template;

/**
 * Python's {@code str.strip()}, which the SCANS reference applies to queries. Java's
 * {@link String#strip()} disagrees with it (it keeps U+00A0, U+2007, U+202F and U+0085 and
 * agrees elsewhere), and a single extra space token would move SCANS's marker position.
 */
public final class PythonStrings {
    private PythonStrings() {
    }

    /** Whether Python's {@code str.isspace()} is true for this character. */
    public static boolean isPythonWhitespace(char c) {
        return (c >= '\t' && c <= '\r') || (c >= '\u001C' && c <= ' ') || c == '\u0085' || c == '\u00A0'
                || c == '\u1680' || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029'
                || c == '\u202F' || c == '\u205F' || c == '\u3000';
    }

    /** {@code s.strip()} in Python. */
    public static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && isPythonWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && isPythonWhitespace(s.charAt(to - 1))) {
            to--;
        }
        return s.substring(from, to);
    }
}
