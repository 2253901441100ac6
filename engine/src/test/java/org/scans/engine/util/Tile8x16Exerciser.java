package org.scans.engine.util;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.scans.engine.kernel.BF16Kernels;
import org.scans.engine.kernel.F16Fixups;
import org.scans.engine.kernel.F16Kernels;
import org.scans.engine.kernel.PairPanel;
import org.scans.engine.kernel.Q8Kernels;
import org.scans.engine.kernel.TokenPanels;
import org.scans.engine.tensor.Q8Matrix;

/**
 * Run in a JVM of its own by {@link JitDirectivesTest}: installs the engine's compiler directives
 * as the engine does, then calls the batched-decoding kernels (BF16, F16 and Q8_0) until C2 has had
 * ample reason to compile them (or 20 s have passed), so that {@code -XX:+PrintCompilation} shows
 * every tier the kernels went through. Or the exact F16 decode kernel alone, whose widenings the
 * directives have C2 inline.
 */
public final class Tile8x16Exerciser {
    private Tile8x16Exerciser() {}

    /** With the argument {@code exact-f16}, only {@code F16Kernels.matvec}, the exact decode kernel. */
    public static void main(String[] args) {
        final boolean exactF16 = args.length > 0 && args[0].equals("exact-f16");
        JitDirectives.start();
        if (!JitDirectives.await()) throw new IllegalStateException("directives refused");
        int rows = 8, cols = 256;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate((long) rows * cols * 2, 64);
            for (int i = 0; i < rows * cols; i++) w.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) 0x3F80); // 1.0
            float[] x = new float[TokenPanels.PAIR_TOKENS * cols];
            java.util.Arrays.fill(x, 0.5f);
            float[] out = new float[TokenPanels.PAIR_TOKENS * rows];
            float[] tile = new float[TokenPanels.ROWS * TokenPanels.WIDTH];
            MemorySegment xq = new PairPanel().pack(x, 0, TokenPanels.PAIR_TOKENS, cols);
            // A Q8_0 group of the same shape: scales 1.0, quants 1.
            Q8Matrix m = new Q8Matrix("exercised", rows, cols, arena.allocate(Q8Matrix.bytesFor(rows, cols), 64));
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < m.blocks(); b++) {
                    m.setScale(r, b, Float.floatToFloat16(1f));
                    m.data().asSlice(m.quantOffset(r, b), Q8Matrix.BLOCK).fill((byte) 1);
                }
            }
            float[] qout = new float[out.length];
            // F16 weights of 1.0 (0x3C00) against the same activations.
            MemorySegment h = arena.allocate((long) rows * cols * 2, 64);
            for (int i = 0; i < rows * cols; i++) h.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) 0x3C00);
            F16Fixups fix = F16Fixups.scan(h, rows, cols);
            float[] hout = new float[out.length], mout = new float[rows];
            long[] pairDeq = Q8Kernels.newPairScratch();
            long end = System.nanoTime() + 20_000_000_000L;
            for (int call = 0; call < 20_000 && System.nanoTime() < end; call++) {
                if (exactF16) F16Kernels.matvec(h, cols, 0, rows, x, 0, mout, 0);
                else {
                    BF16Kernels.gemmPairs(w, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, out, rows, tile);
                    Q8Kernels.gemmPairs(m, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, qout, rows, tile, pairDeq);
                    F16Kernels.gemmPairs(h, fix, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, hout, rows, tile);
                }
            }
            // 256 columns of 1.0 against activations of 0.5: every output is 128.
            if (exactF16 ? mout[rows - 1] != 128f : out[0] != 128f || qout[0] != 128f || hout[0] != 128f) {
                throw new IllegalStateException("wrong products " + out[0] + ", " + qout[0] + ", " + hout[0] + ", " + mout[rows - 1]);
            }
        }
        System.out.println("exercised");
    }
}
