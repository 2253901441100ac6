package org.scans.bench.engine;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.Q8Matrix;
import org.scans.engine.tensor.WeightMatrix;

/** Off-heap matrices of random weights (N(0, 0.02)-like) for the kernel benchmarks. */
final class RandomWeights {
    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private RandomWeights() {}

    /** "4096x11008" → {4096, 11008} (rows × cols, as Hugging Face stores out × in). */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static WeightMatrix matrix(DType dt, int rows, int cols, Arena arena) {
        return matrix(dt, rows, cols, arena, 0);
    }

    /**
     * As {@link #matrix(DType, int, int, Arena)}, with the weights {@code offset} bytes past a
     * 64-byte boundary (F32, F16 and BF16; a Q8_0 matrix is always the engine's own aligned copy):
     * where a safetensors file's header leaves its tensors (56 bytes past one in the files of
     * bench/README.md), which the decode kernels read from the boundary before (RowLead).
     */
    static WeightMatrix matrix(DType dt, int rows, int cols, Arena arena, int offset) {
        long n = (long) rows * cols, bytes = WeightMatrix.sizeOf(dt, rows, cols);
        MemorySegment seg = dt == DType.Q8_0 ? arena.allocate(bytes, 64) : arena.allocate(bytes + 64, 64).asSlice(offset, bytes);
        long state = 0x9E3779B97F4A7C15L;
        switch (dt) {
            case F32, F16, BF16 -> {
                for (long i = 0; i < n; i++) {
                    state = state * 6364136223846793005L + 1442695040888963407L;
                    float v = ((state >>> 40) / (float) (1 << 24) - 0.5f) * 0.07f; // uniform, sd 0.02
                    switch (dt) {
                        case F32 -> seg.set(FLOAT, 4 * i, v);
                        case F16 -> seg.set(SHORT, 2 * i, Float.floatToFloat16(v));
                        default -> seg.set(SHORT, 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                }
            }
            case Q8_0 -> {
                // Every block's scale 0.035 / 127 (an F16 value), its quants uniform over the int8 range.
                Q8Matrix m = new Q8Matrix("bench", rows, cols, seg);
                short d16 = Float.floatToFloat16(0.035f / 127);
                for (int r = 0; r < rows; r++) {
                    for (int b = 0; b < m.blocks(); b++) {
                        m.setScale(r, b, d16);
                        long q = m.quantOffset(r, b);
                        for (int j = 0; j < Q8Matrix.BLOCK; j++) {
                            state = state * 6364136223846793005L + 1442695040888963407L;
                            seg.set(ValueLayout.JAVA_BYTE, q + j, (byte) ((state >>> 56) - 128));
                        }
                    }
                }
            }
        }
        return WeightMatrix.of("bench", dt, rows, cols, seg);
    }

    static float[] activations(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }
}
