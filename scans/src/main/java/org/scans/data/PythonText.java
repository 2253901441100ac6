package org.scans.data;

import java.util.ArrayList;
import java.util.List;

/**
 * The few Python {@code str} operations whose exact behaviour the SCANS reference results depend
 * on. Java's {@link String#strip()} and Python's {@code str.strip()} disagree on some characters
 * (Python strips U+00A0, U+0085, U+202F, U+2007; Java does not), and a prompt or response that
 * differs by one character gives different tokens, so anything that mirrors a Python
 * {@code strip()}, {@code split()} or {@code readlines()} uses this class.
 */
public final class PythonText {

    private PythonText() {
    }

    /**
     * Python's {@code str.isspace()} for one character: the characters whose Unicode
     * bidirectional class is WS, B or S, or whose category is Zs.
     */
    public static boolean isSpace(char c) {
        return switch (c) {
            case '\t', '\n', '\u000B', '\f', '\r', '\u001C', '\u001D', '\u001E', '\u001F', ' ',
                 '\u0085', '\u00A0', '\u1680', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000' -> true;
            default -> c >= '\u2000' && c <= '\u200A';
        };
    }

    /** Python's {@code s.strip()} with no argument. */
    public static String strip(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && isSpace(s.charAt(start))) {
            start++;
        }
        while (end > start && isSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(start, end);
    }

    /** Python's {@code s.split()} with no argument: runs of whitespace separate, no empty parts. */
    public static List<String> split(String s) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < n && !isSpace(s.charAt(i))) {
                i++;
            }
            if (i > start) {
                parts.add(s.substring(start, i));
            }
        }
        return parts;
    }

    /**
     * What {@code open(path).readlines()} returns for this text: Python's text mode turns
     * {@code \r\n} and a lone {@code \r} into {@code \n} (universal newlines), and every line
     * keeps its {@code \n}, except a last line that has none. An empty text has no lines.
     */
    public static List<String> readLines(String text) {
        String unified = text.replace("\r\n", "\n").replace('\r', '\n');
        List<String> lines = new ArrayList<>();
        int start = 0;
        while (start < unified.length()) {
            int nl = unified.indexOf('\n', start);
            int end = nl < 0 ? unified.length() : nl + 1;
            lines.add(unified.substring(start, end));
            start = end;
        }
        return lines;
    }
}
