package org.scans.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.engine.tensor.DType;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** The options every model-using command shares: which model, how many threads, quantization. */
final class ModelOptions {
    enum Quantize { none, q8_0 }

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face Llama checkpoint folder (config.json, *.safetensors, tokenizer.model), or a folder name under models/. Default: the bundled stories260K.")
    String model;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads for the kernels (default: the number of cores).")
    Integer threads;

    @Option(names = "--quantize", paramLabel = "TYPE", defaultValue = "none",
            description = "Quantize weights at load: none or q8_0 (llama.cpp's Q8_0, blocks of 32 with an F16 scale).")
    Quantize quantize;

    Path dir() {
        return ModelLocator.resolve(model);
    }

    LoadOptions loadOptions() {
        LoadOptions o = LoadOptions.defaults();
        if (threads != null) {
            if (threads < 1) throw new UserException("--threads must be at least 1, got " + threads);
            o = o.withThreads(threads);
        }
        if (quantize == Quantize.q8_0) o = o.withQuantize(DType.Q8_0);
        return o;
    }

    LlamaModel load() {
        return LlamaModel.load(dir(), loadOptions());
    }

    /** The tokenizer of the model folder, if it has one. */
    static Optional<Tokenizer> tokenizerOf(Path dir) {
        if (Files.isRegularFile(dir.resolve("tokenizer.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            return Optional.of(Tokenizer.load(dir));
        }
        return Optional.empty();
    }

    static Tokenizer requireTokenizer(Path dir) {
        return tokenizerOf(dir).orElseThrow(() -> new UserException(dir + " has no tokenizer.model or tokenizer.json"));
    }
}
