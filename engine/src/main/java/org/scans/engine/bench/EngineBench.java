package org.scans.engine.bench;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.scans.engine.backend.CpuBackend;
import org.scans.engine.io.MappedPages;
import org.scans.engine.model.LlamaConfig;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LlamaWeights;
import org.scans.engine.model.Logits;
import org.scans.engine.model.LogitsSink;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;
import org.scans.engine.tensor.Q8Matrix;
import org.scans.engine.tensor.WeightMatrix;

/**
 * Measures a loaded model the way llama-bench (and {@code tools/llamacpp.mjs bench}) measures
 * llama.cpp, so the two can be compared as a ratio:
 *
 * <ul>
 *   <li><b>pp</b>: one forward of P random ids (the first is BOS) into an empty sequence, with the
 *       last position's logits computed;
 *   <li><b>tg</b>: G single-token decode steps from an empty sequence, logits every step;
 *   <li><b>batched tg</b>: B empty sequences advancing one token each per forward call, G calls;
 *       the rate counts all B·G tokens.
 * </ul>
 *
 * Each phase runs once untimed (which also lets the JIT compile the kernels at the sizes that
 * phase uses), then {@code reps} times timed. The decode phases, batch 1 and batched, take turns
 * with a plain read of the weights run by run, so that the ratios between them come from the
 * same minutes. Sequences reserve their whole cache before the clock starts, as llama.cpp
 * allocates its context up front.
 */
public final class EngineBench {
    private final LlamaModel model;
    private final BenchConfig config;
    private final SplittableRandom random;
    /** Logits are consumed (so the work cannot be skipped) but not kept. */
    private double sink;

    public EngineBench(LlamaModel model, BenchConfig config) {
        this.model = model;
        this.config = config;
        this.random = new SplittableRandom(config.seed());
    }

    /** Runs the phases; {@code progress} hears one line per finished run. */
    public BenchReport run(Consumer<String> progress) {
        LlamaConfig c = model.config();
        int max = c.maxPositions();
        if (config.promptTokens() > max || config.genTokens() > max) {
            throw new IllegalArgumentException("pp" + config.promptTokens() + "/tg" + config.genTokens()
                    + " needs more positions than the model's context of " + max);
        }
        PhaseResult pp = null, tg = null, tgBatch = null, read = null;
        if (config.promptTokens() > 0) {
            Sequence seq = model.newSequence(config.promptTokens());
            pp = interleaved(List.of(new Phase("pp" + config.promptTokens(), config.promptTokens(), () -> prompt(seq))), progress)[0];
        }
        if (config.genTokens() > 0) {
            // The decode phases take turns run by run, so that the read and the batched rate are
            // set against batch-1 decode runs from the same minutes (this VM's memory bandwidth
            // moves within minutes).
            int g = config.genTokens();
            List<Sequence> one = sequences(1);
            List<Phase> phases = new ArrayList<>();
            phases.add(new Phase("tg" + g, g, () -> generate(one)));
            int readAt = -1, batchAt = -1;
            if (model.backend() instanceof CpuBackend cpu) {
                readAt = phases.size();
                phases.add(new Phase("read", READ_PASSES, readRun(cpu), model.weights().bytesPerToken()));
            }
            if (config.batch() > 0) {
                List<Sequence> many = sequences(config.batch());
                batchAt = phases.size();
                phases.add(new Phase("tg" + g + "x" + config.batch(), g * config.batch(), () -> generate(many)));
            }
            PhaseResult[] results = interleaved(phases, progress);
            tg = results[0];
            if (readAt >= 0) read = results[readAt];
            if (batchAt >= 0) tgBatch = results[batchAt];
        }
        return new BenchReport(model.directory().toString(), dtypeOf(model.weights()), model.backend().threads(),
                model.backend().name(), model.weights().bytesPerToken(), promptFlops(c, model.weights(), config.promptTokens()),
                pp, tg, tgBatch, read, MappedPages.under(model.directory()).orElse(null), quantizedPages(model.weights()));
    }

    /** How the quantized copies of the streamed matrices sit in memory; null if none is quantized. */
    private static MappedPages quantizedPages(LlamaWeights w) {
        List<MemorySegment> copies = new ArrayList<>();
        for (WeightMatrix m : w.streamed()) if (m instanceof Q8Matrix q) copies.add(q.data());
        return copies.isEmpty() ? null : MappedPages.overlapping(copies).orElse(null);
    }

    /** Passes over the weights per read run. */
    private static final int READ_PASSES = 2;

    /**
     * The same weight bytes one decode step reads, read STREAM-style by the same threads. Its runs
     * alternate with tg's: on a machine whose memory bandwidth moves with its neighbours' load,
     * tg's bandwidth is best judged against a read measured in the same seconds. "Tokens" here
     * are whole passes over the weights, so tok/s × bytes per token is the read bandwidth.
     */
    private Run readRun(CpuBackend cpu) {
        List<MemorySegment> segs = new ArrayList<>();
        for (WeightMatrix m : model.weights().streamed()) segs.add(m.data());
        return () -> {
            long t0 = System.nanoTime();
            for (int i = 0; i < READ_PASSES; i++) sink += cpu.readAll(segs);
            return (System.nanoTime() - t0) / 1e9;
        };
    }

    /**
     * A phase to measure: its name, the tokens one run counts, and the run. A read's "tokens" are
     * passes over {@code bytesPerToken} bytes, so its progress lines give GB/s; 0 for the others.
     */
    private record Phase(String name, int tokens, Run run, long bytesPerToken) {
        Phase(String name, int tokens, Run run) {
            this(name, tokens, run, 0);
        }

        String rate(double seconds) {
            return bytesPerToken > 0 ? String.format(java.util.Locale.ROOT, "%.2f GB/s", tokens * (double) bytesPerToken / seconds / 1e9)
                    : String.format(java.util.Locale.ROOT, "%.2f tok/s", tokens / seconds);
        }
    }

    /** Phases whose warm-ups and timed runs take turns: a, b, c, a, b, c, … */
    private PhaseResult[] interleaved(List<Phase> phases, Consumer<String> progress) {
        for (Phase p : phases) progress.accept(p.name() + " warm-up: " + p.rate(p.run().seconds()));
        double[][] seconds = new double[phases.size()][config.reps()];
        for (int i = 0; i < config.reps(); i++) {
            for (int j = 0; j < phases.size(); j++) {
                Phase p = phases.get(j);
                seconds[j][i] = p.run().seconds();
                progress.accept(p.name() + " run " + (i + 1) + "/" + config.reps() + ": " + p.rate(seconds[j][i]));
            }
        }
        PhaseResult[] out = new PhaseResult[phases.size()];
        for (int j = 0; j < out.length; j++) out[j] = new PhaseResult(phases.get(j).name(), phases.get(j).tokens(), seconds[j]);
        return out;
    }

    @FunctionalInterface
    private interface Run {
        /** Prepares untimed, then returns the seconds of the timed part. */
        double seconds();
    }

    /** Sequences with their whole cache reserved; runs reset and reuse them. */
    private List<Sequence> sequences(int n) {
        List<Sequence> seqs = new ArrayList<>(n);
        for (int b = 0; b < n; b++) seqs.add(model.newSequence(config.genTokens()));
        return seqs;
    }

    private double prompt(Sequence seq) {
        int p = config.promptTokens();
        seq.reset();
        int[] ids = new int[p];
        ids[0] = model.config().bosTokenId();
        for (int i = 1; i < p; i++) ids[i] = randomToken();
        List<Step> steps = List.of(new Step(seq, ids, Logits.LAST));
        long t0 = System.nanoTime();
        model.forward(steps, consume());
        return (System.nanoTime() - t0) / 1e9;
    }

    private double generate(List<Sequence> seqs) {
        int g = config.genTokens(), batch = seqs.size();
        for (Sequence s : seqs) s.reset();
        int[][] ids = new int[g][batch];
        for (int b = 0; b < batch; b++) ids[0][b] = model.config().bosTokenId();
        for (int i = 1; i < g; i++) for (int b = 0; b < batch; b++) ids[i][b] = randomToken();
        List<List<Step>> calls = new ArrayList<>(g);
        for (int i = 0; i < g; i++) {
            List<Step> steps = new ArrayList<>(batch);
            for (int b = 0; b < batch; b++) steps.add(new Step(seqs.get(b), new int[] {ids[i][b]}, Logits.LAST));
            calls.add(steps);
        }
        LogitsSink sink = consume();
        long t0 = System.nanoTime();
        for (List<Step> steps : calls) model.forward(steps, sink);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Ids as llamacpp.mjs draws them: anything but the first three (unk, bos, eos). */
    private int randomToken() {
        int v = model.config().vocabSize();
        return v > 3 ? 3 + random.nextInt(v - 3) : random.nextInt(v);
    }

    private LogitsSink consume() {
        return (step, token, logits, off) -> sink += logits[off];
    }

    /** The dtype of the layer matrices, e.g. "BF16" or "Q8_0". */
    static String dtypeOf(LlamaWeights w) {
        return w.layer(0).q().dtype().name();
    }

    /**
     * FLOPs of one pp run of {@code p} tokens: 2 per weight per token for every layer matrix, the
     * output matrix for the last token only, and attention's two products (q·k and p·v, 2·headDim
     * each per head per cached position) at every layer.
     */
    public static double promptFlops(LlamaConfig c, LlamaWeights w, int p) {
        if (p == 0) return 0;
        double layerWeights = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            for (WeightMatrix m : w.layer(l).matrices()) layerWeights += (double) m.rows() * m.cols();
        }
        double attendedPositions = (double) p * (p + 1) / 2;
        double attention = 4.0 * c.numHeads() * c.headDim() * attendedPositions * c.numLayers();
        return 2 * layerWeights * p + 2.0 * c.vocabSize() * c.hiddenSize() + attention;
    }
}
