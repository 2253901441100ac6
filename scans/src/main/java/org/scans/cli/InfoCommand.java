package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scans.engine.io.TensorEntry;
import org.scans.engine.model.LlamaConfig;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = "Show a model's config, parameter count, dtypes and tensors (used and unused).")
final class InfoCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = modelOptions.dir();
        PrintWriter out = spec.commandLine().getOut();
        try (LlamaModel m = LlamaModel.load(dir, modelOptions.loadOptions())) {
            modelOptions.noteQuantization(m, System.err::println);
            LlamaConfig c = m.config();
            out.println("model            " + dir.toAbsolutePath().normalize());
            out.println("architecture     Llama (model_type llama), " + c.numLayers() + " layers, hidden " + c.hiddenSize()
                    + ", intermediate " + c.intermediateSize());
            out.println("attention        " + c.numHeads() + " heads, " + c.numKvHeads() + " kv heads (group "
                    + c.groupSize() + "), head_dim " + c.headDim());
            out.println("vocabulary       " + c.vocabSize() + (c.tieWordEmbeddings() ? " (tied embeddings)" : " (separate lm_head)"));
            out.println("context          " + c.maxPositions() + " positions, rope_theta " + c.ropeTheta()
                    + (c.ropeScalingFactor() != 1 ? ", linear scaling " + c.ropeScalingFactor() : ""));
            out.println("rms_norm_eps     " + c.rmsNormEps());
            out.println("bos / eos        " + c.bosTokenId() + " / " + c.eosTokenIds());
            out.println("config hash      " + c.hash());
            // The dtypes are the checkpoint's; with --quantize the matrices are read as Q8_0 (the line below says how much).
            out.printf("parameters       %,d%s%n", m.weights().parameterCount(), m.quantization() != null
                    ? " (as stored; decoding reads the " + m.quantization() + " copy)" : "");
            for (Map.Entry<DType, Long> e : m.weights().parametersByDtype().entrySet()) {
                out.printf("  %-14s %,d (%.1f%%)%n", e.getKey(), e.getValue(), 100.0 * e.getValue() / m.weights().parameterCount());
            }
            out.printf("weights          %.1f MB in %d file(s); %.1f MB read per decoded token%n",
                    m.weights().checkpointBytes() / 1e6, m.checkpoint().files().size(), m.weights().bytesPerToken() / 1e6);
            ModelOptions.tokenizerOf(dir).ifPresent(t -> out.println("tokenizer        " + t.source() + " (" + t.vocabSize() + " pieces)"));
            out.println("tensors          " + m.checkpoint().tensors().size() + " found, " + m.weights().unused().size() + " unused");
            for (String name : m.weights().unused()) {
                TensorEntry t = m.checkpoint().tensors().get(name);
                out.println("  unused: " + name + " " + t.dtypeName() + " " + t.shapeString());
            }
        }
        return 0;
    }
}
