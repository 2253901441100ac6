package org.scans.engine.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** Every parallel loop covers its range exactly once, in the chunk shapes it promises. */
class WorkerPoolTest {

    @Test
    void chunksCoverEveryIndexOnceAndShrinkToTheGrain() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int n : new int[] {1, 15, 16, 17, 63, 64, 65, 191, 192, 193, 256, 1000, 5632}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                java.util.List<int[]> chunks = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
                pool.forChunks(n, 16, (start, end, worker) -> {
                    assertTrue(start < end && end <= n, start + ".." + end);
                    assertTrue(start % 16 == 0 && ((end - start) % 16 == 0 || end == n), "whole grains: " + start + ".." + end);
                    chunks.add(new int[] {start, end});
                    for (int i = start; i < end; i++) seen.incrementAndGet(i);
                });
                for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "n=" + n + " index " + i);
                chunks.sort(java.util.Comparator.comparingInt(c -> c[0]));
                int[] first = chunks.get(0), last = chunks.get(chunks.size() - 1);
                if (n > 16) assertEquals(Math.max(16, n / 4 / 16 * 16), first[1] - first[0], "n=" + n + ": the first take is a quarter (3 threads + 1)");
                assertTrue(last[1] - last[0] <= 16, "n=" + n + ": the last chunk is one grain or less");
                for (int i = 1; i < chunks.size(); i++) {
                    int[] a = chunks.get(i - 1), b = chunks.get(i);
                    assertTrue(b[1] - b[0] <= a[1] - a[0] || b[1] == n, "n=" + n + ": chunks shrink");
                }
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
