package org.scans.engine.util;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class JitDirectivesTest {

    @Test
    void theJvmTakesTheEnginesDirectives() {
        JitDirectives.start();
        assertTrue(JitDirectives.await(), "the JVM refused the compiler directives: " + JitDirectives.DIRECTIVES);
    }

    @Test
    void aMalformedDirectiveIsReportedAsRefused() {
        assertFalse(JitDirectives.install("[ { match: \"org/scans/Nothing.none\", c1: { NoSuchOption: true } } ]"));
    }
}
