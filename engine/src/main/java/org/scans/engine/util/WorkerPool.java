package org.scans.engine.util;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's dedicated thread pool. A forward pass hands it hundreds of short parallel loops per
 * token (one per matmul), so dispatch must cost microseconds: workers spin briefly on a generation
 * counter before parking, and the calling thread takes the first chunk itself. Work is split into
 * contiguous ranges, one per thread, which keeps each thread on its own rows of a weight matrix.
 * Not reentrant: one {@link #forRange} at a time, from one caller thread.
 */
public final class WorkerPool implements AutoCloseable {

    /** The body of a parallel loop over {@code [start, end)}; {@code worker} is 0 … threads−1. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end, int worker);
    }

    private static final int SPIN_ITERATIONS = 20_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    /** forChunks: where the next chunk starts. */
    private final AtomicInteger nextStart = new AtomicInteger();
    private volatile long generation;
    private volatile boolean closed;
    private volatile Thread caller;
    // Job fields, published by the volatile write to `generation`.
    private RangeTask task;
    private int n;
    private int grain;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            int worker = i + 1;
            Thread t = new Thread(() -> workerLoop(worker), "scans-worker-" + worker);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Threads to use when the user does not say: the cores the JVM sees. */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body} over {@code [0, n)} split into one contiguous chunk per thread, and waits. */
    public void forRange(int n, RangeTask body) {
        forRange(n, 1, body);
    }

    /**
     * As {@link #forRange(int, RangeTask)}, with every chunk boundary a multiple of {@code grain}
     * (the last chunk ends at n), so that kernels working on blocks of rows get whole blocks.
     */
    public void forRange(int n, int grain, RangeTask body) {
        if (n <= 0) return;
        if (threads == 1 || n <= grain) {
            body.run(0, n, 0);
            return;
        }
        this.task = body;
        this.n = n;
        this.grain = grain;
        this.failure = null;
        this.caller = Thread.currentThread();
        pending.set(threads - 1);
        generation++; // publish
        for (Thread w : workers) LockSupport.unpark(w);
        try {
            runChunk(0);
        } catch (Throwable t) {
            failure = t;
        }
        awaitWorkers();
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error err) throw err;
            throw new IllegalStateException(f);
        }
    }

    /**
     * Runs {@code body} over {@code [0, n)} in chunks that the threads take from a shared counter
     * until none is left, and waits. For memory-bound loops: when one core gets less bandwidth
     * than the other, it simply takes less, where a fixed split would leave the faster core
     * waiting at the end of every call. Chunks shrink as the work runs out: each take is
     * 1/(threads + 1) of what is left, rounded down to a multiple of {@code grain} and at least
     * {@code grain}. Early chunks are long, so each core streams through few long runs of rows;
     * the last are short, so neither core waits long for the other. Against fixed 64-row chunks
     * this took a 1.1B model's decoding from 16.9 to 18.7 tok/s (BF16) and 28.6 to 33 (Q8_0) on 2
     * threads (bench/README.md, "Decode chunks"). Chunk starts are multiples of {@code grain}.
     */
    public void forChunks(int n, int grain, RangeTask body) {
        if (n <= 0) return;
        if (threads == 1 || n <= grain) {
            body.run(0, n, 0);
            return;
        }
        nextStart.set(0);
        forRange(threads, (w0, w1, worker) -> {
            while (true) {
                int start = nextStart.get();
                if (start >= n) return;
                int size = Math.max(grain, (n - start) / (threads + 1) / grain * grain);
                int end = Math.min(n, start + size);
                if (nextStart.compareAndSet(start, end)) body.run(start, end, worker);
            }
        });
    }

    private void runChunk(int worker) {
        int blocks = (n + grain - 1) / grain;
        int start = (int) Math.min(n, (long) blocks * worker / threads * grain);
        int end = (int) Math.min(n, (long) blocks * (worker + 1) / threads * grain);
        if (start < end) task.run(start, end, worker);
    }

    private void awaitWorkers() {
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins < SPIN_ITERATIONS) Thread.onSpinWait();
            else LockSupport.parkNanos(this, 20_000);
        }
    }

    private void workerLoop(int worker) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < SPIN_ITERATIONS) Thread.onSpinWait();
                else LockSupport.park(this);
            }
            if (closed) return;
            seen = generation;
            try {
                runChunk(worker);
            } catch (Throwable t) {
                failure = t;
            }
            if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) LockSupport.unpark(w);
    }
}
