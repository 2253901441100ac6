package org.scans.engine.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;
import org.scans.engine.backend.CpuBackend;

/**
 * The plain read that {@code bench} states the decode against starts its vector loads on a vector
 * boundary, wherever its bytes start, and reads every byte once.
 *
 * <p>How it can be seen from outside: every byte is 0x01. Read byte by byte (before the first
 * boundary, and the tail), each counts 1; read inside a float vector, four of them make the float
 * 0x01010101 = 2.4·10^-38, lost next to any whole count. So the sum is the number of bytes read
 * one by one, which is what the boundaries decide.
 */
class PlainReadTest {
    private static MemorySegment ones(Arena arena, long bytes) {
        MemorySegment s = arena.allocate(bytes + 4 * Vectors.VBYTES, Vectors.VBYTES);
        s.fill((byte) 1);
        return s;
    }

    /** The bytes a read of {@code len} bytes from {@code address} takes one by one. */
    private static long byteWise(long address, long len) {
        long head = Math.min(len, Math.floorMod(-address, Vectors.VBYTES));
        return head + (len - head) % Vectors.VBYTES;
    }

    /** The sum is the count of bytes read one by one; where there are none, the vectors' tiny floats alone. */
    private static void assertCounts(long byteWise, float sum, String what) {
        if (byteWise > 0) assertEquals(byteWise, sum, what);
        else assertEquals(0, sum, 1e-30, what + ": all in vectors");
    }

    @Test
    void readStartsOnAVectorBoundaryFromAnyOffset() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = ones(arena, 8192);
            for (long off = 0; off <= 2 * Vectors.VBYTES; off++) {
                for (long len : new long[] {0, 1, Vectors.VBYTES - 1, 4 * Vectors.VBYTES, 1000, 4096 + 37}) {
                    assertCounts(byteWise(s.address() + off, len), VectorOps.read(s, off, len), "offset " + off + ", " + len + " bytes");
                }
            }
        }
    }

    /**
     * Split between threads in chunks, the read of a segment that starts between two boundaries
     * takes bytes one by one only before its first boundary and after its last whole vector: each
     * chunk after the first starts on a boundary.
     */
    @Test
    void readAllSplitsAtVectorBoundaries() {
        try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2, 0)) {
            MemorySegment base = ones(arena, 3 << 17);
            for (long skew : new long[] {0, 8, 48, 56, Vectors.VBYTES - 2}) {
                for (long size : new long[] {100, 3 << 16, (3 << 16) + 13, (3 << 17) - 200}) {
                    MemorySegment seg = base.asSlice(skew, size);
                    for (CpuBackend b : new CpuBackend[] {one, two}) {
                        assertCounts(2 * byteWise(seg.address(), size), b.readAll(java.util.List.of(seg, seg)),
                                "skew " + skew + ", " + size + " bytes, " + b.threads() + " threads");
                    }
                }
            }
        }
    }
}
