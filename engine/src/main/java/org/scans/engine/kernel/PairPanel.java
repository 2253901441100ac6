package org.scans.engine.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One thread's {@link TokenPanels#packPairs} block of activations, the operand every paired
 * microkernel ({@code gemmPairs}, {@code gemmPairs32}) reads, in native memory aligned to 64 bytes.
 *
 * <p>Why native: a {@code float[]}'s data starts 16 bytes into the array object, at an address
 * Java neither shows nor lets us choose, so in most JVMs each 64-byte activation load of those
 * kernels straddled two cache lines. Aligned, the BF16 prefill (whose 32-token tile loads an
 * activation vector every four FMAs) ran 22–44% faster at one thread and 20–30% at two, the F16
 * prefill 17–22% at one (bench/README.md, round 30). A full block of 16 tokens with 16 lanes is
 * shuffled straight into it ({@link TokenPanels#packPairs16}). Any other block is scattered token
 * by token, and the Vector API scatters only into arrays, so it is packed on the heap and then
 * copied across in one bulk move.
 */
public final class PairPanel {
    /** One cache line. */
    private static final long ALIGNMENT = 64;

    private float[] staging = new float[0];
    private MemorySegment packed = MemorySegment.NULL;

    /** The block last packed; kernels read it from byte 0. */
    public MemorySegment packed() {
        return packed;
    }

    /**
     * Packs tokens {@code [t0, t0 + nt)} of {@code x} ({@code [n][cols]}, {@code nt ≤}
     * {@link TokenPanels#PAIR_TOKENS}) and returns the packed block.
     */
    public MemorySegment pack(float[] x, int t0, int nt, int cols) {
        int floats = ensure(cols);
        if (Vectors.LANES16 && nt == TokenPanels.PAIR_TOKENS) {
            TokenPanels.packPairs16(x, t0, cols, packed);
            return packed;
        }
        // The heap block only scattered blocks need, grown here so that a panel that only ever
        // takes full 16-token blocks holds none.
        if (staging.length < floats) staging = new float[floats];
        TokenPanels.packPairs(x, t0, nt, cols, staging);
        MemorySegment.copy(staging, 0, packed, ValueLayout.JAVA_FLOAT, 0, floats);
        return packed;
    }

    /**
     * Packs the 16 tokens {@code [t0, t0 + 16)} of {@code x} ({@code [n][cols]}) as
     * {@link TokenPanels#packQuads16} lays them out (for the {@code gemmQuads} kernels; 16 lanes
     * only) and returns the packed block.
     */
    public MemorySegment packQuads(float[] x, int t0, int cols) {
        ensure(cols);
        TokenPanels.packQuads16(x, t0, cols, packed);
        return packed;
    }

    /** Room in the panel for a block of {@code cols} columns; returns its floats. */
    private int ensure(int cols) {
        int floats = TokenPanels.pairBlockSize(cols);
        if (packed.byteSize() < 4L * floats) {
            // Arena.ofAuto: freed with the panel, as a float[] would be.
            packed = Arena.ofAuto().allocate(4L * floats, ALIGNMENT);
        }
        return floats;
    }
}
