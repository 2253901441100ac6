package org.scans.engine.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One thread's packed block of activations, the operand of the panel kernels ({@code gemm},
 * {@code gemmPairs}, {@code gemmPairs32} of every weight type), in native memory aligned to 64
 * bytes.
 *
 * <p>Why native: a {@code float[]}'s data starts 16 bytes into the array object, at an address
 * Java neither shows nor lets us choose, so in most JVMs each 64-byte activation load of those
 * kernels straddled two cache lines. Aligned, the BF16 prefill ran 22–44% faster at one thread
 * and 20–30% at two (bench/README.md, round 30). The packings scatter or transpose, which the
 * Vector API does only into arrays, so a block is packed on the heap and then copied across in
 * one bulk move: 128 KB for 16 tokens of 2048 columns, a few microseconds against the
 * milliseconds of the products that read it.
 */
public final class AlignedPanel {
    /** One cache line. */
    private static final long ALIGNMENT = 64;

    private float[] staging = new float[0];
    private MemorySegment packed = MemorySegment.NULL;

    /** The block last packed, from byte 0. */
    public MemorySegment packed() {
        return packed;
    }

    /**
     * Tokens {@code [t0, t0 + nt)} of {@code x} ({@code [n][cols]}, {@code nt ≤}
     * {@link TokenPanels#PAIR_TOKENS}) packed by {@link TokenPanels#packPairs}: the operand of
     * the {@code gemmPairs} kernels.
     */
    public MemorySegment packPairs(float[] x, int t0, int nt, int cols) {
        int floats = TokenPanels.pairBlockSize(cols);
        TokenPanels.packPairs(x, t0, nt, cols, stagingFor(floats));
        return publish(floats);
    }

    /**
     * Tokens {@code [t0, t0 + nt)} of {@code x} ({@code nt ≤} {@link TokenPanels#WIDTH}) packed
     * by {@link TokenPanels#packBlock}: the operand of the {@code gemm} kernels.
     */
    public MemorySegment packBlock(float[] x, int t0, int nt, int cols) {
        int floats = TokenPanels.blockSize(cols);
        TokenPanels.packBlock(x, t0, nt, cols, stagingFor(floats));
        return publish(floats);
    }

    private float[] stagingFor(int floats) {
        if (staging.length < floats) {
            staging = new float[floats];
            // Arena.ofAuto: freed with the panel, as the float[] it replaces would be.
            packed = Arena.ofAuto().allocate(4L * floats, ALIGNMENT);
        }
        return staging;
    }

    private MemorySegment publish(int floats) {
        MemorySegment.copy(staging, 0, packed, ValueLayout.JAVA_FLOAT, 0, floats);
        return packed;
    }
}
