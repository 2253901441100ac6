package org.scans.engine.model;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.scans.engine.io.Checkpoint;
import org.scans.engine.io.ModelFormatException;
import org.scans.engine.io.TensorEntry;
import org.scans.engine.tensor.DType;
import org.scans.engine.tensor.Q8Matrix;
import org.scans.engine.tensor.Q8Quantizer;
import org.scans.engine.tensor.WeightMatrix;
import org.scans.engine.util.LargeAllocation;
import org.scans.engine.util.WorkerPool;

/**
 * The tensors of a Llama checkpoint bound by their Hugging Face names, with every shape checked
 * against the config. Matrices stay in the mapped files (or, quantized, off the heap); the small
 * norm vectors are widened to float arrays.
 */
public final class LlamaWeights {

    /** One decoder layer. */
    public record Layer(float[] attnNorm, WeightMatrix q, WeightMatrix k, WeightMatrix v, WeightMatrix o,
                        float[] mlpNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
        /** The seven matrices of the layer: q, k, v, o, gate, up, down. */
        public List<WeightMatrix> matrices() {
            return List.of(q, k, v, o, gate, up, down);
        }
    }

    private final WeightMatrix embed;
    private final Layer[] layers;
    private final float[] finalNorm;
    private final WeightMatrix lmHead;
    private final List<String> unused;
    private final Map<DType, Long> parametersByDtype;
    private final long bytesRead;
    private final Unquantized unquantized;

    private LlamaWeights(WeightMatrix embed, Layer[] layers, float[] finalNorm, WeightMatrix lmHead,
                         List<String> unused, Map<DType, Long> parametersByDtype, long bytesRead, Unquantized unquantized) {
        this.embed = embed;
        this.layers = layers;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.unused = unused;
        this.parametersByDtype = parametersByDtype;
        this.bytesRead = bytesRead;
        this.unquantized = unquantized;
    }

    /**
     * Binds and validates every tensor the config calls for; with {@code quantize} set to Q8_0,
     * every matrix is quantized into {@code arena} using {@code pool}.
     */
    public static LlamaWeights bind(LlamaConfig c, Checkpoint ckpt, DType quantize, Arena arena, WorkerPool pool) {
        Binder b = new Binder(c, ckpt);
        WeightMatrix embed = b.matrix("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
        Layer[] layers = new Layer[c.numLayers()];
        for (int i = 0; i < c.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            layers[i] = new Layer(
                    b.vector(p + "input_layernorm.weight", c.hiddenSize()),
                    b.matrix(p + "self_attn.q_proj.weight", c.qDim(), c.hiddenSize()),
                    b.matrix(p + "self_attn.k_proj.weight", c.kvDim(), c.hiddenSize()),
                    b.matrix(p + "self_attn.v_proj.weight", c.kvDim(), c.hiddenSize()),
                    b.matrix(p + "self_attn.o_proj.weight", c.hiddenSize(), c.qDim()),
                    b.vector(p + "post_attention_layernorm.weight", c.hiddenSize()),
                    b.matrix(p + "mlp.gate_proj.weight", c.intermediateSize(), c.hiddenSize()),
                    b.matrix(p + "mlp.up_proj.weight", c.intermediateSize(), c.hiddenSize()),
                    b.matrix(p + "mlp.down_proj.weight", c.hiddenSize(), c.intermediateSize()));
        }
        float[] finalNorm = b.vector("model.norm.weight", c.hiddenSize());
        WeightMatrix lmHead = c.tieWordEmbeddings() ? embed : b.matrix("lm_head.weight", c.vocabSize(), c.hiddenSize());
        List<String> unused = new ArrayList<>(new TreeSet<>(ckpt.tensors().keySet()));
        unused.removeAll(b.used);
        refuseUnknown(ckpt, unused, c.tieWordEmbeddings());

        Unquantized unquantized = Unquantized.NONE;
        if (quantize == DType.Q8_0) {
            Slab slab = Slab.of(embed, layers, c.tieWordEmbeddings() ? null : lmHead, arena);
            unquantized = slab.unquantized;
            embed = slab.q8(embed, pool);
            for (int i = 0; i < layers.length; i++) {
                Layer l = layers[i];
                layers[i] = new Layer(l.attnNorm, slab.q8(l.q, pool), slab.q8(l.k, pool), slab.q8(l.v, pool),
                        slab.q8(l.o, pool), l.mlpNorm, slab.q8(l.gate, pool), slab.q8(l.up, pool), slab.q8(l.down, pool));
            }
            lmHead = c.tieWordEmbeddings() ? embed : slab.q8(lmHead, pool);
        } else if (quantize != null) {
            throw new IllegalArgumentException("quantization to " + quantize + " is not supported (only Q8_0)");
        }
        return new LlamaWeights(embed, layers, finalNorm, lmHead, Collections.unmodifiableList(unused),
                Collections.unmodifiableMap(b.parameters), b.bytes, unquantized);
    }

    /**
     * A tensor the forward pass here does not read would change the output of the network it
     * belongs to (attention or MLP biases, q/k norms, layers past {@code num_hidden_layers}), so
     * such a checkpoint is refused rather than computed without it. Inert ones pass: RoPE tables
     * that older transformers saved ({@code rotary_emb.inv_freq}, {@code cos_cached}), which the
     * config determines, and an {@code lm_head} beside tied embeddings, which transformers
     * replaces by the embeddings too.
     */
    private static void refuseUnknown(Checkpoint ckpt, List<String> unused, boolean tied) {
        List<String> unknown = unused.stream()
                .filter(n -> !Checkpoint.isRopeTable(n) && !(tied && n.equals("lm_head.weight")))
                .toList();
        if (unknown.isEmpty()) return;
        throw new ModelFormatException(ckpt.source() + ": the checkpoint holds " + unknown.size() + " tensor(s) that a Llama forward pass"
                + " does not use and that would change its output, e.g. '" + String.join("', '", unknown.subList(0, Math.min(3, unknown.size())))
                + "': not a plain Llama checkpoint (biases, q/k norms or more layers than num_hidden_layers?)");
    }

    /**
     * One buffer for every Q8_0 copy, cut in order: a single mapping, so that 2 MiB pages back all
     * of it but its last partial page (one mapping per matrix left each matrix's tail, and every
     * matrix under 2 MiB, in 4 KiB pages). A matrix whose width is not a multiple of 32 cannot be
     * cut into Q8_0 blocks; it keeps its stored type (llama.cpp's quantizer refuses such a model
     * outright; keeping the few odd matrices exact is the gentler choice, e.g. stories260K's
     * 172-wide down_proj).
     */
    private static final class Slab {
        private final MemorySegment buffer;
        private final Unquantized unquantized;
        private long used;

        private Slab(MemorySegment buffer, Unquantized unquantized) {
            this.buffer = buffer;
            this.unquantized = unquantized;
        }

        static Slab of(WeightMatrix embed, Layer[] layers, WeightMatrix lmHeadOrNull, Arena arena) {
            List<WeightMatrix> all = new ArrayList<>();
            all.add(embed);
            for (Layer l : layers) all.addAll(l.matrices());
            if (lmHeadOrNull != null) all.add(lmHeadOrNull);
            long bytes = 0, storedBytes = 0;
            List<WeightMatrix> kept = new ArrayList<>();
            for (WeightMatrix w : all) {
                storedBytes += w.bytes();
                if (quantizable(w)) bytes += slot(w);
                else kept.add(w);
            }
            return new Slab(LargeAllocation.allocate(Math.max(bytes, 1), arena), new Unquantized(List.copyOf(kept), all.size(), storedBytes));
        }

        WeightMatrix q8(WeightMatrix w, WorkerPool pool) {
            if (!quantizable(w)) return w;
            MemorySegment out = buffer.asSlice(used, Q8Matrix.bytesFor(w.rows(), w.cols()));
            used += slot(w);
            return Q8Quantizer.quantize(w, out, pool);
        }

        private static boolean quantizable(WeightMatrix w) {
            return w.cols() % Q8Matrix.BLOCK == 0;
        }

        /** A matrix's bytes rounded up to a cache line, so that every copy starts on one. */
        private static long slot(WeightMatrix w) {
            return (Q8Matrix.bytesFor(w.rows(), w.cols()) + 63) & ~63L;
        }
    }

    /**
     * What quantizing at load left in its stored type (a matrix whose width is not a multiple of
     * Q8_0's 32-wide block; see {@link Slab}).
     *
     * @param kept those matrices, in load order, with their stored type
     * @param matrices how many matrices the quantizer was given (tied embeddings once); 0 when
     *     the weights were not quantized
     * @param storedBytes the stored bytes of those {@code matrices}
     */
    public record Unquantized(List<WeightMatrix> kept, int matrices, long storedBytes) {
        static final Unquantized NONE = new Unquantized(List.of(), 0, 0);

        public long keptBytes() {
            return kept.stream().mapToLong(WeightMatrix::bytes).sum();
        }

        /**
         * One line for whoever asked for quantization, where some matrices kept their stored type:
         * the speed-up and the memory saving are then partial, or none at all. Empty otherwise.
         */
        public Optional<String> note() {
            if (kept.isEmpty()) return Optional.empty();
            String widths = kept.stream().map(WeightMatrix::cols).distinct().sorted().map(String::valueOf)
                    .collect(Collectors.joining(", "));
            String types = kept.stream().map(w -> w.dtype().name()).distinct().collect(Collectors.joining("/"));
            String names = kept.stream().limit(2).map(WeightMatrix::name).collect(Collectors.joining(", "))
                    + (kept.size() > 2 ? ", … " + (kept.size() - 2) + " more" : "");
            return Optional.of(String.format(Locale.ROOT,
                    "%d of %d matrices (%.2f of %.2f MB) keep their stored type %s: Q8_0 cuts rows into blocks of %d, and theirs are %s wide (%s)",
                    kept.size(), matrices, keptBytes() / 1e6, storedBytes / 1e6, types, Q8Matrix.BLOCK, widths, names));
        }
    }

    /** What quantizing at load left in its stored type; nothing when the weights were not quantized. */
    public Unquantized unquantized() {
        return unquantized;
    }

    public WeightMatrix embed() {
        return embed;
    }

    public Layer layer(int i) {
        return layers[i];
    }

    public float[] finalNorm() {
        return finalNorm;
    }

    public WeightMatrix lmHead() {
        return lmHead;
    }

    /** Checkpoint tensors the model does not use, sorted by name. */
    public List<String> unused() {
        return unused;
    }

    /** Parameters of the used tensors, by their dtype in the checkpoint. */
    public Map<DType, Long> parametersByDtype() {
        return parametersByDtype;
    }

    public long parameterCount() {
        return parametersByDtype.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bytes of the used tensors in the checkpoint. */
    public long checkpointBytes() {
        return bytesRead;
    }

    /** The matrices one decode step reads: every layer matrix and the output matrix. */
    public List<WeightMatrix> streamed() {
        List<WeightMatrix> all = new java.util.ArrayList<>();
        for (Layer l : layers) all.addAll(l.matrices());
        all.add(lmHead);
        return all;
    }

    /** Bytes of weights one decode step reads (of {@link #streamed}). */
    public long bytesPerToken() {
        long b = 0;
        for (WeightMatrix m : streamed()) b += m.bytes();
        return b;
    }

    /** Resolves names to checked tensors and keeps the books on what was used. */
    private static final class Binder {
        final LlamaConfig config;
        final Checkpoint ckpt;
        final Set<String> used = new HashSet<>();
        final Map<DType, Long> parameters = new EnumMap<>(DType.class);
        long bytes;

        Binder(LlamaConfig config, Checkpoint ckpt) {
            this.config = config;
            this.ckpt = ckpt;
        }

        TensorEntry entry(String name, long... shape) {
            TensorEntry t = ckpt.tensor(name).orElseThrow(() -> new ModelFormatException(ckpt.source() + ": missing tensor '" + name
                    + "' (config.json calls for it" + (name.equals("lm_head.weight") ? ", as its tie_word_embeddings is false or absent" : "")
                    + "; the checkpoint has " + ckpt.tensors().size() + " tensors)"));
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new ModelFormatException(t.file() + ": tensor '" + name + "' has shape " + t.shapeString()
                        + " but config.json implies " + java.util.Arrays.toString(shape));
            }
            DType dt = t.dtype().orElseThrow(() -> new ModelFormatException(t.file() + ": tensor '" + name
                    + "' has dtype " + t.dtypeName() + "; supported: F32, F16, BF16"));
            if (used.add(name)) {
                parameters.merge(dt, t.elementCount(), Long::sum);
                bytes += t.data().byteSize();
            }
            return t;
        }

        WeightMatrix matrix(String name, int rows, int cols) {
            TensorEntry t = entry(name, rows, cols);
            return WeightMatrix.of(name, t.dtype().orElseThrow(), rows, cols, t.data());
        }

        float[] vector(String name, int n) {
            TensorEntry t = entry(name, n);
            WeightMatrix m = WeightMatrix.of(name, t.dtype().orElseThrow(), 1, n, t.data());
            float[] out = new float[n];
            m.readRow(0, out, 0);
            return out;
        }
    }
}
