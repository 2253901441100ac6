package org.scans.engine.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** A large buffer is zeroed, page-aligned, writable, and gone with its arena. */
class LargeAllocationTest {

    @Test
    void bufferIsZeroedWritableAndLivesAsLongAsItsArena() {
        long bytes = (3L << 20) + 123; // not a whole number of pages
        MemorySegment seg;
        try (Arena arena = Arena.ofShared()) {
            seg = LargeAllocation.allocate(bytes, arena);
            assertEquals(bytes, seg.byteSize());
            assertEquals(0, seg.address() % 4096, "page-aligned");
            for (long o = 0; o < bytes; o += 4093) assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, o), "zero at " + o);
            assertEquals(0, seg.get(ValueLayout.JAVA_BYTE, bytes - 1));
            seg.set(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8, -1L);
            assertEquals(-1L, seg.get(ValueLayout.JAVA_LONG_UNALIGNED, bytes - 8));
        }
        MemorySegment closed = seg;
        assertThrows(IllegalStateException.class, () -> closed.get(ValueLayout.JAVA_BYTE, 0));
        if (System.getProperty("os.name").toLowerCase().contains("linux")) assertTrue(LargeAllocation.mapped(), "Linux maps anonymous memory");
    }

    /** A mapped buffer of a huge page or more starts on a huge-page boundary, so that 2 MiB pages can back it. */
    @Test
    void largeMappedBuffersStartOnAHugePage() {
        try (Arena arena = Arena.ofShared()) {
            for (long bytes : new long[] {LargeAllocation.HUGE_PAGE, (5L << 20) + 4097, 1L << 20}) {
                MemorySegment seg = LargeAllocation.allocate(bytes, arena);
                seg.set(ValueLayout.JAVA_BYTE, bytes - 1, (byte) 7);
                long align = bytes >= LargeAllocation.HUGE_PAGE && LargeAllocation.mapped() ? LargeAllocation.HUGE_PAGE : 4096;
                assertEquals(0, seg.address() % align, bytes + " bytes at " + Long.toHexString(seg.address()));
            }
        }
    }

    /** A failed unmap at close is reported, not dropped: munmap refuses an address off a page boundary. */
    @Test
    void aFailedUnmapIsReported() {
        Assumptions.assumeTrue(LargeAllocation.mapped(), "buffers come from mmap only on Linux");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LargeAllocation.release(MemorySegment.ofAddress(4097), 4096));
        assertTrue(e.getMessage().contains("munmap of 4096 bytes at 0x1001 failed"), e.getMessage());
    }
}
