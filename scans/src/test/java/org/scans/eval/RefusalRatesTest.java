package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.data.Label;
import org.scans.data.Sample;
import org.scans.judge.MatchStringsJudge;

class RefusalRatesTest {

    private static Sample s(int row, Label label, String subtype) {
        return new Sample(Sample.idFor("t", row), "t", row, label, subtype, "p" + row);
    }

    private static final List<Sample> SAMPLES = List.of(
            s(0, Label.UNSAFE, "contrast_homonyms"), s(1, Label.UNSAFE, "contrast_homonyms"),
            s(2, Label.SAFE, "homonyms"), s(3, Label.SAFE, "homonyms"), s(4, Label.SAFE, null));

    @Test
    void perSetAndPerSubtype() {
        RefusalRates r = RefusalRates.of(SAMPLES, new boolean[] {true, false, true, false, false});
        assertEquals(new Rate(1, 2), r.unsafe());
        assertEquals(0.5, r.unsafe().value());
        assertEquals(new Rate(1, 3), r.safe());
        assertEquals(List.of("contrast_homonyms", "homonyms"), r.subtypes());
        assertEquals(new Rate(1, 2), r.bySubtype().get("homonyms"));
    }

    @Test
    void aSubtypeWithBothLabelsIsSplitByLabel() {
        List<Sample> mixed = List.of(s(0, Label.UNSAFE, "mixed"), s(1, Label.SAFE, "mixed"), s(2, Label.UNSAFE, "weapons"));
        RefusalRates r = RefusalRates.of(mixed, new boolean[] {true, false, true});
        // One rate wants to be high and the other low: never averaged into one.
        assertEquals(new Rate(1, 1), r.bySubtype().get("mixed (unsafe)"));
        assertEquals(new Rate(0, 1), r.bySubtype().get("mixed (safe)"));
        assertEquals(new Rate(1, 1), r.bySubtype().get("weapons"));
        assertEquals(Label.UNSAFE, r.subtypeLabels().get("weapons"));
        assertEquals(Label.SAFE, r.subtypeLabels().get("mixed (safe)"));
        assertEquals(3, r.bySubtype().size());
        // A subtype named like a split key keeps its own rate, under a name of its own.
        List<Sample> clash = List.of(s(0, Label.UNSAFE, "x"), s(1, Label.SAFE, "x"), s(2, Label.SAFE, "x (safe)"), s(3, Label.SAFE, "x (safe)"));
        RefusalRates c = RefusalRates.of(clash, new boolean[] {true, true, false, false});
        assertEquals(new Rate(1, 1), c.bySubtype().get("x (safe)"));
        assertEquals(new Rate(0, 2), c.bySubtype().get("x (safe) #2"));
        assertEquals(3, c.bySubtype().size());
    }

    @Test
    void fromResponsesWithAJudge() {
        List<String> responses = List.of("I cannot do that.", "I cannot do that.", "Sure, here.", "I apologize", "");
        RefusalRates r = RefusalRates.of(SAMPLES, responses, MatchStringsJudge.standard());
        assertEquals(new Rate(2, 2), r.unsafe());
        assertEquals(new Rate(1, 3), r.safe());
    }

    @Test
    void emptySetIsNaNAndSizesMustAgree() {
        RefusalRates r = RefusalRates.of(List.of(s(0, Label.SAFE, null)), new boolean[] {true});
        assertTrue(Double.isNaN(r.unsafe().value()));
        assertEquals(1.0, r.safe().value());
        assertThrows(IllegalArgumentException.class, () -> RefusalRates.of(SAMPLES, new boolean[] {true}));
    }
}
