package org.scans.engine.kernel;

import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes every kernel uses, fixed once per JVM: the widest the CPU offers (512 bits
 * with AVX-512, 256 with AVX2). Keeping them {@code static final} lets C2 fold them into the
 * loops.
 */
final class Vectors {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Ints of the same width as {@link #F}: one int holds two 16-bit weights. */
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize()));
    /** Shorts with as many lanes as {@link #F}, for widening 16-bit values one per float lane. */
    static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int L = F.length();
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Vectors() {}

    static {
        if (I.length() != L || S.length() != L) throw new AssertionError("vector species lane counts disagree");
    }

    /** Returns the shape in words, for logs and benchmark reports. */
    static String describe() {
        return F.vectorBitSize() + "-bit vectors (" + L + " float lanes)";
    }
}
