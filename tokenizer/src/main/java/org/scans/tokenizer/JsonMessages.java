package org.scans.tokenizer;

import com.fasterxml.jackson.core.JacksonException;

/** Jackson's parse errors as a person reads them. */
public final class JsonMessages {
    private JsonMessages() {}

    /**
     * The message of {@code e} without what means nothing to a user: the location Jackson appends
     * ("[Source: REDACTED …; line: 1, column: 1]", which for a line read on its own contradicts
     * the line the caller names) and the names of its settings.
     */
    public static String brief(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null) return "malformed";
        if (m.startsWith("Trailing token")) return "text after the JSON value";
        int cut = m.indexOf(" (start marker at");
        if (cut < 0) cut = m.indexOf("[Source:");
        if (cut < 0) cut = m.indexOf("\n at [Source");
        if (cut >= 0) m = m.substring(0, cut);
        return m.strip().replaceAll("[\\s:;,]+$", "");
    }
}
