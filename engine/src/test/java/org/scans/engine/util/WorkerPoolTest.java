package org.scans.engine.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every parallel loop covers its range exactly once, in the chunk shapes it promises. */
class WorkerPoolTest {

    @Test
    void chunksCoverEveryIndexOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[] {1, 63, 64, 65, 191, 192, 193, 256, 1000, 5632}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                pool.forChunks(n, 64, (start, end, worker) -> {
                    assertTrue(start < end && end <= n, start + ".." + end);
                    assertTrue(start % 64 == 0 && (end - start == 64 || end == n), "whole chunks: " + start + ".." + end);
                    for (int i = start; i < end; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "n=" + n + " index " + i);
            }
        }
    }

    @Test
    void rangesAreWholeGrainsAndFailuresReachTheCaller() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray seen = new AtomicIntegerArray(100);
            pool.forRange(100, 8, (start, end, worker) -> {
                assertTrue(start % 8 == 0);
                for (int i = start; i < end; i++) seen.incrementAndGet(i);
            });
            for (int i = 0; i < 100; i++) assertEquals(1, seen.get(i));
            assertThrows(IllegalStateException.class, () -> pool.forRange(100, (s, e, w) -> {
                if (w == 1) throw new IllegalStateException("worker failed");
            }));
        }
    }
}
