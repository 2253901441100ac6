package org.scans.method;

/** Short quoted excerpts of prompts for messages. */
public final class Quote {
    private Quote() {}

    public static String of(String text) {
        String t = text.strip().replace('\n', ' ');
        return "\"" + (t.length() > 60 ? t.substring(0, 57) + "..." : t) + "\"";
    }
}
