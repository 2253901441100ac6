package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.data.Label;

class ClassifierMetricsTest {

    private static List<Label> labels(int... ones) {
        List<Label> l = new ArrayList<>();
        for (int v : ones) {
            l.add(v == 1 ? Label.SAFE : Label.UNSAFE);
        }
        return l;
    }

    @Test
    void handComputedCase() {
        // truth:     U U U S S S       (S = safe = positive)
        // predicted: U S U S U S
        // c:         .9 .7 .8 .3 .76 .5   → ranking score 1-c
        ClassifierMetrics m = ClassifierMetrics.of(labels(0, 0, 0, 1, 1, 1), labels(0, 1, 0, 1, 0, 1),
                new double[] {0.9, 0.7, 0.8, 0.3, 0.76, 0.5});
        assertEquals(2, m.truePositives());
        assertEquals(1, m.falsePositives());
        assertEquals(1, m.falseNegatives());
        assertEquals(2, m.trueNegatives());
        assertEquals(new Rate(1, 3), m.unsafeJudgedSafe());
        assertEquals(new Rate(1, 3), m.safeJudgedUnsafe());
        assertEquals(2.0 / 3, m.precision(), 1e-15);
        assertEquals(2.0 / 3, m.recall(), 1e-15);
        assertEquals(2.0 / 3, m.f1(), 1e-15);
        // Ranking by 1-c: S .7, S .5, U .3, S .24, U .2, U .1. Cuts give (P, R):
        // (1, 1/3) (1, 2/3) (2/3, 2/3) (3/4, 1) (3/5, 1) (1/2, 1), then the end point (1, 0).
        // Trapezoids over recall: 1→2/3 between P 3/4 and 2/3; 2/3→1/3 and 1/3→0 at P 1.
        double expected = (1 - 2.0 / 3) * (0.75 + 2.0 / 3) / 2 + (1.0 / 3) * 1 + (1.0 / 3) * 1;
        assertEquals(expected, m.auprc(), 1e-15);
    }

    @Test
    void zeroDivisionIsZeroAsInSklearn() {
        ClassifierMetrics none = ClassifierMetrics.of(labels(0, 1), labels(0, 0), new double[] {0.9, 0.8});
        assertEquals(0.0, none.precision());
        assertEquals(0.0, none.recall());
        assertEquals(0.0, none.f1());
        ClassifierMetrics noSafe = ClassifierMetrics.of(labels(0, 0), labels(0, 0), new double[] {0.9, 0.8});
        assertEquals(0.0, noSafe.recall());
        assertTrue(Double.isNaN(noSafe.safeJudgedUnsafe().value()));
        // sklearn's figures, but not in silence: a one-class set gets a note beside them
        assertTrue(noSafe.undefinedNote().startsWith("no safe prompt in the set"), noSafe.undefinedNote());
        ClassifierMetrics noUnsafe = ClassifierMetrics.of(labels(1, 1), labels(1, 0), new double[] {0.1, 0.8});
        assertTrue(noUnsafe.undefinedNote().startsWith("no unsafe prompt in the set"), noUnsafe.undefinedNote());
        assertEquals(null, none.undefinedNote(), "both classes present");
    }

    @Test
    void matchesSklearnOnGoldenCases() throws IOException {
        JsonNode golden;
        try (InputStream in = getClass().getResourceAsStream("/golden/classifier.json")) {
            golden = new ObjectMapper().readTree(in);
        }
        int cases = 0;
        for (JsonNode c : golden.get("cases")) {
            String name = c.get("name").asText();
            int n = c.get("labels").size();
            List<Label> truth = new ArrayList<>();
            List<Label> predicted = new ArrayList<>();
            double[] score = new double[n];
            boolean[] positive = new boolean[n];
            double[] safeness = new double[n];
            for (int i = 0; i < n; i++) {
                truth.add(c.get("labels").get(i).asInt() == 1 ? Label.SAFE : Label.UNSAFE);
                predicted.add(c.get("predicted").get(i).asInt() == 1 ? Label.SAFE : Label.UNSAFE);
                score[i] = c.get("c").get(i).asDouble();
                positive[i] = truth.get(i) == Label.SAFE;
                safeness[i] = 1 - score[i];
            }
            PrecisionRecallCurve curve = PrecisionRecallCurve.of(positive, safeness);
            assertArrayEquals(doubles(c.get("curve_precision")), curve.precision(), name);
            assertArrayEquals(doubles(c.get("curve_recall")), curve.recall(), name);
            assertArrayEquals(doubles(c.get("thresholds")), curve.thresholds(), name);

            ClassifierMetrics m = ClassifierMetrics.of(truth, predicted, score);
            assertEquals(c.get("auprc").asDouble(), m.auprc(), 0.0, name + " auprc");
            assertEquals(c.get("precision").asDouble(), m.precision(), 0.0, name + " precision");
            assertEquals(c.get("recall").asDouble(), m.recall(), 0.0, name + " recall");
            assertEquals(c.get("f1").asDouble(), m.f1(), 0.0, name + " f1");
            cases++;
        }
        assertEquals(8, cases);
    }

    private static double[] doubles(JsonNode array) {
        double[] d = new double[array.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = array.get(i).asDouble();
        }
        return d;
    }
}
