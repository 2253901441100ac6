package org.scans.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class ExpTest {
    static float[] lanes(float v) {
        float[] a = new float[Vectors.L];
        java.util.Arrays.fill(a, v);
        return a;
    }

    @Test
    void withinTwoUlpOfMathExp() {
        Random r = new Random(1);
        float[] x = new float[Vectors.L];
        for (int it = 0; it < 20000; it++) {
            for (int j = 0; j < x.length; j++) x[j] = -87f + 175f * r.nextFloat();
            float[] y = Exp.exp(FloatVector.fromArray(Vectors.F, x, 0)).toArray();
            for (int j = 0; j < x.length; j++) {
                if (x[j] > 88f) continue;
                double e = Math.exp(x[j]);
                assertTrue(Math.abs(y[j] - e) <= 2 * Math.ulp((float) e), "exp(" + x[j] + ") = " + y[j] + ", expected " + e);
            }
        }
    }

    @Test
    void edges() {
        assertEquals(1f, Exp.exp(FloatVector.fromArray(Vectors.F, lanes(0f), 0)).lane(0));
        assertEquals(0f, Exp.exp(FloatVector.fromArray(Vectors.F, lanes(-200f), 0)).lane(0));
        assertEquals(0f, Exp.exp(FloatVector.fromArray(Vectors.F, lanes(Float.NEGATIVE_INFINITY), 0)).lane(0));
        assertEquals(Float.POSITIVE_INFINITY, Exp.exp(FloatVector.fromArray(Vectors.F, lanes(100f), 0)).lane(0));
        assertTrue(Float.isNaN(Exp.exp(FloatVector.fromArray(Vectors.F, lanes(Float.NaN), 0)).lane(0)));
    }

    @Test
    void sameBitsBeforeAndAfterTheJitCompilesIt() {
        // The first calls run interpreted; after many calls C2 has compiled the method. A
        // library exp would change its last bits here (see the class comment).
        float[] x = new float[Vectors.L];
        for (int j = 0; j < x.length; j++) x[j] = -3.7f + 0.37f * j;
        float[] first = Exp.exp(FloatVector.fromArray(Vectors.F, x, 0)).toArray();
        float[] y = null;
        for (int i = 0; i < 300_000; i++) y = Exp.exp(FloatVector.fromArray(Vectors.F, x, 0)).toArray();
        for (int j = 0; j < x.length; j++) assertEquals(Float.floatToRawIntBits(first[j]), Float.floatToRawIntBits(y[j]));
    }
}
