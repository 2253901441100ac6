package org.scans.engine.util;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.scans.engine.kernel.BF16Kernels;
import org.scans.engine.kernel.TokenPanels;

/**
 * Run in a JVM of its own by {@link JitDirectivesTest}: installs the engine's compiler directives
 * as the engine does, then calls the batched-decoding kernel until C2 has had ample reason to
 * compile it (or 20 s have passed), so that {@code -XX:+PrintCompilation} shows every tier the
 * kernel went through.
 */
public final class Tile8x16Exerciser {
    private Tile8x16Exerciser() {}

    public static void main(String[] args) {
        JitDirectives.start();
        if (!JitDirectives.await()) throw new IllegalStateException("directives refused");
        int rows = 8, cols = 256;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate((long) rows * cols * 2, 64);
            for (int i = 0; i < rows * cols; i++) w.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) 0x3F80); // 1.0
            float[] x = new float[TokenPanels.PAIR_TOKENS * cols];
            java.util.Arrays.fill(x, 0.5f);
            float[] xq = new float[TokenPanels.blockSize(cols)], out = new float[TokenPanels.PAIR_TOKENS * rows];
            float[] tile = new float[TokenPanels.ROWS * TokenPanels.WIDTH];
            TokenPanels.packPairs(x, 0, TokenPanels.PAIR_TOKENS, cols, xq);
            long end = System.nanoTime() + 20_000_000_000L;
            for (int call = 0; call < 20_000 && System.nanoTime() < end; call++) {
                BF16Kernels.gemmPairs(w, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, out, rows, tile);
            }
            // 256 columns of 1.0 against activations of 0.5: every output is 128.
            if (out[0] != 128f) throw new IllegalStateException("wrong product " + out[0]);
        }
        System.out.println("exercised");
    }
}
