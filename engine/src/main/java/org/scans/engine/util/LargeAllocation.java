package org.scans.engine.util;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Large off-heap buffers that are written once and then streamed, such as the Q8_0 copy of a
 * model's weights. {@link Arena#allocate} zeroes its memory on the calling thread before handing
 * it out, and on this project's VM that first touch of fresh pages cost 4 of the 7 seconds it took
 * to quantize a 1.1B model. On Linux the buffer is instead an anonymous {@code mmap}, which the
 * kernel zeroes lazily, page by page, on whichever thread writes it first (the quantizer's
 * workers, in parallel), and which is marked {@code MADV_HUGEPAGE}: where transparent huge pages
 * are enabled for madvised memory, it then maps with 2 MiB pages, fewer faults to fill it and fewer
 * TLB misses to stream it. Elsewhere, or if {@code mmap} fails, it falls back to the arena.
 */
public final class LargeAllocation {
    private static final int PROT_READ = 1, PROT_WRITE = 2, MAP_PRIVATE = 2, MAP_ANONYMOUS = 0x20, MADV_HUGEPAGE = 14;
    private static final Optional<Calls> CALLS = Calls.find();

    private LargeAllocation() {}

    /** A huge page (x86-64, and the common size elsewhere). */
    static final long HUGE_PAGE = 2L << 20;

    /**
     * A zeroed, 4096-byte-aligned buffer of {@code bytes} that lives as long as {@code arena}
     * (unmapped when it closes). From {@code mmap}, a buffer of a huge page or more starts on a
     * huge-page boundary: the kernel backs a madvised range with 2 MiB pages only where a whole
     * aligned 2 MiB fits in it, and a Q8_0 copy mapped wherever {@code mmap} put it left a fifth of
     * the 1.1B model's copy in 4 KiB pages.
     */
    public static MemorySegment allocate(long bytes, Arena arena) {
        if (bytes > 0 && CALLS.isPresent()) {
            Calls c = CALLS.get();
            try {
                long slack = bytes >= HUGE_PAGE ? HUGE_PAGE : 0;
                MemorySegment raw = (MemorySegment) c.mmap.invokeExact(MemorySegment.NULL, bytes + slack, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0L);
                if (raw.address() != -1L) {
                    long head = slack == 0 ? 0 : (HUGE_PAGE - raw.address() % HUGE_PAGE) % HUGE_PAGE;
                    MemorySegment at = MemorySegment.ofAddress(raw.address() + head);
                    // Give back the slack on either side of the aligned range.
                    if (head > 0) unmap(c, raw, head);
                    long end = raw.address() + bytes + slack, tail = (at.address() + bytes + 4095) & ~4095L;
                    if (end > tail) unmap(c, MemorySegment.ofAddress(tail), end - tail);
                    int ignored = (int) c.madvise.invokeExact(at, bytes, MADV_HUGEPAGE); // advice only
                    return at.reinterpret(bytes, arena, segment -> release(segment, bytes));
                }
            } catch (Throwable t) {
                // fall through to the arena
            }
        }
        return arena.allocate(bytes, 4096);
    }

    /** {@code munmap}'s result: 0, or -1 with errno set. */
    private static int unmap(Calls c, MemorySegment at, long bytes) throws Throwable {
        return (int) c.munmap.invokeExact(at, bytes);
    }

    /**
     * Unmaps a buffer when its arena closes, and says so if that fails (the slack trimmed in
     * {@link #allocate} is only given back on a best-effort basis: keeping it costs nothing but
     * address space).
     */
    static void release(MemorySegment at, long bytes) {
        int rc;
        Throwable cause = null;
        try {
            rc = unmap(CALLS.orElseThrow(), at, bytes);
        } catch (Throwable t) {
            rc = -1;
            cause = t;
        }
        if (rc != 0) throw new IllegalStateException("munmap of " + bytes + " bytes at 0x" + Long.toHexString(at.address()) + " failed", cause);
    }

    /** Whether buffers come from {@code mmap} (false: from the arena). */
    public static boolean mapped() {
        return CALLS.isPresent();
    }

    private record Calls(MethodHandle mmap, MethodHandle madvise, MethodHandle munmap) {
        static Optional<Calls> find() {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return Optional.empty();
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                var address = ValueLayout.ADDRESS;
                MethodHandle mmap = linker.downcallHandle(lookup.find("mmap").orElseThrow(), FunctionDescriptor.of(address, address,
                        ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                MethodHandle madvise = linker.downcallHandle(lookup.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, address, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                MethodHandle munmap = linker.downcallHandle(lookup.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, address, ValueLayout.JAVA_LONG));
                return Optional.of(new Calls(mmap, madvise, munmap));
            } catch (RuntimeException | LinkageError e) {
                return Optional.empty();
            }
        }
    }
}
