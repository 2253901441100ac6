package org.scans.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * e^x on float vectors from IEEE-exact operations only (add, multiply, FMA, integer shifts).
 *
 * <p>Why not {@code lanewise(EXP)}: HotSpot computes that with one algorithm when the code is
 * interpreted and another (SVML) once C2 has compiled it, and the two differ in the last bit.
 * The same forward pass then gives slightly different logits before and after warm-up, which
 * breaks the engine's promise that a run is reproducible bit for bit (a resumed run, or a
 * prompt processed first or last, must give the same tokens). Every operation used here is
 * exactly rounded, so every execution mode gives the same result.
 *
 * <p>Method (Cephes' expf): x = n·ln2 + r with n = round(x/ln2) and |r| ≤ ln2/2, e^r by a
 * degree-7 polynomial, 2^n built in the exponent bits. Error ≤ 2 ulp for −87.34 ≤ x ≤ 88;
 * below −87.34 the result is 0, above 88.72 it is +∞, and in between it stays at e^88 (the
 * forward pass only feeds it x ≤ 0 from softmax and −x from silu, where either is harmless).
 */
final class Exp {
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds to the nearest integer, which lands in the low mantissa bits. */
    private static final float ROUND = 12582912f;
    private static final float MIN = -87.33654f;
    private static final float MAX = 88.72283f;

    private Exp() {}

    /** {@code v} in every lane, of the engine's species (every caller's). */
    private static FloatVector k(float v) {
        return FloatVector.broadcast(Vectors.F, v);
    }

    static FloatVector exp(FloatVector x) {
        FloatVector c = x.max(MIN).min(88.0f);
        FloatVector t = c.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        FloatVector r = n.fma(k(-LN2_HI), c);
        r = n.fma(k(-LN2_LO), r);
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
        p = p.fma(r, k(8.3334519073e-3f));
        p = p.fma(r, k(4.1665795894e-2f));
        p = p.fma(r, k(1.6666665459e-1f));
        p = p.fma(r, k(5.0000001201e-1f));
        p = p.mul(r.mul(r)).add(r).add(1f);
        // n sits in the low bits of t; 2^n = (n + 127) << 23.
        IntVector ni = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND));
        FloatVector scale = ni.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector y = p.mul(scale);
        y = y.blend(0f, x.compare(VectorOperators.LT, MIN));
        return y.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, MAX));
    }
}
