package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PythonTextTest {

    @Test
    void stripRemovesWhatPythonStrips() {
        assertEquals("a b", PythonText.strip(" \t\n a b \r\n"));
        // Python strips these; Java's String.strip() keeps the first three.
        assertEquals("x", PythonText.strip("\u00A0\u0085\u202Fx\u3000\u2007"));
        assertEquals("\u200Bx", PythonText.strip("\u200Bx"), "zero-width space is not whitespace in Python");
        assertEquals("", PythonText.strip(" \n "));
    }

    @Test
    void isSpaceMatchesPythonIsspace() {
        // Python 3.11: [c for c in map(chr, range(0x10000)) if c.isspace()]
        String pythonSpaces = "\t\n\u000B\f\r\u001C\u001D\u001E\u001F \u0085\u00A0\u1680"
                + "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000";
        int count = 0;
        for (char c = 0; c < Character.MAX_VALUE; c++) {
            if (PythonText.isSpace(c)) {
                count++;
                assertTrue(pythonSpaces.indexOf(c) >= 0, "U+" + Integer.toHexString(c));
            }
        }
        assertEquals(pythonSpaces.length(), count);
        assertFalse(PythonText.isSpace('\u180E'));
    }

    @Test
    void splitDropsEmptyParts() {
        assertEquals(List.of("a", "b", "c"), PythonText.split("  a\tb\n\nc  "));
        assertEquals(List.of(), PythonText.split(" \t "));
        assertEquals(List.of(), PythonText.split(""));
    }

    @Test
    void readLinesKeepsLineEndsLikeReadlines() {
        assertEquals(List.of("a\n", "b\n", "c"), PythonText.readLines("a\nb\nc"));
        assertEquals(List.of("a\n", "b\n"), PythonText.readLines("a\nb\n"));
        assertEquals(List.of("a\n", "\n", "b"), PythonText.readLines("a\n\nb"));
        // Universal newlines: CRLF and lone CR become \n.
        assertEquals(List.of("a\n", "b\n", "c"), PythonText.readLines("a\r\nb\rc"));
        assertEquals(List.of(), PythonText.readLines(""));
    }

    @Test
    void aTextStartingWithANewlineHasAnEmptyFirstLine() {
        assertEquals(List.of("\n", "a\n"), PythonText.readLines("\na\n"));
    }
}
