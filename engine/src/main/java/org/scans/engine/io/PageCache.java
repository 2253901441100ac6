package org.scans.engine.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * Puts files back into the page cache the way a sequential read from disk leaves them. A file
 * that was just written or copied in sits in small (4 KiB) folios, and a decode step reading its
 * weights through small pages ran at half the rate of the same file in 2 MiB folios
 * (bench/README.md, "Page cache"). Dropping a file from the cache and reading it back in large
 * sequential reads lets readahead fill it with large folios, on file systems that have them
 * (ext4 and XFS on recent Linux). Linux only: it needs {@code posix_fadvise}.
 */
public final class PageCache {
    /** Bytes per read: large enough for readahead to grow its window to 2 MiB folios. */
    private static final int READ_BYTES = 8 << 20;
    private static final int O_RDONLY = 0;
    private static final int POSIX_FADV_DONTNEED = 4;
    private static final Optional<Calls> CALLS = Calls.find();
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout().varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private PageCache() {}

    /**
     * What a refill did.
     *
     * @param bytes bytes read back (the files' total size)
     * @param seconds wall time of the drop and the read
     */
    public record Refill(long bytes, double seconds) {
        public double gigabytesPerSecond() {
            return seconds > 0 ? bytes / seconds / 1e9 : 0;
        }
    }

    /** Whether {@link #refill} can run here. */
    public static boolean supported() {
        return CALLS.isPresent();
    }

    /**
     * Writes back any dirty pages of each file, drops its cached pages, then reads it start to end.
     * Pages that some process has mapped stay cached as they are (the kernel does not drop mapped
     * pages), so call this before mapping the files. The files' contents are untouched.
     *
     * @throws IOException if a file cannot be opened or read, or the kernel refuses the advice
     * @throws UnsupportedOperationException where {@link #supported()} is false
     */
    public static Refill refill(List<Path> files) throws IOException {
        Calls calls = CALLS.orElseThrow(() -> new UnsupportedOperationException("dropping files from the page cache needs Linux (posix_fadvise)"));
        for (Path f : files) FileChannel.open(f, StandardOpenOption.READ).close(); // every file readable before any is dropped
        long start = System.nanoTime(), bytes = 0;
        for (Path f : files) calls.drop(f);
        ByteBuffer buffer = ByteBuffer.allocateDirect(READ_BYTES);
        for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                for (int n; (n = ch.read(buffer.clear())) >= 0; ) bytes += n;
            }
        }
        return new Refill(bytes, (System.nanoTime() - start) * 1e-9);
    }

    private record Calls(MethodHandle open, MethodHandle fdatasync, MethodHandle fadvise, MethodHandle close) {
        static Optional<Calls> find() {
            if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) return Optional.empty();
            try {
                Linker linker = Linker.nativeLinker();
                var lookup = linker.defaultLookup();
                var i32 = ValueLayout.JAVA_INT;
                // open(2) is variadic; called with no mode argument, as for O_RDONLY.
                MethodHandle open = linker.downcallHandle(lookup.find("open").orElseThrow(),
                        FunctionDescriptor.of(i32, ValueLayout.ADDRESS, i32), Linker.Option.captureCallState("errno"));
                MethodHandle fdatasync = linker.downcallHandle(lookup.find("fdatasync").orElseThrow(), FunctionDescriptor.of(i32, i32));
                MethodHandle fadvise = linker.downcallHandle(lookup.find("posix_fadvise").orElseThrow(),
                        FunctionDescriptor.of(i32, i32, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, i32));
                MethodHandle close = linker.downcallHandle(lookup.find("close").orElseThrow(), FunctionDescriptor.of(i32, i32));
                return Optional.of(new Calls(open, fdatasync, fadvise, close));
            } catch (RuntimeException | LinkageError e) {
                return Optional.empty();
            }
        }

        /** fdatasync (dirty pages are not dropped), then POSIX_FADV_DONTNEED over the whole file. */
        void drop(Path file) throws IOException {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment state = arena.allocate(Linker.Option.captureStateLayout());
                int fd = (int) open.invokeExact(state, arena.allocateFrom(file.toString()), O_RDONLY);
                if (fd < 0) throw new IOException(file + ": cannot open (errno " + (int) ERRNO.get(state, 0L) + ")");
                try {
                    int ignored = (int) fdatasync.invokeExact(fd); // a read-only file system refuses it, and has nothing dirty
                    int rc = (int) fadvise.invokeExact(fd, 0L, 0L, POSIX_FADV_DONTNEED);
                    if (rc != 0) throw new IOException(file + ": posix_fadvise refused (error " + rc + ")");
                } finally {
                    int ignored = (int) close.invokeExact(fd);
                }
            } catch (IOException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
