package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.engine.model.LlamaConfig;
import org.scans.engine.tensor.DType;

/**
 * {@code run}'s default batch on the machines it was measured on: what fits beside the weights,
 * rounded to the kernels' widths (16 or 32 sequences).
 */
class DefaultBatchTest {
    static final LlamaConfig LLAMA2_7B = new LlamaConfig(4096, 11008, 32, 32, 32, 128, 32000, 4096, 1e-5f, 10000, 1, false, 1,
            List.of(2), "float16");
    static final LlamaConfig STORIES260K = new LlamaConfig(64, 172, 5, 8, 4, 8, 512, 512, 1e-5f, 10000, 1, true, 1, List.of(2), "float32");
    static final long GB = 1_000_000_000L;
    static final long SEVEN_B_BYTES = 13_477 * 1_000_000L;

    @Test
    void aSevenBillionModelOnThe24GbMachine() {
        long ram = 24_600 * 1_000_000L;
        // 256 new tokens: caches of at most 192 + 256 positions, 470 MB each as float32, 235 MB as F16.
        assertEquals(16, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, ram));
        assertEquals(32, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F16, 256, ram));
        // Longer answers: 792-position caches; 21 of them would fit as F16, which runs no faster than 16.
        assertEquals(10, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 600, ram));
        assertEquals(16, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F16, 600, ram));
    }

    @Test
    void moreMemoryLetsFloat32CachesReach32() {
        assertEquals(32, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, 64 * GB));
    }

    @Test
    void aBatchGivenByHandIsCheckedAgainstTheSameMemory() {
        long ram = 24_600 * 1_000_000L;
        assertNull(Runner.checkBatch(16, LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, ram));
        assertNull(Runner.checkBatch(32, LLAMA2_7B, SEVEN_B_BYTES, DType.F16, 256, ram));
        assertNull(Runner.checkBatch(19, LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, ram));
        // 20 float32 caches fit in the RAM, but not with the 2 GB the default keeps spare.
        assertEquals("--batch 20: 20 KV caches of up to 470 MB each (f32) need 9.4 GB beside 13.5 GB of weights, "
                + "and this machine has 24.6 GB, leaving under 2 GB for the rest: it may swap; --batch 16 fits, "
                + "and --kv-cache f16 halves the caches", Runner.checkBatch(20, LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, ram));
        var e = assertThrows(IllegalArgumentException.class, () -> Runner.checkBatch(32, LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, ram));
        assertEquals("--batch 32: 32 KV caches of up to 470 MB each (f32) need 15.0 GB beside 13.5 GB of weights, "
                + "and this machine has 24.6 GB; --batch 16 fits, and --kv-cache f16 halves the caches", e.getMessage());
        var f = assertThrows(IllegalArgumentException.class, () -> Runner.checkBatch(64, LLAMA2_7B, SEVEN_B_BYTES, DType.F16, 256, ram));
        assertEquals("--batch 64: 64 KV caches of up to 235 MB each (f16) need 15.0 GB beside 13.5 GB of weights, "
                + "and this machine has 24.6 GB; --batch 32 fits", f.getMessage());
        assertNull(Runner.checkBatch(1000, STORIES260K, 1_000_000, DType.F32, 256, ram));
    }

    @Test
    void smallModelsStayAt16AndTightMemoryAtOne() {
        assertEquals(16, Runner.defaultBatch(STORIES260K, 1_000_000, DType.F32, 256, 24 * GB));
        assertEquals(1, Runner.defaultBatch(LLAMA2_7B, SEVEN_B_BYTES, DType.F32, 256, 14 * GB));
    }
}
