package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.engine.model.LlamaModel;
import org.scans.experiment.ScansContext;
import org.scans.experiment.VectorSource;
import org.scans.method.ControlVectorExport;
import org.scans.method.Layers;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "extract", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Extract SCANS's refusal directions v_l and reference transition vectors r_l for every layer from 64 + 64 anchors.",
    "Writes a safetensors file (refusal.N, transition.N, F32) with metadata; optionally a llama.cpp control vector."})
final class ExtractCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the vectors (.safetensors).")
    Path out;

    @Option(names = "--export-llamacpp", paramLabel = "FILE",
            description = "Also write a llama.cpp control vector (GGUF) scaled by α·sign on the steering layers. llama.cpp steers every position; it cannot start at the end of the instruction as SCANS does.")
    Path exportLlamaCpp;

    @Option(names = "--sign", paramLabel = "+1|-1", defaultValue = "-1",
            description = "Sign for the control vector: -1 steers away from refusal (for safe prompts), +1 toward it. Default: ${DEFAULT-VALUE}.")
    String sign;

    @Option(names = "--alpha", paramLabel = "A", description = "α for the control vector (default: the family's, 3.5 for llama2, 4 for vicuna).")
    Double alpha;

    @Option(names = "--layers", paramLabel = "LIST", description = "Layers for the control vector (default: the preset's steering layers, e.g. 10-19).")
    String layers;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        int s = switch (sign.strip()) {
            case "+1", "1" -> 1;
            case "-1" -> -1;
            default -> throw new UserException("--sign must be +1 or -1, got " + sign);
        };
        if (exportLlamaCpp == null) {
            // They shape only the control vector: given without it, they would be ignored.
            var parsed = spec.commandLine().getParseResult();
            for (String o : List.of("--sign", "--alpha", "--layers")) {
                if (parsed.hasMatchedOption(o)) throw new UserException(o + " applies to the llama.cpp control vector: add --export-llamacpp FILE");
            }
        }
        SteeringOptions.requireAlpha(alpha);
        CliFiles.checkWritable(out, "--out");
        if (out.getFileName() != null && out.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            // a safetensors file under that name would pass for the llama.cpp control vector it is not
            throw new UserException("--out " + out + ": extract writes the vectors as safetensors; llama.cpp's control vector is "
                    + "--export-llamacpp FILE.gguf (beside --out FILE.safetensors)");
        }
        if (exportLlamaCpp != null) {
            CliFiles.checkWritable(exportLlamaCpp, "--export-llamacpp");
            if (CliFiles.sameFile(out, exportLlamaCpp)) {
                throw new UserException("--export-llamacpp " + exportLlamaCpp + " is the --out file: the control vector would replace the vectors");
            }
        }
        VectorSource source = scans.source();
        Path dir = modelOptions.dir();
        CliFiles.checkNotAnInput(out, "--out", dir, scans.harmfulAnchors, scans.harmlessAnchors);
        if (exportLlamaCpp != null) CliFiles.checkNotAnInput(exportLlamaCpp, "--export-llamacpp", dir, scans.harmfulAnchors, scans.harmlessAnchors);
        Tokenizer tokenizer = ModelOptions.requireTokenizer(dir);
        Datasets data = source instanceof VectorSource.Sampled ? Datasets.locate() : null;
        PrintWriter o = spec.commandLine().getOut();
        try (LlamaModel model = LlamaModel.load(dir, modelOptions.loadOptions())) {
            modelOptions.noteQuantization(model, System.err::println);
            // The export's layers are known now, so a layer llama.cpp cannot steer fails before the extraction.
            int[] exported = layers != null ? CliFiles.layers(layers, model.config().numLayers(), "--layers")
                    : org.scans.method.ModelPreset.forModel(scans.family(), model.config()).steeringLayers();
            if (exportLlamaCpp != null) {
                try {
                    ControlVectorExport.checkLayers(exported);
                } catch (IllegalArgumentException e) {
                    throw new UserException("--export-llamacpp: " + e.getMessage());
                }
            }
            ScansContext ctx = scans.open(model, tokenizer, data, System.err);
            Files.createDirectories(out.toAbsolutePath().getParent());
            double a = alpha != null ? alpha : ctx.preset().alpha();
            // Both files written before either replaces an old one, so that a stop between them
            // leaves the old pair or the new one.
            try (var vectors = VectorsFile.stage(ctx.vectors(), out);
                 var export = exportLlamaCpp != null ? ControlVectorExport.stage(ctx.vectors(), exported, a, s, exportLlamaCpp) : null) {
                vectors.commit();
                if (export != null) export.commit();
            }
            o.println("wrote " + out + ": refusal.N and transition.N for " + ctx.vectors().layers() + " layers (dim "
                    + ctx.vectors().dim() + "), model " + ctx.preset().name() + ", config hash " + model.config().hash());
            if (exportLlamaCpp != null) {
                o.println("wrote " + exportLlamaCpp + ": llama.cpp control vector, layers " + Layers.format(exported) + " (direction.N for layer N), α·sign = "
                        + (a * s) + "; note that llama.cpp steers every position");
            }
        }
        return 0;
    }
}
