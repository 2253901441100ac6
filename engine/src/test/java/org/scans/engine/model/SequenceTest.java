package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.scans.engine.TestModels;

class SequenceTest {
    @Test
    void closeFreesTheCacheAndTheSequenceCanBeReused() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] ids = {1, 403, 407, 261, 378};
            Sequence s = m.newSequence();
            float[] first = m.prefill(s, ids);
            assertTrue(s.cache().capacity() >= ids.length);
            assertTrue(s.cache().bytes() > 0);
            s.close();
            assertEquals(0, s.length());
            assertEquals(0, s.cache().capacity());
            assertEquals(0, s.cache().bytes());
            assertArrayEquals(first, m.prefill(s, ids), TestModels.TIER_TOLERANCE);
        }
    }

    @Test
    void growingKeepsWhatWasCached() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] ids = new int[40];
            java.util.Arrays.fill(ids, 261);
            ids[0] = 1;
            Sequence whole = m.newSequence(), grown = m.newSequence();
            float[] a = m.prefill(whole, ids);
            float[] b = null;
            for (int id : ids) b = m.prefill(grown, new int[] {id}); // capacity grows 16 → 32 → 64
            assertArrayEquals(a, b, GoldenForwardTest.ORDER_TOLERANCE); // one pass against 40 single tokens
        }
    }
}
