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
            assertArrayEquals(first, m.prefill(s, ids));
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

    /**
     * A prefix copied from another sequence continues as the source itself does from the same
     * positions (the same keys and values, the same call), and like a pass over the whole
     * prompt within the summation-order tolerance; for float32 and F16 caches, across growth.
     */
    @Test
    void aCopiedPrefixContinuesAsTheSource() {
        for (var kv : new org.scans.engine.tensor.DType[] {org.scans.engine.tensor.DType.F32, org.scans.engine.tensor.DType.F16}) {
            try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults().withKvCache(kv))) {
                int[] source = new int[30], rest = {403, 407, 261, 378, 299};
                for (int i = 0; i < source.length; i++) source[i] = i == 0 ? 1 : 300 + 7 * i % 200;
                int keep = 21;
                Sequence src = m.newSequence(), copy = m.newSequence(4), whole = m.newSequence();
                m.prefill(src, source);
                copy.copyPrefix(src, keep); // grows from 4 positions
                assertEquals(keep, copy.length());
                float[] copied = m.prefill(copy, rest);
                src.truncate(keep);
                float[] own = m.prefill(src, rest);
                // The same keys and values through the same call: the same bits.
                assertArrayEquals(own, copied, kv + ": the same keys and values");
                int[] all = java.util.Arrays.copyOf(source, keep + rest.length);
                System.arraycopy(rest, 0, all, keep, rest.length);
                assertArrayEquals(m.prefill(whole, all), copied, GoldenForwardTest.ORDER_TOLERANCE, kv + ": against the whole prompt");
                for (int i = 0; i < m.config().kvDim(); i += 7) {
                    assertEquals(whole.cache().key(1, keep - 1, i), copy.cache().key(1, keep - 1, i), 1e-4f);
                }
            }
        }
    }

    @Test
    void aPrefixIsCopiedOnlyIntoAnEmptySequenceAndOnlyFromWhatTheSourceHolds() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            Sequence src = m.newSequence(), target = m.newSequence();
            m.prefill(src, new int[] {1, 403, 407});
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> target.copyPrefix(src, 4));
            assertEquals("cannot copy 4 positions of a sequence of length 3", e.getMessage());
            m.prefill(target, new int[] {1});
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> target.copyPrefix(src, 2));
            assertEquals("a prefix is copied into an empty sequence, not one of length 1", e.getMessage());
        }
    }
}
