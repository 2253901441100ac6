package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What --resume accepts of a folder's settings, including folders written by older versions. */
class ResumeSettingsTest {
    static final Path DIR = Path.of("runs/x");

    static ObjectNode settings(String fixes) {
        return JsonNodeFactory.instance.objectNode().put("dataset", "xstest").put("fixes", fixes);
    }

    @Test
    void fixesWrittenInAnotherOrderAreTheSameFixes() {
        // Versions before the enum set wrote them in a per-JVM order.
        assertDoesNotThrow(() -> Runner.requireSameSettings(DIR, settings("strip-prompts,raw-last-layer"), settings("raw-last-layer,strip-prompts")));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Runner.requireSameSettings(DIR, settings("strip-prompts"), settings("raw-last-layer,strip-prompts")));
        assertTrue(e.getMessage().contains("fixes (was \"strip-prompts\", now \"raw-last-layer,strip-prompts\")"), e.getMessage());
    }

    @Test
    void aFolderThatDidNotRecordTheQuantizationResumesEitherWay() {
        // Older versions had --quantize but did not record it: such a folder may be either kind of run.
        ObjectNode old = settings("none (reference behaviour)");
        for (String q : new String[] {"none", "q8_0"}) {
            ObjectNode now = settings("none (reference behaviour)");
            RunSettings.putModelNumerics(now, org.scans.engine.tensor.DType.F32, q.equals("none") ? null : org.scans.engine.tensor.DType.Q8_0);
            assertDoesNotThrow(() -> Runner.requireSameSettings(DIR, old, now), q);
        }
        // A folder that recorded it holds to it.
        ObjectNode recorded = settings("none (reference behaviour)").put("quantize", "none");
        ObjectNode quantized = settings("none (reference behaviour)").put("quantize", "q8_0");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Runner.requireSameSettings(DIR, recorded, quantized));
        assertTrue(e.getMessage().contains("quantize (was \"none\", now \"q8_0\")"), e.getMessage());
        // The KV cache has been recorded since its option came: a folder without it held float32 caches.
        ObjectNode half = settings("none (reference behaviour)").put("kv_cache", "f16");
        e = assertThrows(IllegalArgumentException.class, () -> Runner.requireSameSettings(DIR, old, half));
        assertTrue(e.getMessage().contains("kv_cache (was \"f32\", now \"f16\")"), e.getMessage());
    }

    @Test
    void aTextThatNamesNoFixIsComparedAsWritten() {
        // "none (reference behaviour)" is no fix list: canonical leaves it alone, so it matches only itself.
        org.junit.jupiter.api.Assertions.assertEquals("none (reference behaviour)", org.scans.method.Fix.canonical("none (reference behaviour)"));
        org.junit.jupiter.api.Assertions.assertEquals("gibberish", org.scans.method.Fix.canonical("gibberish"));
        assertThrows(IllegalArgumentException.class, () -> Runner.requireSameSettings(DIR, settings("gibberish"), settings("none (reference behaviour)")));
    }

    @Test
    void inputDigestsOfOlderFoldersAndChangedFiles() {
        ObjectNode now = RunSettings.putInputDigests(settings("x"), java.util.Map.of("mine.csv", "aa"));
        assertDoesNotThrow(() -> Runner.requireSameSettings(DIR, settings("x"), now), "a folder from before the digests resumes");
        ObjectNode old = RunSettings.putInputDigests(settings("x"), java.util.Map.of("mine.csv", "bb"));
        var e = assertThrows(IllegalArgumentException.class, () -> Runner.requireSameSettings(DIR, old, now));
        assertTrue(e.getMessage().contains("mine.csv (its content changed since the folder was started)"), e.getMessage());
        assertTrue(RunSettings.putInputDigests(settings("x"), java.util.Map.of()).get(RunSettings.INPUT_DIGESTS) == null, "none, no key");
    }
}
