package org.scans.engine.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.scans.engine.util.WorkerPool;

/**
 * {@code --quantize q8_0} against llama.cpp's own Q8_0 quantizer ({@code quantize_row_q8_0_ref},
 * llama.cpp v0.4.0 as node-llama-cpp 3.21.1 ships it; golden files from
 * {@code bench/q8/make-golden.py}), bit for bit: every F16 scale and every int8, over rows made to
 * hit its edges (exact halves, values one ulp either side of a half, an all-zero block, scales
 * below and inside F16's subnormals, large and constant blocks, values over many octaves).
 */
class Q8QuantizerLlamaCppTest {
    static final Path REFERENCE = Path.of("src/test/resources/reference");
    static final int COLS = 256;

    @Test
    void scalesAndQuantsAreLlamaCppsBitForBit() throws Exception {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(REFERENCE.resolve("q8_0_input.f32"))).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer golden = ByteBuffer.wrap(Files.readAllBytes(REFERENCE.resolve("q8_0_llamacpp.bin"))).order(ByteOrder.LITTLE_ENDIAN);
        int rows = in.capacity() / 4 / COLS;
        assertEquals(rows * (COLS / Q8Matrix.BLOCK) * 34, golden.capacity());
        try (Arena arena = Arena.ofShared(); WorkerPool pool = new WorkerPool(2)) {
            MemorySegment data = arena.allocate((long) rows * COLS * 4);
            MemorySegment.copy(MemorySegment.ofBuffer(in), 0, data, 0, data.byteSize());
            Q8Matrix q = Q8Quantizer.quantize(WeightMatrix.of("w", DType.F32, rows, COLS, data), arena, pool);
            int mismatches = 0;
            String first = null;
            for (int r = 0; r < rows; r++) {
                for (int b = 0; b < COLS / Q8Matrix.BLOCK; b++) {
                    int at = (r * (COLS / Q8Matrix.BLOCK) + b) * 34;
                    short d = golden.getShort(at);
                    // stored widened to float32: equal bits there are equal F16 scales
                    float ours = q.scale(r, b);
                    if (Float.floatToRawIntBits(Float.float16ToFloat(d)) != Float.floatToRawIntBits(ours)) {
                        mismatches++;
                        if (first == null) first = "row " + r + " block " + b + ": scale " + ours
                                + " against llama.cpp's " + Float.float16ToFloat(d) + " (F16 " + Integer.toHexString(d & 0xFFFF) + ")";
                    }
                    for (int j = 0; j < Q8Matrix.BLOCK; j++) {
                        byte want = golden.get(at + 2 + j);
                        byte got = q.data().get(ValueLayout.JAVA_BYTE, q.quantOffset(r, b) + j);
                        if (want != got) {
                            mismatches++;
                            if (first == null) first = "row " + r + " block " + b + " quant " + j + ": " + got + " against llama.cpp's " + want;
                        }
                    }
                }
            }
            assertEquals(0, mismatches, mismatches + " differences, the first: " + first);
        }
    }
}
