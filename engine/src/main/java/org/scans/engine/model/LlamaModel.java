package org.scans.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.scans.engine.EngineException;
import org.scans.engine.backend.AttentionBatch;
import org.scans.engine.backend.Backend;
import org.scans.engine.backend.CpuBackend;
import org.scans.engine.backend.ScalarBackend;
import org.scans.engine.hook.Residual;
import org.scans.engine.hook.ResidualHook;
import org.scans.engine.io.Checkpoint;
import org.scans.engine.io.ModelFormatException;
import org.scans.engine.kernel.VectorOps;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.WeightMatrix;
import org.scans.engine.util.WorkerPool;

/**
 * A Llama decoder over memory-mapped weights. {@link #forward} runs any mix of sequences and
 * token counts through the layers in one pass: a prompt is a single step of many tokens (the
 * matrix products then reuse each weight row across tokens); batched decoding is many steps of
 * one token. Per layer:
 *
 * <pre>
 *   h = x + W_o · attention(rope(W_q · rms(x)), rope(W_k · rms(x)), W_v · rms(x))
 *   x = h + W_down · (silu(W_gate · rms(h)) ⊙ W_up · rms(h))
 * </pre>
 *
 * then hooks, then (after the last layer) the final RMSNorm and the output matrix. Not
 * thread-safe: one forward call at a time.
 */
public final class LlamaModel implements AutoCloseable {
    private final Path dir;
    private final LlamaConfig config;
    private final Checkpoint checkpoint;
    private final Arena arena;
    private final LlamaWeights weights;
    private final Backend backend;
    private final RopeTable rope;
    private final int maxRows;
    private final DType kvType;
    private final DType quantization;
    private Workspace ws;

    private LlamaModel(Path dir, LlamaConfig config, Checkpoint checkpoint, Arena arena, LlamaWeights weights,
                       Backend backend, int maxRows, DType kvType, DType quantization) {
        this.dir = dir;
        this.config = config;
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.weights = weights;
        this.backend = backend;
        this.maxRows = maxRows;
        this.kvType = kvType;
        this.quantization = quantization;
        // Grown in runChunk to the positions in use: a long context costs nothing until it is used.
        this.rope = new RopeTable(config.headDim(), 0, config.ropeTheta(), config.ropeScalingFactor());
    }

    /** Loads {@code dir} (config.json plus safetensors); throws {@link ModelFormatException} on any defect. */
    public static LlamaModel load(Path dir, LoadOptions options) {
        Checkpoint.requireDirectory(dir);
        LlamaConfig config = LlamaConfig.read(dir);
        Checkpoint ckpt = Checkpoint.open(dir);
        Arena arena = Arena.ofShared();
        Backend backend = options.reference() ? new ScalarBackend() : new CpuBackend(options.threads());
        try {
            LlamaWeights weights;
            try (WorkerPool pool = new WorkerPool(options.threads())) {
                weights = LlamaWeights.bind(config, ckpt, options.quantize(), arena, pool);
            }
            if (backend instanceof CpuBackend cpu && WARM_UP_MILLIS > 0 && weights.bytesPerToken() >= WARM_UP_MIN_BYTES) {
                cpu.warmUp(samplesOfEachType(config, weights), config.headDim(), WARM_UP_MILLIS);
            }
            return new LlamaModel(dir, config, ckpt, arena, weights, backend, options.maxBatchRows(), options.kvCache(), options.quantize());
        } catch (RuntimeException e) {
            backend.close();
            arena.close();
            ckpt.close();
            throw e;
        }
    }

    /**
     * Models that read at least this many weight bytes per token get a kernel warm-up at load
     * ({@link CpuBackend#warmUp}); below it the first forward is short anyway.
     */
    static final long WARM_UP_MIN_BYTES = 256L << 20;
    /**
     * The longest the warm-up may run; it stops as soon as the kernels run compiled (about 1.2 s
     * on the 2-core machine of bench/README.md). The system property {@code scans.warmup.ms}
     * overrides it, 0 turns the warm-up off.
     */
    static final long WARM_UP_MILLIS = Long.getLong("scans.warmup.ms", 3000);

    /** One matrix of each type among the layer matrices and the output matrix. */
    private static List<WeightMatrix> samplesOfEachType(LlamaConfig config, LlamaWeights w) {
        java.util.Map<DType, WeightMatrix> byType = new java.util.EnumMap<>(DType.class);
        byType.putIfAbsent(w.lmHead().dtype(), w.lmHead());
        for (int l = 0; l < config.numLayers(); l++) {
            for (WeightMatrix m : w.layer(l).matrices()) byType.putIfAbsent(m.dtype(), m);
        }
        return new ArrayList<>(byType.values());
    }

    public Path directory() {
        return dir;
    }

    public LlamaConfig config() {
        return config;
    }

    public LlamaWeights weights() {
        return weights;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** What the weights were quantized to at load ({@link DType#Q8_0}), or null when used as stored. */
    public DType quantization() {
        return quantization;
    }

    /** What the sequences' KV caches hold: F32 or F16. */
    public DType kvCacheType() {
        return kvType;
    }

    public Backend backend() {
        return backend;
    }

    /** The RoPE rows computed so far (for tests: they follow the positions used). */
    RopeTable ropeTable() {
        return rope;
    }

    /** A new, empty sequence; its KV cache grows as tokens arrive. */
    public Sequence newSequence() {
        return new Sequence(new KvCache(kvType, config.numLayers(), config.numKvHeads(), config.headDim(), config.maxPositions()));
    }

    /**
     * A new, empty sequence whose cache already holds {@code positions} positions (capped at the
     * context), so that filling them never reallocates.
     */
    public Sequence newSequence(int positions) {
        Sequence s = newSequence();
        s.cache().ensureCapacity(Math.min(positions, config.maxPositions()));
        return s;
    }

    /** Runs {@code tokens} through {@code seq} and returns the last token's logits (a fresh array). */
    public float[] prefill(Sequence seq, int[] tokens) {
        float[][] out = new float[1][];
        forward(List.of(new Step(seq, tokens, Logits.LAST)), (s, t, logits, off) ->
                out[0] = java.util.Arrays.copyOfRange(logits, off, off + config.vocabSize()));
        return out[0];
    }

    /** One token for each sequence in one pass; returns each sequence's logits. */
    public float[][] decode(List<Sequence> seqs, int[] tokens) {
        if (seqs.size() != tokens.length) throw new IllegalArgumentException("one token per sequence");
        List<Step> steps = new ArrayList<>(seqs.size());
        for (int i = 0; i < tokens.length; i++) steps.add(new Step(seqs.get(i), new int[] {tokens[i]}, Logits.LAST));
        float[][] out = new float[tokens.length][];
        forward(steps, (s, t, logits, off) -> out[s] = java.util.Arrays.copyOfRange(logits, off, off + config.vocabSize()));
        return out;
    }

    /**
     * Appends each step's tokens to its sequence and hands the requested logits to {@code sink}.
     * Large calls are cut into chunks of at most {@code maxBatchRows} rows; attention across
     * chunks goes through the KV cache, so the result does not depend on the cut.
     */
    public void forward(List<Step> steps, LogitsSink sink) {
        validate(steps);
        int[] done = new int[steps.size()];
        List<Part> parts = new ArrayList<>();
        while (true) {
            parts.clear();
            int rows = 0;
            for (int i = 0; i < steps.size() && rows < maxRows; i++) {
                int left = steps.get(i).tokens().length - done[i];
                if (left == 0) continue;
                int take = Math.min(left, maxRows - rows);
                parts.add(new Part(i, steps.get(i), done[i], take, rows));
                done[i] += take;
                rows += take;
            }
            if (parts.isEmpty()) return;
            runChunk(parts, rows, sink);
        }
    }

    private void validate(List<Step> steps) {
        java.util.Set<Sequence> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Step s : steps) {
            if (!seen.add(s.sequence())) throw new IllegalArgumentException("a sequence appears twice in one forward call");
            for (int id : s.tokens()) {
                if (id < 0 || id >= config.vocabSize()) {
                    // Most often a tokenizer with more pieces than the model has embeddings: say where the bound comes from.
                    throw new EngineException("token id " + id + " is outside the vocabulary (0.." + (config.vocabSize() - 1)
                            + ", vocab_size in config.json)");
                }
            }
            int end = s.sequence().length() + s.tokens().length;
            if (end > config.maxPositions()) {
                throw new ContextLimitException("context limit: " + end + " positions needed (" + s.sequence().length()
                        + " cached + " + s.tokens().length + " new) but the model's context is "
                        + config.maxPositions() + " (max_position_embeddings)", config.maxPositions());
            }
        }
    }

    /**
     * Rows {@code [row, row + count)} of a chunk: tokens {@code [from, from + count)} of a step.
     */
    private record Part(int stepIndex, Step step, int from, int count, int row) {
        Sequence seq() {
            return step.sequence();
        }

        boolean hasLastToken() {
            return from + count == step.tokens().length;
        }
    }

    private void runChunk(List<Part> parts, int n, LogitsSink sink) {
        final LlamaConfig c = config;
        final int dim = c.hiddenSize(), qDim = c.qDim(), kvDim = c.kvDim(), inter = c.intermediateSize();
        Workspace w = workspace(n);
        int positionsUsed = 0;
        for (Part p : parts) {
            int pos0 = p.seq().length();
            positionsUsed = Math.max(positionsUsed, pos0 + p.count());
            p.seq().cache().ensureCapacity(pos0 + p.count());
            for (int j = 0; j < p.count(); j++) {
                int row = p.row() + j;
                w.positions[row] = pos0 + j;
                w.owner[row] = p.seq();
                weights.embed().readRow(p.step().tokens()[p.from() + j], w.x, row * dim);
            }
        }
        if (positionsUsed > rope.positions()) {
            // Doubling, as the KV cache grows, so a long generation recomputes no row and copies
            // the table only log(context) times; validate() has kept positionsUsed within the context.
            rope.ensure(Math.min(c.maxPositions(), Math.max(positionsUsed, 2 * rope.positions())));
        }
        boolean anyHooks = parts.stream().anyMatch(p -> !p.seq().hooks().isEmpty());
        for (int l = 0; l < c.numLayers(); l++) {
            LlamaWeights.Layer L = weights.layer(l);
            backend.rmsnorm(w.x, n, dim, L.attnNorm(), c.rmsNormEps(), w.xb);
            backend.matmuls(new WeightMatrix[] {L.q(), L.k(), L.v()}, w.xb, n,
                    new float[][] {w.q, w.k, w.v});
            backend.rope(w.q, n, c.numHeads(), c.headDim(), w.positions, rope);
            backend.rope(w.k, n, c.numKvHeads(), c.headDim(), w.positions, rope);
            for (int row = 0; row < n; row++) {
                KvCache cache = w.owner[row].cache();
                cache.store(l, w.positions[row], w.k, row * kvDim, w.v, row * kvDim);
                w.keys[row] = cache.keys(l);
                w.values[row] = cache.values(l);
                w.headStrides[row] = cache.headStride();
            }
            backend.attention(new AttentionBatch(n, c.numHeads(), c.numKvHeads(), c.headDim(), w.q, w.att,
                    w.positions, w.keys, w.values, w.headStrides, kvType));
            backend.matmul(L.o(), w.att, n, w.xb);
            backend.add(w.x, w.xb, n * dim);
            backend.rmsnorm(w.x, n, dim, L.mlpNorm(), c.rmsNormEps(), w.xb);
            backend.matmuls(new WeightMatrix[] {L.gate(), L.up()}, w.xb, n,
                    new float[][] {w.hb, w.hb2});
            backend.siluMul(w.hb, w.hb2, n * inter);
            backend.matmul(L.down(), w.hb, n, w.xb);
            backend.add(w.x, w.xb, n * dim);
            if (anyHooks) {
                for (Part p : parts) {
                    if (p.seq().hooks().isEmpty()) continue;
                    Residual r = new Residual(w.x, p.row(), p.count(), dim, w.positions[p.row()]);
                    for (ResidualHook h : p.seq().hooks()) h.afterLayer(l, r);
                }
            }
        }
        finish(parts, n, sink, w);
        for (Part p : parts) p.seq().advance(p.count());
    }

    /**
     * After the last layer: the final RMSNorm of the rows that need it (every row of a part whose
     * hooks ask for it or whose step wants all logits; otherwise only a LAST step's final row),
     * the final-norm hooks, then the output matrix over the rows that want logits.
     */
    private void finish(List<Part> parts, int n, LogitsSink sink, Workspace w) {
        final int dim = config.hiddenSize(), vocab = config.vocabSize();
        int m = 0;
        int[] normStart = new int[parts.size()];
        boolean[] allRows = new boolean[parts.size()];
        List<int[]> logitRows = new ArrayList<>(); // {normed row, step index, token index, position}
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            Logits want = p.step().logits();
            allRows[i] = want == Logits.ALL || wantsFinalNorm(p.seq());
            normStart[i] = m;
            if (allRows[i]) {
                System.arraycopy(w.x, p.row() * dim, w.xb, m * dim, p.count() * dim);
                if (want == Logits.ALL) {
                    for (int j = 0; j < p.count(); j++) logitRows.add(new int[] {m + j, p.stepIndex(), p.from() + j, w.positions[p.row() + j]});
                }
                m += p.count();
            } else if (want == Logits.LAST && p.hasLastToken()) {
                System.arraycopy(w.x, (p.row() + p.count() - 1) * dim, w.xb, m * dim, dim);
                m += 1;
            }
            if (want == Logits.LAST && p.hasLastToken()) {
                logitRows.add(new int[] {m - 1, p.stepIndex(), p.from() + p.count() - 1, w.positions[p.row() + p.count() - 1]});
            }
        }
        if (m == 0) return;
        backend.rmsnorm(w.xb, m, dim, weights.finalNorm(), config.rmsNormEps(), w.xb); // row-wise, so in place is safe
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (!allRows[i] || !wantsFinalNorm(p.seq())) continue;
            Residual normed = new Residual(w.xb, normStart[i], p.count(), dim, w.positions[p.row()]);
            for (ResidualHook h : p.seq().hooks()) if (h.wantsFinalNorm()) h.afterFinalNorm(normed);
        }
        int k = logitRows.size();
        if (k == 0) return;
        if (w.hidden.length < k * dim) w.hidden = new float[k * dim];
        for (int i = 0; i < k; i++) System.arraycopy(w.xb, logitRows.get(i)[0] * dim, w.hidden, i * dim, dim);
        if (w.logits.length < k * vocab) w.logits = new float[k * vocab];
        backend.matmul(weights.lmHead(), w.hidden, k, w.logits);
        requireFinite(logitRows, w.logits, vocab);
        for (int i = 0; i < k; i++) {
            int[] lr = logitRows.get(i);
            sink.accept(lr[1], lr[2], w.logits, i * vocab);
        }
    }

    /**
     * One NaN or infinite weight, or a hook that pushed the residual past float range, turns every
     * logit after it into NaN; a sampler then picks id 0 forever and a score prints NaN. Every
     * consumer gets logits through here, so one scan of each row (small beside the output matrix
     * that made it) refuses them all, before the sink sees any row of the chunk.
     */
    private static void requireFinite(List<int[]> logitRows, float[] logits, int vocab) {
        for (int i = 0; i < logitRows.size(); i++) {
            if (!VectorOps.allFinite(logits, i * vocab, vocab)) {
                throw new EngineException("the forward pass gave non-finite logits at position " + logitRows.get(i)[3]
                        + " (NaN or infinite weights in the checkpoint, or a steering multiplier too large)");
            }
        }
    }

    private static boolean wantsFinalNorm(Sequence seq) {
        for (ResidualHook h : seq.hooks()) if (h.wantsFinalNorm()) return true;
        return false;
    }

    private Workspace workspace(int n) {
        if (ws == null || ws.rows < n) ws = new Workspace(config, Math.max(n, ws == null ? 1 : ws.rows));
        return ws;
    }

    /** Activation buffers for up to {@code rows} token rows, reused across calls. */
    private static final class Workspace {
        final int rows;
        final float[] x, xb, q, k, v, att, hb, hb2;
        final int[] positions;
        final Sequence[] owner;
        final MemorySegment[] keys, values;
        final long[] headStrides;
        float[] hidden = new float[0];
        float[] logits = new float[0];

        Workspace(LlamaConfig c, int rows) {
            this.rows = rows;
            x = new float[rows * c.hiddenSize()];
            xb = new float[rows * Math.max(c.hiddenSize(), c.qDim())];
            q = new float[rows * c.qDim()];
            k = new float[rows * c.kvDim()];
            v = new float[rows * c.kvDim()];
            att = new float[rows * c.qDim()];
            hb = new float[rows * c.intermediateSize()];
            hb2 = new float[rows * c.intermediateSize()];
            positions = new int[rows];
            owner = new Sequence[rows];
            keys = new MemorySegment[rows];
            values = new MemorySegment[rows];
            headStrides = new long[rows];
        }
    }

    @Override
    public void close() {
        backend.close();
        arena.close();
        checkpoint.close();
    }
}
