package org.scans.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.scans.engine.io.Checkpoint;
import org.scans.engine.io.MappedPages;
import org.scans.engine.io.PageCache;
import org.scans.engine.io.SafetensorsFile;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.engine.tensor.DType;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Option;

/** The options every model-using command shares: which model, how many threads, quantization, KV cache. */
final class ModelOptions {
    enum Quantize { none, q8_0 }

    enum KvCacheType { f32, f16 }

    @Option(names = "--model", paramLabel = "DIR",
            description = "Hugging Face Llama checkpoint folder (config.json, *.safetensors, tokenizer.model), or a folder name under models/. Default: the bundled stories260K.")
    String model;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads for the kernels (default: the number of cores).")
    Integer threads;

    static final int MAX_THREADS = 1024;

    @Option(names = "--quantize", paramLabel = "TYPE", defaultValue = "none",
            description = "Quantize weights at load: none or q8_0 (llama.cpp's Q8_0, blocks of 32 with an F16 scale).")
    Quantize quantize;

    @Option(names = "--kv-cache", paramLabel = "TYPE", defaultValue = "f32",
            description = "What the KV caches hold: f32 (exact; the default) or f16 (half the memory, so twice the sequences fit in a batched run;"
                    + " keys and values rounded to F16 as llama.cpp's default cache keeps them).")
    KvCacheType kvCache;

    Path dir() {
        return ModelLocator.resolve(model);
    }

    LoadOptions loadOptions() {
        LoadOptions o = LoadOptions.defaults();
        if (threads != null) {
            if (threads < 1) throw new UserException("--threads must be at least 1, got " + threads);
            // Each is a thread that spins for its next job; past the cores they only take turns, and
            // tens of thousands exhaust the operating system's threads.
            if (threads > MAX_THREADS) throw new UserException("--threads must be at most " + MAX_THREADS + ", got " + threads);
            o = o.withThreads(threads);
        }
        if (quantize == Quantize.q8_0) o = o.withQuantize(DType.Q8_0);
        if (kvCache == KvCacheType.f16) o = o.withKvCache(DType.F16);
        return o;
    }

    LlamaModel load() {
        return LlamaModel.load(dir(), loadOptions());
    }

    /** Whether {@link #refillSmallPages} read the weights back into the page cache. */
    private boolean refilled;

    /**
     * Before a long job loads the model: maps every page of the weights (the first forward would
     * read them all anyway) and, when most of them sit in 4 KiB pages, drops the files from the
     * page cache and reads them back, as {@code pages --refill} does, saying so through
     * {@code err}. A batched decoding step over the 1.1B-shaped BF16 checkpoint ran at half the
     * speed from 4 KiB pages: 16 sequences at one thread, 26.8 tok/s before a refill and 50.8 and
     * 54.8 after, at two threads 84.0 and 105.6 (bench/README.md, round 43), and a run decodes
     * batched for hours. Pages that another process has mapped stay as they are. Not with
     * {@code --quantize}, whose decode reads its own copy, nor where {@code keep} (the command's
     * {@code --keep-pages}) says so, nor off Linux. A refill that fails is a note, not an error: the
     * job then runs from the pages as they were.
     */
    void refillSmallPages(Path dir, boolean keep, Consumer<String> err) {
        refillSmallPages(dir, keep, err, PagesCommand::mostlySmallPages);
    }

    /** {@link #refillSmallPages(Path, boolean, Consumer)} with the rule for when a refill is due (tests lower it for a small model). */
    void refillSmallPages(Path dir, boolean keep, Consumer<String> err, java.util.function.Predicate<MappedPages> due) {
        if (keep || quantize != Quantize.none || !PageCache.supported()) return;
        List<Path> files;
        Optional<MappedPages> before;
        try (Checkpoint c = Checkpoint.open(dir)) {
            files = c.files().stream().map(SafetensorsFile::path).toList();
            c.touchPages();
            before = MappedPages.under(dir);
        } catch (RuntimeException e) {
            return; // a folder the load will refuse: it names what is wrong, in its own order (config.json first)
        }
        if (before.isEmpty() || !due.test(before.get())) return;
        try {
            PageCache.Refill r = PageCache.refill(files);
            refilled = true;
            err.accept(refillNote(before.get(), r));
        } catch (IOException | RuntimeException e) {
            err.accept("note: the weights sit mostly in 4 KiB pages, and dropping them from the page cache to read them back failed: "
                    + e.getMessage() + "; decoding reads them up to 2× slower so");
        }
    }

    /** What {@link #refillSmallPages} says when it refilled. */
    static String refillNote(MappedPages before, PageCache.Refill r) {
        return "note: " + PagesCommand.ofResident(before) + " of the weights were in 2 MiB pages, the rest in 4 KiB pages (a checkpoint"
                + " just copied in is cached so), from which batched decoding runs at half speed; dropped them from the page cache and read"
                + String.format(" them back in %.1f s (--keep-pages leaves them)", r.seconds());
    }

    /**
     * After a load, for the long jobs: maps every page of the weights and, when most of them sit in
     * 4 KiB pages, says so through {@code err} (after {@link #refillSmallPages}, that the refill
     * left them so). Not with {@code --quantize}, whose decode reads its own copy: then it says
     * which matrices kept their stored type, if any.
     */
    void noteSmallPages(LlamaModel model, Path dir, Consumer<String> err) {
        if (quantize != Quantize.none) {
            noteQuantization(model, err);
            return;
        }
        model.checkpoint().touchPages();
        MappedPages.under(dir).flatMap(p -> refilled ? stillSmallPagesNote(p) : smallPagesNote(p, dir)).ifPresent(err);
    }

    /** The note after a load that follows a refill, if the weights are still mostly in 4 KiB pages. */
    static Optional<String> stillSmallPagesNote(MappedPages p) {
        if (!PagesCommand.mostlySmallPages(p)) return Optional.empty();
        return Optional.of("note: after the refill still only " + PagesCommand.ofResident(p) + " of the weights in 2 MiB pages: the kernel"
                + " found too few free 2 MiB blocks of memory; decoding reads the rest up to 2× slower");
    }

    /**
     * Q8_0 cuts rows into blocks of 32, so a matrix of another width keeps its stored type (as
     * llama.cpp's quantizer refuses such a model): with --quantize, say which, since the speed-up
     * is then partial. Every command that loads a model calls it, through {@link #noteSmallPages}
     * or directly.
     */
    void noteQuantization(LlamaModel model, Consumer<String> err) {
        if (quantize != Quantize.none) model.weights().unquantized().note().ifPresent(n -> err.accept("note: --quantize q8_0: " + n));
    }

    private org.scans.tokenizer.Tokenizer tokenizer;

    /**
     * The model folder's tokenizer, read once per command: eval classify checks its prompts with
     * it before the model loads, and its session needs it again (read twice, a
     * tokenizer_config.json warning was printed twice).
     */
    org.scans.tokenizer.Tokenizer tokenizer() {
        if (tokenizer == null) tokenizer = requireTokenizer(dir());
        return tokenizer;
    }

    /** The note for {@link #noteSmallPages}, if {@code p} calls for one ({@link PagesCommand#mostlySmallPages}). */
    static Optional<String> smallPagesNote(MappedPages p, Path dir) {
        if (!PagesCommand.mostlySmallPages(p)) return Optional.empty();
        return Optional.of("note: " + PagesCommand.ofResident(p) + " of the weights in 2 MiB pages, the rest in 4 KiB pages"
                + " (a checkpoint just copied in is cached so), which decoding reads up to 2× slower; `pages --refill --model "
                + dir + "` before the next start brings them back in 2 MiB pages");
    }

    /** The tokenizer of the model folder, if it has one. */
    static Optional<Tokenizer> tokenizerOf(Path dir) {
        if (Files.isRegularFile(dir.resolve("tokenizer.model")) || Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            warnOfTokenizerConfig(dir, System.err);
            Tokenizer t = Tokenizer.load(dir);
            warnOfPiecesBeyondTheVocabulary(t, dir, System.err);
            return Optional.of(t);
        }
        return Optional.empty();
    }

    /**
     * A tokenizer with more pieces than the model has embeddings loads (as in transformers), and a
     * text that encodes to one of the extra ids fails only when it is fed, perhaps hours into a run:
     * said at the start. A config.json that cannot be read is left to the model's load to report.
     */
    static void warnOfPiecesBeyondTheVocabulary(Tokenizer t, Path dir, java.io.PrintStream err) {
        int vocab;
        try {
            vocab = org.scans.engine.model.LlamaConfig.read(dir).vocabSize();
        } catch (RuntimeException e) {
            return;
        }
        if (t.vocabSize() > vocab) {
            err.println("warning: " + t.source() + " has " + t.vocabSize() + " pieces, more than the model's " + vocab
                    + " embeddings (vocab_size in config.json); a text that encodes to an id of " + vocab + " or more will fail");
        }
    }

    /**
     * The engine encodes as Llama-2's tokenizer does: BOS first, no EOS. A checkpoint whose
     * tokenizer_config.json asks otherwise would be tokenized unlike transformers does it, so that is
     * said; nothing else in that file is read.
     */
    static void warnOfTokenizerConfig(Path dir, java.io.PrintStream err) {
        Path file = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) return;
        com.fasterxml.jackson.databind.JsonNode c;
        try {
            c = org.scans.experiment.Json.MAPPER.readTree(Files.readAllBytes(file));
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            err.println("warning: " + file + " is not valid JSON; ignored (only add_bos_token and add_eos_token would be read from it)");
            return;
        } catch (java.io.IOException e) {
            err.println("warning: " + file + " cannot be read (" + (e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getMessage())
                    + "); ignored (only add_bos_token and add_eos_token would be read from it)");
            return;
        }
        if (c.path("add_bos_token").isBoolean() && !c.get("add_bos_token").asBoolean()) {
            err.println("warning: " + file + " sets add_bos_token false; this engine always starts a text with BOS, as Llama-2's tokenizer does");
        }
        if (c.path("add_eos_token").asBoolean(false)) {
            err.println("warning: " + file + " sets add_eos_token true; this engine never appends EOS to an encoded text, as Llama-2's tokenizer does not");
        }
    }

    static Tokenizer requireTokenizer(Path dir) {
        return tokenizerOf(dir).orElseThrow(() -> new UserException(dir + " has no tokenizer.model or tokenizer.json"));
    }
}
