package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden values printed by CPython 3.11.2 (Debian's {@code /usr/bin/python3}): for each seed,
 * {@code r = random.Random(seed)}, then three {@code r.getrandbits(32)}, five
 * {@code r.randint(0, 1024)}, three {@code r.randint(0, 44)}, two {@code r.randint(0, 0)} and one
 * {@code r.randint(0, 2**31 - 2)}, in that order on one generator.
 */
class PythonRandomTest {
    private static void check(long seed, long[] bits, int[] r1024, int[] r44, int big) {
        PythonRandom r = new PythonRandom(seed);
        for (long b : bits) assertEquals(b, r.bits(32), "seed " + seed);
        for (int v : r1024) assertEquals(v, r.randint(0, 1024), "seed " + seed);
        for (int v : r44) assertEquals(v, r.randint(0, 44), "seed " + seed);
        assertEquals(0, r.randint(0, 0));
        assertEquals(0, r.randint(0, 0));
        assertEquals(big, r.randint(0, Integer.MAX_VALUE - 1), "seed " + seed);
    }

    @Test
    void matchesCPythonForSmallLargeAndNegativeSeeds() {
        check(0, new long[] {3626764237L, 1654615998L, 3255389356L}, new int[] {861, 82, 530, 995, 829}, new int[] {19, 30, 22}, 605242169);
        check(5, new long[] {2675342405L, 1097127993L, 3185950873L}, new int[] {734, 59, 953, 510, 106}, new int[] {10, 7, 23}, 817671399);
        // 2**40 + 3: two key words
        check(1099511627779L, new long[] {943978446L, 261273136L, 2359950418L}, new int[] {193, 622, 872, 479, 965}, new int[] {35, 35, 21},
                1910653582);
        check(-7, new long[] {1390851128L, 4071050724L, 647892279L}, new int[] {808, 98, 148, 192, 748}, new int[] {37, 3, 32}, 184570285);
    }

    @Test
    void manyDrawsCrossTheStateRefill() {
        // CPython: r = random.Random(0); [r.getrandbits(32) for _ in range(1250)][-3:]
        PythonRandom r = new PythonRandom(0);
        List<Long> all = new ArrayList<>();
        for (int i = 0; i < 1250; i++) all.add(r.bits(32));
        assertEquals(List.of(577331751L, 2465233080L, 2246525520L), all.subList(1247, 1250));
    }

    @Test
    void anEmptyRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PythonRandom(0).randint(3, 2));
    }
}
