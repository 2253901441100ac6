package org.scans.engine.backend;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.scans.engine.kernel.BF16Kernels;
import org.scans.engine.kernel.F16Fixups;
import org.scans.engine.kernel.F16Kernels;
import org.scans.engine.kernel.F32Kernels;
import org.scans.engine.kernel.KernelChoices;
import org.scans.engine.kernel.PairPanel;
import org.scans.engine.kernel.PairedLayout;
import org.scans.engine.kernel.Q8Kernels;
import org.scans.engine.kernel.RowLead;
import org.scans.engine.kernel.TokenPanels;
import org.scans.engine.kernel.VectorOps;
import org.scans.engine.model.RopeTable;
import org.scans.engine.tensor.BF16Matrix;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.F16Matrix;
import org.scans.engine.tensor.F32Matrix;
import org.scans.engine.tensor.Q8Matrix;
import org.scans.engine.tensor.WeightMatrix;
import org.scans.engine.util.JitDirectives;
import org.scans.engine.util.WorkerPool;

/**
 * The default backend: Vector API kernels on a dedicated {@link WorkerPool}. Matrix products
 * split the output rows into one contiguous range per thread, so at batch 1 each thread streams
 * its own slice of the weights. Small element-wise work stays on the calling thread, where a
 * dispatch would cost more than it saves. Not thread-safe: one forward pass at a time.
 */
public final class CpuBackend implements Backend {
    /** Below this many elements an element-wise op is not worth a parallel dispatch. */
    private static final int PARALLEL_MIN_ELEMENTS = 1 << 15;
    /**
     * Below this many multiply-adds a matrix product or an attention call runs on the calling
     * thread alone: a few microseconds of work, which a hand-over to the other threads (and the
     * wait for the slowest of them) costs about as much as it saves, and makes every step as slow
     * as the later of two threads that share the machine with others. With it, the bundled
     * stories260K model (64 wide) decodes on 2 threads at 5,400–6,400 ± 500–1,000 tok/s, as on 1;
     * without it 5,000 ± 2,500–3,000.
     */
    static final long PARALLEL_MIN_MULTIPLY_ADDS = 1L << 18;
    /**
     * How many times {@link #PARALLEL_MIN_MULTIPLY_ADDS} a call of at least {@link #PANEL_MIN_TOKENS}
     * tokens (or attention rows) needs before it is split. Such a call is compute-bound: each
     * weight it reads feeds many tokens, so the same multiply-adds take a fraction of the time
     * a one-token call spends streaming its weights. On the bundled stories260K, 16 sequences on
     * 2 threads split every 16-token product and attention call of 350–520 K multiply-adds, a few
     * microseconds each, and decoded at 13,300–17,500 ± 8,300–12,600 tok/s, below one thread's
     * 22,700–27,700; with these calls kept whole, 22,400–24,600 ± 430–4,500 (bench/README.md,
     * round 40). The smallest batched calls of the 1.1B model (16 tokens through 256 × 2048)
     * hold 8.4 M.
     */
    static final int BATCHED_PARALLEL_MIN_FACTOR = 4;

    /** From this many tokens on, products go through {@link TokenPanels} and the microkernels. */
    static final int PANEL_MIN_TOKENS = 8;
    /** Rows per block when an F16 product of 2 to 7 tokens runs the decode kernel per token (see {@link #product}). */
    static final int FEW_TOKEN_ROWS = 64;
    /**
     * The smallest chunk of rows a decode product hands a thread (see {@link WorkerPool#forChunks}):
     * a multiple of the 8-row kernels' height and of Q8_0's row groups. The led decode kernels
     * count on chunks starting at its multiples to sum a matrix's edge rows the same way however
     * the rows are split (RowLead.CHUNK_ROWS).
     */
    static final int ROW_GRAIN = RowLead.CHUNK_ROWS;

    private final WorkerPool pool;
    private final long parallelMin;
    private final WeightMatrix[] one = new WeightMatrix[1];
    private final float[][] oneOut = new float[1][];
    private float[] paired = new float[0];
    /**
     * The tokens' activations laid out for rows with lead i ({@link RowLead}, {@link
     * PairedLayout#pairLed}, one span per token), for the decode and few-token kernels; filled for
     * the leads of each call's matrices.
     */
    private final float[][] ledPairs = new float[PairedLayout.block()][0];
    /** BF16 matrices already checked for infinities and NaNs, by identity: true where they hold none (see BF16Kernels.matvec with a lead). */
    private final java.util.Map<WeightMatrix, Boolean> finiteBF16 = new java.util.IdentityHashMap<>();
    /**
     * F16 matrices already scanned for the fast widening, by identity: their fix-ups, or empty
     * where a half is an infinity or a NaN (see F16Fixups).
     */
    private final java.util.Map<WeightMatrix, java.util.Optional<F16Fixups>> fixupsF16 = new java.util.IdentityHashMap<>();
    private final float[][] panels;
    /** Per worker, the paired panel of a block of at most 16 tokens, or the first of 17–32 (see panelProducts). */
    private final PairPanel[] pairPanels;
    /** Per worker, the second paired panel of a 17–32-token block (see panelProducts). */
    private final PairPanel[] secondPanels;
    /** Per worker, the panel call whose single token block its panel holds (see panelProducts). */
    private final int[] packedFor;
    private int panelCalls;
    private final float[][] tiles;
    /**
     * Per worker, the float32 copy of one group of 8 rows that Q8Kernels.gemm and
     * F16Kernels.gemmWidened multiply from.
     */
    private final float[][] dequantized;
    /** Per worker, the scratch of Q8Kernels.gemmPairs. */
    private final long[][] pairScratch;
    private float[][] scores;

    public CpuBackend(int threads) {
        this(threads, PARALLEL_MIN_MULTIPLY_ADDS);
    }

    /**
     * With {@code parallelMinMultiplyAdds} in place of {@link #PARALLEL_MIN_MULTIPLY_ADDS}: 0
     * splits every product and attention call between the threads, which is how tests cover the
     * splitting on small shapes.
     */
    public CpuBackend(int threads, long parallelMinMultiplyAdds) {
        KernelChoices.check();
        JitDirectives.start();
        this.parallelMin = parallelMinMultiplyAdds;
        this.pool = new WorkerPool(threads);
        this.scores = new float[threads][0];
        this.panels = new float[threads][0];
        this.pairPanels = new PairPanel[threads];
        this.secondPanels = new PairPanel[threads];
        for (int i = 0; i < threads; i++) {
            pairPanels[i] = new PairPanel();
            secondPanels[i] = new PairPanel();
        }
        this.packedFor = new int[threads];
        this.tiles = new float[threads][TokenPanels.ROWS * TokenPanels.WIDTH];
        this.dequantized = new float[threads][0];
        this.pairScratch = new long[threads][];
        for (int i = 0; i < threads; i++) pairScratch[i] = Q8Kernels.newPairScratch();
    }

    @Override
    public String name() {
        return "cpu (" + VectorOps.shape() + ", " + pool.threads() + (pool.threads() == 1 ? " thread)" : " threads)");
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public void matmul(WeightMatrix w, float[] x, int n, float[] out) {
        one[0] = w;
        oneOut[0] = out;
        try {
            matmuls(one, x, n, oneOut);
        } finally {
            one[0] = null;
            oneOut[0] = null;
        }
    }

    /**
     * Three shapes of work. One token (decoding at batch 1) is bound by memory: row-wise kernels
     * stream each weight once. A handful of tokens uses the 4×4 dot-product tiles. From
     * {@link #PANEL_MIN_TOKENS} tokens on, the activations are transposed once into
     * {@link TokenPanels} and the outer-product microkernels reuse every widened weight across
     * up to 32 tokens (prefill, batched decoding). Rows are split between threads in chunks of
     * whole 8-row tiles there (16-row chunks for fewer tokens), each matrix starting a chunk of its
     * own ({@link #slot}).
     */
    @Override
    public void matmuls(WeightMatrix[] ws, float[] x, int n, float[][] outs) {
        int cols = ws[0].cols();
        int totalRows = 0;
        boolean halves = false, f16 = false;
        for (WeightMatrix w : ws) {
            if (w.cols() != cols) throw new IllegalArgumentException("matmuls: inputs differ in width");
            totalRows += slot(w.rows());
            halves |= w.dtype() == DType.BF16 || w.dtype() == DType.F16;
            f16 |= w.dtype() == DType.F16;
        }
        if (n >= PANEL_MIN_TOKENS) {
            panelProducts(ws, x, n, cols, totalRows, outs);
            return;
        }
        float[] xp = x;
        F16Fixups[] fixes = null;
        if (halves) {
            if (paired.length < n * cols) paired = new float[n * cols];
            xp = paired;
            for (int t = 0; t < n; t++) PairedLayout.pair(x, t * cols, cols, xp, t * cols);
            if (f16 && F16Kernels.bounded(x, 0, n * cols)) fixes = fixupsF16(ws);
        }
        final float[] xPaired = xp;
        final F16Fixups[] fixups = fixes;
        // One token or a few: each 16-bit matrix whose rows sit off the vector boundary is read
        // from it (RowLead), with x laid out once per call for each lead among the matrices.
        final int[] leads = new int[ws.length];
        if (halves) {
            for (int i = 0; i < ws.length; i++) {
                if (ws[i].dtype() != DType.BF16 && ws[i].dtype() != DType.F16) continue;
                leads[i] = RowLead.of(ws[i].data(), cols);
                // Only the kernels that read led rows get a lead, so that no layout is made for
                // nothing: BF16's, for a matrix without infinities and NaNs, and F16's fast decode
                // of one token (its few-token and exact paths read rows as they sit).
                boolean readsLed = ws[i].dtype() == DType.BF16 ? leads[i] != 0 && finite(ws[i]) : n == 1 && fixups != null;
                if (!readsLed) leads[i] = 0;
                boolean laid = false;
                for (int j = 0; j < i; j++) laid |= leads[j] == leads[i];
                if (leads[i] == 0 || laid) continue;
                int span = RowLead.span(cols, leads[i]);
                if (ledPairs[leads[i]].length < n * span) ledPairs[leads[i]] = new float[n * span];
                for (int t = 0; t < n; t++) PairedLayout.pairLed(x, t * cols, cols, leads[i], ledPairs[leads[i]], t * span);
            }
        }
        // Rows in chunks taken on demand: see WorkerPool.forChunks.
        WorkerPool.RangeTask body = (start, end, worker) -> {
            int base = 0;
            for (int i = 0; i < ws.length; i++) {
                WeightMatrix w = ws[i];
                int r0 = Math.max(start - base, 0), r1 = Math.min(end - base, w.rows());
                if (r0 < r1) product(w, fixups == null ? null : fixups[i], x, xPaired, leads[i], ledPairs[leads[i]], n, outs[i], r0, r1);
                base += slot(w.rows());
            }
        };
        if (small((long) totalRows * cols * n)) body.run(0, totalRows, 0);
        else pool.forChunks(totalRows, ROW_GRAIN, body);
    }

    /**
     * Rows a matrix takes in the row range that the threads split between them: its own, rounded
     * up to {@link #ROW_GRAIN}. Every matrix then starts at a chunk boundary, so a chunk's rows of
     * it start at a multiple of 16 and the kernels' odd rows (past the last whole 8-row or 4-row
     * tile) are always the matrix's last ones: a row is summed the same way however many threads
     * split the work (with stories260K's 172-row MLP matrices, 2 threads gave other bits than 1).
     */
    static int slot(int rows) {
        return (rows + ROW_GRAIN - 1) / ROW_GRAIN * ROW_GRAIN;
    }

    /** Whether work of this many multiply-adds stays on the calling thread. */
    private boolean small(long multiplyAdds) {
        return pool.threads() == 1 || multiplyAdds < parallelMin;
    }

    /** {@link #small} for a call over {@code tokens} tokens or attention rows (see {@link #BATCHED_PARALLEL_MIN_FACTOR}). */
    private boolean small(long multiplyAdds, int tokens) {
        return small(tokens >= PANEL_MIN_TOKENS ? multiplyAdds / BATCHED_PARALLEL_MIN_FACTOR : multiplyAdds);
    }

    /**
     * The fix-ups of each F16 matrix among {@code ws} (null for other dtypes), or null if one has
     * none (an infinity or a NaN among its halves): then every matrix of the call keeps the exact
     * widening. Each matrix is scanned once, at first use.
     */
    private F16Fixups[] fixupsF16(WeightMatrix[] ws) {
        F16Fixups[] fixes = new F16Fixups[ws.length];
        for (int i = 0; i < ws.length; i++) {
            if (!(ws[i] instanceof F16Matrix m)) continue;
            java.util.Optional<F16Fixups> f = fixupsF16.get(m);
            if (f == null) fixupsF16.put(m, f = java.util.Optional.ofNullable(scan(m)));
            if (f.isEmpty()) return null;
            fixes[i] = f.get();
        }
        return fixes;
    }

    /**
     * Whether a BF16 matrix holds no infinity and no NaN: checked once, on all threads, at its first
     * led product (one more pass over the weights, as the F16 matrices' scan).
     */
    private boolean finite(WeightMatrix m) {
        Boolean known = finiteBF16.get(m);
        if (known != null) return known;
        final int rows = m.rows(), cols = m.cols();
        final int sliceRows = (int) Math.max(1, SCAN_SLICE / (2L * cols));
        final int slices = (rows + sliceRows - 1) / sliceRows;
        java.util.concurrent.atomic.AtomicBoolean finite = new java.util.concurrent.atomic.AtomicBoolean(true);
        pool.forChunks(slices, 1, (first, last, worker) -> {
            for (int i = first; i < last && finite.get(); i++) {
                if (!BF16Kernels.finite(m.data(), cols, i * sliceRows, Math.min(rows, (i + 1) * sliceRows))) finite.set(false);
            }
        });
        finiteBF16.put(m, finite.get());
        return finite.get();
    }

    /** How much of a matrix {@link #scan} hands a thread at a time, in bytes (rounded to whole rows). */
    private static final long SCAN_SLICE = 4L << 20;

    /**
     * {@link F16Fixups#scanRows} over all threads, slice by slice. The first forward pass of an
     * F16 model scans every weight once (13.5 GB on Llama-2-7B, with the first touch of every
     * page of the mapping): 1.9–3.4 s on one thread here for the Inf/NaN check that the scan
     * replaced, which the first prompt waited for.
     */
    private F16Fixups scan(F16Matrix m) {
        final int rows = m.rows(), cols = m.cols();
        final int sliceRows = (int) Math.max(1, SCAN_SLICE / (2L * cols));
        final int slices = (rows + sliceRows - 1) / sliceRows;
        if (slices < 2 || pool.threads() == 1) return F16Fixups.scan(m.data(), rows, cols);
        F16Fixups.Part[] parts = new F16Fixups.Part[slices];
        java.util.concurrent.atomic.AtomicBoolean usable = new java.util.concurrent.atomic.AtomicBoolean(true);
        pool.forChunks(slices, 1, (first, last, worker) -> {
            for (int i = first; i < last && usable.get(); i++) {
                parts[i] = F16Fixups.scanRows(m.data(), cols, i * sliceRows, Math.min(rows, (i + 1) * sliceRows));
                if (parts[i] == null) usable.set(false);
            }
        });
        return usable.get() ? F16Fixups.join(parts) : null;
    }

    /**
     * Each thread takes its rows (of all the matrices) and walks the tokens block by block,
     * packing each block into its own panel first: the panel is then in that core's caches, and
     * the weights of its rows stream past it once per 32 tokens. A single block (a batched
     * decoding step) goes out in shrinking chunks, as decode products do, each thread packing the
     * block once per call however many chunks it takes (2.6% faster at 16 sequences than one
     * fixed range per thread, in 7 of 8 alternating runs); longer inputs keep one range per
     * thread, so that each thread's rows meet every token block in turn.
     */
    private void panelProducts(WeightMatrix[] ws, float[] x, int n, int cols, int totalRows, float[][] outs) {
        int need = TokenPanels.blockSize(cols);
        for (int i = 0; i < panels.length; i++) if (panels[i].length < need) panels[i] = new float[need];
        boolean allPaired = true, anyQ8 = false, anyF16 = false, allF16 = true, allBF16 = true, allQ8 = true;
        for (WeightMatrix w : ws) {
            allPaired &= w instanceof BF16Matrix || w instanceof Q8Matrix && Q8Kernels.PAIRS;
            anyQ8 |= w instanceof Q8Matrix;
            anyF16 |= w instanceof F16Matrix;
            allF16 &= w instanceof F16Matrix;
            allBF16 &= w instanceof BF16Matrix;
            allQ8 &= w instanceof Q8Matrix;
        }
        // F16 matrices take the paired kernels too, with the fast widening (see F16Kernels.gemmPairs),
        // where it applies: no Inf or NaN among the weights, every activation below 2^64.
        // Otherwise they keep the exact widening of F16Kernels.gemm. With 16 vector registers,
        // where the paired tiles spill, they take F16Kernels.gemmWidened instead. A block
        // of 17 to 32 tokens goes as two paired blocks through F16Kernels.gemmPairs32, each
        // widened weight feeding both (F16Kernels.gemm on it, converting every half on its own, ran
        // no faster per token than the paired kernel on 16). BF16 blocks of 17 to 32 tokens take
        // BF16Kernels.gemmPairs32 where BF16Kernels.PAIRS32 says so (Intel cores).
        // F16Kernels.WIDENED: F16 matrices of an even width take gemmWidened.
        final boolean f16Widened = F16Kernels.WIDENED && cols % 2 == 0;
        final F16Fixups[] fixes = allF16 && !f16Widened && F16Kernels.bounded(x, 0, n * cols) ? fixupsF16(ws) : null;
        final boolean f16Fast = fixes != null;
        final boolean bf16Pairs32 = BF16Kernels.PAIRS32 && allBF16;
        final boolean bf16Quads = BF16Kernels.QUADS && allBF16;
        final boolean f16Quads = F16Kernels.QUADS && f16Fast;
        final boolean q8Quads = Q8Kernels.QUADS && allQ8;
        if (anyQ8 || anyF16 && f16Widened) {
            for (int i = 0; i < dequantized.length; i++) {
                if (dequantized[i].length < Q8Kernels.scratchLength(cols)) dequantized[i] = Q8Kernels.newScratch(cols);
            }
        }
        final boolean paired = allPaired || f16Fast;
        if (paired) JitDirectives.await(); // before a tile8x16 or tile4x32 first runs
        final int call = ++panelCalls;
        WorkerPool.RangeTask body = (start, end, worker) -> {
            float[] xt = panels[worker], tile = tiles[worker];
            for (int t0 = 0; t0 < n; t0 += TokenPanels.WIDTH) {
                int nt = Math.min(TokenPanels.WIDTH, n - t0);
                // A block of at most one vector of tokens (a batched-decoding step) goes through
                // the 64-bit-broadcast microkernels when every matrix has one (BF16, Q8_0 where
                // Q8Kernels.PAIRS says so, and F16 where the fast widening applies: f16Fast).
                boolean pairs = paired && nt <= TokenPanels.PAIR_TOKENS;
                boolean pairs32 = (f16Fast || bf16Pairs32) && nt > TokenPanels.PAIR_TOKENS;
                // A full block of 16 tokens of BF16 matrices, of F16 ones with the fast widening,
                // or of Q8_0 ones: the gemmQuads of their kernels, on their own layout.
                boolean quads = (bf16Quads || f16Quads || q8Quads) && nt == TokenPanels.PAIR_TOKENS;
                final int half = TokenPanels.PAIR_TOKENS;
                if (n > TokenPanels.WIDTH || packedFor[worker] != call) {
                    if (quads) pairPanels[worker].packQuads(x, t0, cols);
                    else if (pairs) pairPanels[worker].pack(x, t0, nt, cols);
                    else if (pairs32) {
                        pairPanels[worker].pack(x, t0, half, cols);
                        secondPanels[worker].pack(x, t0 + half, nt - half, cols);
                    } else TokenPanels.packBlock(x, t0, nt, cols, xt);
                    packedFor[worker] = call;
                }
                final MemorySegment xa = pairPanels[worker].packed(), xb = secondPanels[worker].packed();
                int base = 0;
                for (int i = 0; i < ws.length; i++) {
                    WeightMatrix w = ws[i];
                    int r0 = Math.max(start - base, 0), r1 = Math.min(end - base, w.rows());
                    if (r0 < r1) {
                        int rows = w.rows();
                        switch (w) {
                            case F32Matrix m -> F32Kernels.gemm(m.data(), cols, r0, r1, xt, t0, nt, outs[i], rows, tile);
                            case BF16Matrix m when quads -> BF16Kernels.gemmQuads(m.data(), cols, r0, r1, xa, t0, outs[i], rows);
                            case BF16Matrix m when pairs -> BF16Kernels.gemmPairs(m.data(), cols, r0, r1, xa, t0, nt, outs[i], rows, tile);
                            case BF16Matrix m when pairs32 -> BF16Kernels.gemmPairs32(m.data(), cols, r0, r1, xa, xb, t0,
                                    nt - half, outs[i], rows, tile);
                            case BF16Matrix m -> BF16Kernels.gemm(m.data(), cols, r0, r1, xt, t0, nt, outs[i], rows, tile);
                            case F16Matrix m when quads -> F16Kernels.gemmQuads(m.data(), fixes[i], cols, r0, r1, xa, t0, outs[i], rows, tile);
                            case F16Matrix m when pairs -> F16Kernels.gemmPairs(m.data(), fixes[i], cols, r0, r1, xa, t0, nt, outs[i], rows, tile);
                            case F16Matrix m when pairs32 -> F16Kernels.gemmPairs32(m.data(), fixes[i], cols, r0, r1, xa, xb, t0,
                                    nt - half, outs[i], rows, tile);
                            case F16Matrix m when f16Widened -> F16Kernels.gemmWidened(m.data(), cols, r0, r1, xt, t0, nt, outs[i], rows, tile,
                                    dequantized[worker]);
                            case F16Matrix m -> F16Kernels.gemm(m.data(), cols, r0, r1, xt, t0, nt, outs[i], rows, tile);
                            case Q8Matrix m when quads -> Q8Kernels.gemmQuads(m, r0, r1, xa, t0, outs[i], rows);
                            case Q8Matrix m when pairs -> Q8Kernels.gemmPairs(m, r0, r1, xa, t0, nt, outs[i], rows, tile, pairScratch[worker]);
                            case Q8Matrix m -> Q8Kernels.gemm(m, r0, r1, xt, t0, nt, outs[i], rows, tile, dequantized[worker]);
                        }
                    }
                    base += slot(w.rows());
                }
            }
        };
        if (small((long) totalRows * cols * n, n)) body.run(0, totalRows, 0);
        // Chunks of whole 8-row tiles, as the prefill's split: every panel kernel tiles rows by 8
        // from the matrix's first row, so a row gets the same kernel however the rows are split.
        // Against 16-row chunks, the last chunks of a product are half as long, so the two threads
        // finish closer together: 16 sequences of the 1.1B model on 2 threads, 12 alternating
        // pairs, median +3%, faster in 9 (bench/README.md, round 26; within that VM's drift).
        else if (n <= TokenPanels.WIDTH) pool.forChunks(totalRows, TokenPanels.ROWS, body);
        else pool.forRange(totalRows, TokenPanels.ROWS, body);
    }

    /**
     * Rows {@code [r0, r1)} of one product; {@code fix} is an F16 matrix's fix-ups when the fast
     * widening applies; {@code led} holds x for the matrix's {@code lead} (RowLead), one span per token.
     */
    private static void product(WeightMatrix w, F16Fixups fix, float[] x, float[] xp, int lead, float[] led, int n, float[] out, int r0, int r1) {
        int cols = w.cols(), rows = w.rows();
        switch (w) {
            case F32Matrix m -> {
                if (n == 1) F32Kernels.matvec(m.data(), cols, r0, r1, x, 0, out, 0);
                else F32Kernels.matmul(m.data(), cols, r0, r1, x, n, out, rows);
            }
            case BF16Matrix m -> {
                if (n == 1) BF16Kernels.matvec(m.data(), cols, lead, r0, r1, xp, led, out);
                else BF16Kernels.matmul(m.data(), cols, lead, r0, r1, xp, led, n, out, rows);
            }
            case F16Matrix m -> {
                if (n == 1 && fix != null) F16Kernels.matvecFast(m.data(), fix, cols, lead, r0, r1, xp, led, x, out);
                else if (fix != null) {
                    // A few tokens: the decode kernel once per token, over blocks of rows small
                    // enough (256 KB at 2048 columns) that every pass after the first reads
                    // them from L2. The 4×4 tiles of F16Kernels.matmul widen every half exactly
                    // and ran 4 and 6 sequences of the 1.1B F16 model at 0.52× and 0.41× one
                    // sequence's rate; this runs them at 2.15× and 2.25× (bench/README, round 15).
                    // Its rows are read as they sit (no lead): read from the boundary, 4 sequences
                    // ran level (23.82, 23.85, 23.58 against 22.43, 23.54, 24.18 tok/s, 1 thread;
                    // bench/README.md, round 36), every pass after the first coming from L2.
                    for (int b0 = r0; b0 < r1; b0 += FEW_TOKEN_ROWS) {
                        int b1 = Math.min(r1, b0 + FEW_TOKEN_ROWS);
                        for (int t = 0; t < n; t++) F16Kernels.matvecFast(m.data(), fix, cols, b0, b1, xp, x, t * cols, out, t * rows);
                    }
                } else if (n == 1) F16Kernels.matvec(m.data(), cols, r0, r1, xp, 0, out, 0);
                else F16Kernels.matmul(m.data(), cols, r0, r1, xp, n, out, rows);
            }
            case Q8Matrix m -> {
                if (n == 1) Q8Kernels.matvec(m, r0, r1, x, 0, out, 0);
                else Q8Kernels.matmul(m, r0, r1, x, n, out, rows);
            }
        }
    }

    @Override
    public void rmsnorm(float[] x, int n, int dim, float[] weight, float eps, float[] out) {
        rows(n, dim, (t0, t1) -> {
            for (int t = t0; t < t1; t++) VectorOps.rmsnorm(x, t * dim, weight, eps, out, t * dim, dim);
        });
    }

    @Override
    public void add(float[] acc, float[] x, int count) {
        chunks(count, (i0, i1) -> VectorOps.add(acc, i0, x, i0, i1 - i0));
    }

    @Override
    public void siluMul(float[] gate, float[] up, int count) {
        chunks(count, (i0, i1) -> VectorOps.siluMul(gate, i0, up, i0, i1 - i0));
    }

    @Override
    public void rope(float[] x, int n, int heads, int headDim, int[] positions, RopeTable table) {
        rows(n, heads * headDim, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int tableOff = table.offset(positions[t]);
                for (int h = 0; h < heads; h++) {
                    VectorOps.rope(x, (t * heads + h) * headDim, headDim, table.cos(), table.sin(), tableOff);
                }
            }
        });
    }

    @Override
    public void attention(AttentionBatch a) {
        int maxPos = 0;
        long attended = 0;
        for (int t = 0; t < a.n(); t++) {
            maxPos = Math.max(maxPos, a.positions()[t] + 1);
            attended += a.positions()[t] + 1;
        }
        final int group = a.heads() / a.kvHeads();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i].length < group * maxPos) scores[i] = new float[Math.max(group * maxPos, 2 * scores[i].length)];
        }
        final int hd = a.headDim(), qDim = a.heads() * hd, stride = maxPos;
        final float scale = a.scale();
        final boolean half = a.halfPrecision();
        // Tasks are (row, kv head) pairs: the query heads that share a kv head are scored
        // together, so each key is read from memory once for all of them (8 query heads per kv
        // head in TinyLlama). A causal prompt's later rows attend to more positions, so
        // contiguous chunks would leave the last thread with most of the work; dealing the tasks
        // out in turn gives every thread an even share.
        // q·k and p·v for every query head at every attended position.
        final int total = a.n() * a.kvHeads(), threads = small(attended * qDim * 2, a.n()) ? 1 : pool.threads();
        WorkerPool.RangeTask body = (first, last, worker) -> {
            float[] s = scores[worker];
            for (int task = first; task < total; task += threads) {
                int t = task / a.kvHeads(), g = task % a.kvHeads();
                int len = a.positions()[t] + 1;
                int qOff = t * qDim + g * group * hd;
                long kvOff = a.offset(t, g, 0);
                if (half) VectorOps.groupScoresHalves(a.q(), qOff, group, hd, a.keys()[t], kvOff, len, scale, s, stride);
                else VectorOps.groupScores(a.q(), qOff, group, hd, a.keys()[t], kvOff, len, scale, s, stride);
                for (int h = 0; h < group; h++) {
                    VectorOps.softmax(s, h * stride, len);
                    if (half) VectorOps.weightedSumHalves(s, h * stride, len, a.values()[t], kvOff, a.positionBytes(), a.out(), qOff + h * hd, hd);
                    else VectorOps.weightedSum(s, h * stride, len, a.values()[t], kvOff, a.positionBytes(), a.out(), qOff + h * hd, hd);
                }
            }
        };
        if (threads == 1) body.run(0, 1, 0);
        else pool.forRange(threads, body);
    }

    /**
     * Runs the matrix kernels a forward pass uses on small views of the given matrices (their first
     * 8 rows, read as {@link #WARM_UP_COLS} columns wide, so the memory is of the same kind as in the forward pass),
     * plus the element-wise ops and attention's, on the calling thread until they run as
     * C2 code (seen by their no longer allocating) or {@code millis} milliseconds have passed, and returns how many rounds that
     * took.
     *
     * <p>Why: until C2 has compiled them, Vector API kernels run interpreted or in C1 code, a
     * hundred times slower or more, and a kernel whose every call streams a whole row block
     * reaches the compile thresholds (invocations, loop back-edges) only after seconds: the first
     * 11-token prompt of a 1.1B model took 7 s, the next 0.5 s. Calls a few loop iterations
     * long reach the same thresholds far sooner. Every shape of work appears: one
     * token (decoding, the output matrix), a few tokens (4×4 tiles), one vector of tokens
     * (batched decoding) and two (prefill). Results are thrown away; compiled or not, the
     * kernels compute the same bits.
     *
     * <p>Attention runs at the model's own head size ({@code headDim}) and no other: the kernels
     * for heads of half a vector (8 dimensions with 16 lanes) work on half-width vectors, and
     * running them for a model that never does put that second vector class into the type
     * profiles of the Vector API methods every kernel shares. C2 then compiled some kernels with
     * their vectors boxed: in 4 of 6 runs the 16-sequence step on the 1.1B BF16 model ran at 29–49
     * tok/s instead of 96–124 (bench/README.md, round 41).
     */
    public int warmUp(List<WeightMatrix> matrices, int headDim, long millis) {
        JitDirectives.await(); // before the kernels get hot (see JitDirectives)
        final int rows = TokenPanels.ROWS, cols = WARM_UP_COLS, n = TokenPanels.WIDTH;
        final int positions = 25; // a block of 16 (VectorOps.scores16), then 9 one by one (heads of half a vector: 4 pairs and one for VectorOps.weightedSumPairs)
        List<WeightMatrix> ms = new java.util.ArrayList<>();
        for (WeightMatrix w : matrices) {
            if (w.rows() < rows || w.cols() < cols) continue;
            // The first 8 rows' first columns are a prefix of the data for every dtype: row-major
            // ones, and Q8_0, whose first group of 8 rows is stored block by block.
            long bytes = WeightMatrix.sizeOf(w.dtype(), rows, cols);
            ms.add(WeightMatrix.of("warm-up " + w.name(), w.dtype(), rows, cols, w.data().asSlice(0, bytes)));
        }
        // The decode kernels on rows read from a vector boundary (RowLead) where the matrices' rows
        // are not on one: a view of LED_ROWS rows has a whole tile between its first and last.
        List<WeightMatrix> led = new java.util.ArrayList<>();
        for (WeightMatrix w : matrices) {
            if ((w.dtype() != DType.BF16 && w.dtype() != DType.F16) || w.rows() < LED_ROWS || w.cols() < cols) continue;
            WeightMatrix view = WeightMatrix.of("warm-up " + w.name(), w.dtype(), LED_ROWS, cols,
                    w.data().asSlice(0, WeightMatrix.sizeOf(w.dtype(), LED_ROWS, cols)));
            if (RowLead.of(view.data(), cols) != 0) led.add(view);
        }
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            float[] x = new float[n * cols], xp = new float[cols], xq = new float[TokenPanels.blockSize(cols)], pairOut = new float[n * PAIR_ROWS];
            PairPanel pairPanel = new PairPanel();
            // out takes a panel tile (n·rows floats) and a row of the element-wise ops (cols): with
            // 512-bit vectors both are 256, with 256-bit ones the tile is half of that.
            float[] out = new float[Math.max(n * rows, cols)], tile = new float[TokenPanels.ROWS * TokenPanels.WIDTH];
            for (int i = 0; i < x.length; i++) x[i] = (i % 7 - 3) * 0.25f;
            // The fast F16 kernels' fix-ups, for the slice read as 8 rows and as PAIR_ROWS rows
            // (null where the slice holds an infinity or a NaN: then those kernels are skipped).
            java.util.Map<WeightMatrix, F16Fixups[]> fixes = new java.util.IdentityHashMap<>();
            for (WeightMatrix w : ms) {
                if (w instanceof F16Matrix) {
                    fixes.put(w, new F16Fixups[] {F16Fixups.scan(w.data(), rows, cols), F16Fixups.scan(w.data(), PAIR_ROWS, PAIR_COLS)});
                }
            }
            for (WeightMatrix w : led) {
                if (w instanceof F16Matrix) fixes.put(w, new F16Fixups[] {F16Fixups.scan(w.data(), LED_ROWS, cols)});
            }
            // Laid out for four tokens: one for the decode kernels, all four for BF16's 4×4 tiles.
            float[][] ledX = new float[PairedLayout.block()][];
            for (WeightMatrix w : led) {
                int lead = RowLead.of(w.data(), cols), span = RowLead.span(cols, lead);
                ledX[lead] = new float[4 * span];
                for (int t = 0; t < 4; t++) PairedLayout.pairLed(x, t * cols, cols, lead, ledX[lead], t * span);
            }
            float[] norm = new float[cols], v = new float[headDim];
            java.util.Arrays.fill(norm, 1f);
            RopeTable rope = new RopeTable(headDim, positions, 10000, 1);
            MemorySegment kv = arena.allocate((long) positions * headDim * 4, 64);
            float[] deq = Q8Kernels.newScratch(cols);
            long[] pairDeq = Q8Kernels.newPairScratch();
            float[] s = new float[positions];
            long start = System.nanoTime(), end = start + millis * 1_000_000L;
            // Interpreted or in C1 code, every vector operation allocates its result (a round:
            // tens of kilobytes); compiled by C2 with the Vector API intrinsics, a round allocates
            // only the 4×4 tiles' few small objects. A batch of rounds under 2 KB a round ends the
            // warm-up early.
            var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            boolean canCount = threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled();
            long allocated = canCount ? threads.getCurrentThreadAllocatedBytes() : 0;
            int rounds = 0;
            while (true) {
                for (WeightMatrix w : ms) {
                    MemorySegment d = w.data();
                    switch (w) {
                        case BF16Matrix m -> {
                            BF16Kernels.matvec(d, cols, 0, rows, x, 0, out, 0);
                            BF16Kernels.matvec(d, cols, 0, 1, x, 0, out, 0);
                            BF16Kernels.matmul(d, cols, 0, rows, x, 4, out, rows);
                            MemorySegment xa = pairPanel.pack(x, 0, TokenPanels.PAIR_TOKENS, PAIR_COLS);
                            BF16Kernels.gemmPairs(d, PAIR_COLS, 0, PAIR_ROWS, xa, 0, TokenPanels.PAIR_TOKENS, pairOut, PAIR_ROWS, tile);
                            if (BF16Kernels.PAIRS32) {
                                BF16Kernels.gemmPairs32(d, PAIR_COLS, 0, PAIR_ROWS, xa, xa, 0, TokenPanels.PAIR_TOKENS, pairOut, PAIR_ROWS, tile);
                            }
                            if (BF16Kernels.QUADS) {
                                BF16Kernels.gemmQuads(d, PAIR_COLS, 0, PAIR_ROWS, pairPanel.packQuads(x, 0, PAIR_COLS), 0, pairOut, PAIR_ROWS);
                            }
                            TokenPanels.packBlock(x, 0, n, cols, xq);
                            BF16Kernels.gemm(d, cols, 0, rows, xq, 0, n, out, rows, tile);
                        }
                        case F16Matrix m -> {
                            F16Fixups[] fix = fixes.get(w);
                            if (fix[0] != null) F16Kernels.matvecFast(d, fix[0], cols, 0, rows, x, x, 0, out, 0);
                            F16Kernels.matvec(d, cols, 0, rows, x, 0, out, 0);
                            F16Kernels.matmul(d, cols, 0, rows, x, 4, out, rows);
                            TokenPanels.packBlock(x, 0, n, cols, xq);
                            F16Kernels.gemm(d, cols, 0, rows, xq, 0, n, out, rows, tile);
                            F16Kernels.gemm(d, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, out, rows, tile);
                            if (F16Kernels.WIDENED) {
                                F16Kernels.gemmWidened(d, cols, 0, rows, xq, 0, n, out, rows, tile, deq);
                                F16Kernels.gemmWidened(d, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, out, rows, tile, deq);
                            } else if (fix[1] != null) {
                                MemorySegment xa = pairPanel.pack(x, 0, TokenPanels.PAIR_TOKENS, PAIR_COLS);
                                F16Kernels.gemmPairs(d, fix[1], PAIR_COLS, 0, PAIR_ROWS, xa, 0, TokenPanels.PAIR_TOKENS, pairOut, PAIR_ROWS, tile);
                                F16Kernels.gemmPairs32(d, fix[1], PAIR_COLS, 0, PAIR_ROWS, xa, xa, 0, TokenPanels.PAIR_TOKENS, pairOut, PAIR_ROWS, tile);
                                if (F16Kernels.QUADS) {
                                    F16Kernels.gemmQuads(d, fix[1], PAIR_COLS, 0, PAIR_ROWS, pairPanel.packQuads(x, 0, PAIR_COLS), 0, pairOut, PAIR_ROWS, tile);
                                }
                            }
                        }
                        case F32Matrix m -> {
                            F32Kernels.matvec(d, cols, 0, rows, x, 0, out, 0);
                            F32Kernels.matmul(d, cols, 0, rows, x, 4, out, rows);
                            TokenPanels.packBlock(x, 0, n, cols, xq);
                            F32Kernels.gemm(d, cols, 0, rows, xq, 0, n, out, rows, tile);
                            F32Kernels.gemm(d, cols, 0, rows, xq, 0, TokenPanels.PAIR_TOKENS, out, rows, tile);
                        }
                        case Q8Matrix m -> {
                            Q8Kernels.matvec(m, 0, rows, x, 0, out, 0);
                            TokenPanels.packBlock(x, 0, n, cols, xq);
                            Q8Kernels.gemm(m, 0, rows, xq, 0, n, out, rows, tile, deq);
                            Q8Kernels.gemmPairs(m, 0, rows, pairPanel.pack(x, 0, TokenPanels.PAIR_TOKENS, cols), 0, TokenPanels.PAIR_TOKENS, out, rows, tile, pairDeq);
                            if (Q8Kernels.QUADS) Q8Kernels.gemmQuads(m, 0, rows, pairPanel.packQuads(x, 0, cols), 0, out, rows);
                        }
                    }
                }
                for (WeightMatrix w : led) {
                    int lead = RowLead.of(w.data(), cols);
                    if (w instanceof BF16Matrix && BF16Kernels.finite(w.data(), cols, 0, LED_ROWS)) {
                        BF16Kernels.matvec(w.data(), cols, lead, 0, LED_ROWS, x, ledX[lead], out);
                        BF16Kernels.matmul(w.data(), cols, lead, 0, LED_ROWS, x, ledX[lead], 4, out, LED_ROWS);
                    }
                    F16Fixups[] fix = fixes.get(w);
                    if (fix != null && fix[0] != null) F16Kernels.matvecFast(w.data(), fix[0], cols, lead, 0, LED_ROWS, x, ledX[lead], x, out);
                }
                VectorOps.rmsnorm(x, 0, norm, 1e-5f, out, 0, cols);
                VectorOps.rope(x, 0, headDim, rope.cos(), rope.sin(), rope.offset(positions - 1));
                VectorOps.groupScores(x, 0, 1, headDim, kv, 0, positions, 0.125f, s, positions);
                VectorOps.softmax(s, 0, positions);
                VectorOps.weightedSum(s, 0, positions, kv, 0, (long) headDim * 4, v, 0, headDim);
                VectorOps.groupScoresHalves(x, 0, 1, headDim, kv, 0, positions, 0.125f, s, positions);
                VectorOps.weightedSumHalves(s, 0, positions, kv, 0, (long) headDim * 2, v, 0, headDim);
                VectorOps.siluMul(out, 0, x, 0, cols);
                VectorOps.add(out, 0, x, 0, cols);
                PairedLayout.pair(x, 0, cols, xp, 0);
                rounds++;
                long now = System.nanoTime();
                if (now >= end) break;
                if (canCount && rounds % WARM_UP_BATCH == 0) {
                    long a = threads.getCurrentThreadAllocatedBytes();
                    if (a - allocated < WARM_UP_BATCH * 2048L) break;
                    allocated = a;
                }
            }
            sink += out[0] + v[0];
            if (Boolean.getBoolean("scans.warmup.verbose")) {
                System.err.printf("warm-up: %d rounds, %.0f ms, %d bytes allocated in the last batch%n", rounds, (System.nanoTime() - start) / 1e6, canCount ? threads.getCurrentThreadAllocatedBytes() - allocated : -1);
            }
            return rounds;
        }
    }

    private static final int WARM_UP_BATCH = 32;
    /**
     * The view the warm-up runs the batched-decoding microkernels on (BF16, F16): 64 rows × 32
     * columns, the same bytes as the 8 × 256 view. C1 is kept off {@code tile8x16} (see
     * JitDirectives), so it runs interpreted until C2 compiles it, and C2 is asked after enough
     * calls and loop iterations. On the 8 × 256 view (one call, 32 iterations a round) C2 compiled
     * it up to four times on the 7B pair, normal and on-stack-replacement versions, the first
     * dropped after profile_predicate traps at its loop head in the first real calls; on 64 × 32
     * (eight calls of four iterations) once, with no traps, and the same speed afterwards
     * (bench/README.md, "Llama-2-7B-shaped BF16 pair", round 11).
     */
    static final int PAIR_COLS = 32, PAIR_ROWS = 64;
    /**
     * Width of the warm-up views. C2 unrolls a loop according to the trip count it profiled:
     * after a warm-up on 32-column views (one iteration of the decode loop) the decode kernel ran
     * at 105 GB/s from L2 against 133–154 after plain use; 256 columns (8 iterations) gave the
     * plain figures.
     */
    static final int WARM_UP_COLS = 256;
    /** Rows of the warm-up's views for led rows: the first and last go apart, the 8 between make a tile. */
    static final int LED_ROWS = TokenPanels.ROWS + 2;

    /** Keeps the warm-up's results alive. */
    private float sink;

    /**
     * Reads every byte of {@code segments} once, split between the threads as a matrix product
     * splits its rows, and returns a checksum: the STREAM-style read bandwidth that a decode step
     * over the same weights can at best approach. Plain vector loads, four accumulators, no
     * arithmetic beyond one add per load.
     */
    public float readAll(List<MemorySegment> segments) {
        float[] sums = new float[pool.threads()];
        for (MemorySegment seg : segments) {
            // Chunks end on vector boundaries, so that only the segment's first chunk starts
            // between two (VectorOps.read reads from the boundary on).
            final long skew = Math.floorMod(seg.address(), VectorOps.vectorBytes()), size = seg.byteSize();
            final long chunks = (size + skew + READ_CHUNK - 1) / READ_CHUNK;
            pool.forRange((int) chunks, (c0, c1, worker) -> {
                long from = Math.max(c0 * READ_CHUNK - skew, 0), to = Math.min(c1 * READ_CHUNK - skew, size);
                sums[worker] += VectorOps.read(seg, from, to - from);
            });
        }
        float s = 0;
        for (float v : sums) s += v;
        return s;
    }

    private static final long READ_CHUNK = 1 << 16;

    /** Runs {@code body} over row ranges, in parallel only when the work is big enough. */
    private void rows(int n, int width, RowRange body) {
        if ((long) n * width < PARALLEL_MIN_ELEMENTS || n == 1) body.run(0, n);
        else pool.forRange(n, (t0, t1, w) -> body.run(t0, t1));
    }

    private void chunks(int count, RowRange body) {
        if (count < PARALLEL_MIN_ELEMENTS) body.run(0, count);
        else pool.forRange(count, ELEMENT_GRAIN, (i0, i1, w) -> body.run(i0, i1));
    }

    /**
     * Element ranges split between threads start at multiples of this (of every vector length up
     * to 2048 bits): an element-wise kernel then takes the same elements through its vector loop
     * and the same through its scalar tail however the range is split. SiLU's vector and scalar
     * exponentials differ in the last bit, so a split at an odd index made 2 threads give other
     * bits than 1 on prompts of 450 tokens.
     */
    static final int ELEMENT_GRAIN = 64;

    @FunctionalInterface
    private interface RowRange {
        void run(int start, int end);
    }

    @Override
    public void close() {
        pool.close();
    }
}
