package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.eval.PerplexityCorpus;
import org.scans.eval.PerplexityWindows;
import org.scans.eval.run.EvalFolder;
import org.scans.eval.run.PerplexityEval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "ppl", mixinStandardHelpOptions = true, description = {
    "Perplexity with and without SCANS, or of the model alone.",
    "--mode chat (default) is the reference's: windows rebuilt as "
            + "\"<s>[INST] \" + first half + \" [/INST] \" + second half (\" [/INST]\" between a document's halves, as the reference's "
            + "C4 loader), loss over every token, exp(mean of per-window mean NLL), steering from the inserted marker; the "
            + "windows are a running text's consecutive ones, or 256 drawn from documents as Python's random.seed(0) draws them.",
    "--mode plain is the standard perplexity papers publish (consecutive windows, "
            + "no rebuild, no steering; --stride below the window length slides). Datasets: wikitext2 (approximate: the bundled "
            + "copy lost its blank lines), c4 (the bundled 1025-document sample), a JSON Lines file of documents, or a text file."})
final class EvalPplCommand implements Callable<Integer> {
    static final int REFERENCE_WINDOW = 2048;
    static final int REFERENCE_WINDOWS = 256;
    static final String DEFAULT_TEXT_FIELD = "text";

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Mixin
    EvalOptions evalOptions;

    @Mixin
    SteeringOptions steering;

    @Mixin
    ClassifierOptions classifier;

    @Option(names = "--dataset", paramLabel = "NAME|FILE", defaultValue = "wikitext2",
            description = "wikitext2, c4, a file of documents, one JSON object per line (.jsonl, .ndjson or .json, as C4's shards), "
                    + "or a plain text file; .gz files are unpacked. Default: ${DEFAULT-VALUE}.")
    String dataset;

    @Option(names = "--text-field", paramLabel = "NAME", description = "The text field of a JSON Lines file. Default: " + DEFAULT_TEXT_FIELD + ".")
    String textField;

    @Option(names = "--mode", paramLabel = "chat|plain", defaultValue = "chat", description = "Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--windows", paramLabel = "N|all",
            description = "How many random windows, or all consecutive windows of a running text. Default: all for a running text "
                    + "(wikitext2, a text file), " + REFERENCE_WINDOWS + " for documents (c4, a JSON Lines file), as the reference's two loaders.")
    String windows;

    @Option(names = "--window-len", paramLabel = "N",
            description = "Tokens per window, wrapper included (default " + REFERENCE_WINDOW + "; in chat mode, with a context under "
                    + REFERENCE_WINDOW + " + 64 tokens, the largest power of two up to half the context; in plain mode, the context where it is "
                    + "under " + REFERENCE_WINDOW + ").")
    Integer windowLen;

    @Option(names = "--stride", paramLabel = "N", description = "Plain mode, consecutive windows: tokens between window starts (default: the window length, no overlap).")
    Integer stride;

    @Option(names = "--window-seed", paramLabel = "S", defaultValue = "0", description = "Seed for drawing the windows. Default: ${DEFAULT-VALUE} (the reference's).")
    long windowSeed;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PerplexityEval.Mode m = switch (mode) {
            case "chat" -> PerplexityEval.Mode.CHAT;
            case "plain" -> PerplexityEval.Mode.PLAIN;
            default -> throw new UserException("--mode must be chat or plain, got '" + mode + "'");
        };
        boolean chat = m == PerplexityEval.Mode.CHAT;
        Datasets data = Datasets.locate();
        PerplexityCorpus corpus = PerplexityCorpus.of(dataset, data, textField != null ? textField : DEFAULT_TEXT_FIELD);
        if (textField != null && (corpus.stream() || dataset.equals("c4"))) {
            // It would be ignored: a running text has no fields, and the bundled C4 sample keeps its text in "text".
            throw new UserException("--text-field applies to a JSON Lines file of documents; " + corpus.name()
                    + (corpus.stream() ? " is read as one running text" : " is the bundled C4 sample"));
        }
        int count;
        if (windows == null) count = corpus.stream() ? 0 : REFERENCE_WINDOWS;
        else if (windows.equals("all")) count = 0;
        else {
            try {
                count = Integer.parseInt(windows);
            } catch (NumberFormatException e) {
                throw new UserException("--windows must be a number or all, got '" + windows + "'");
            }
            if (count < 1) throw new UserException("--windows must be at least 1 (or all), got " + count);
        }
        PerplexityWindows.checkCount(corpus, count);     // before the model loads
        if (!chat && (steering.alpha != null || steering.layers != null || classifier.threshold != null || classifier.layers != null
                || classifier.preset != null || scans.vectors != null || scans.seed != null || scans.harmfulAnchors != null
                || scans.harmlessAnchors != null || !scans.fixNames.isEmpty())) {
            // Plain mode extracts no vectors and builds no template: these would be ignored, and --fix recorded as a departure never made.
            throw new UserException("--mode plain measures the model alone; steering, classifier, vector and --fix options apply to --mode chat");
        }
        if (chat && stride != null) throw new UserException("--stride applies to --mode plain");
        if (stride != null && count > 0) {
            throw new UserException("--stride slides consecutive windows (--windows all, a running text's default); " + (windows == null
                    ? corpus.name() + " holds documents, whose windows are drawn at random" : "with --windows " + count + " the windows are drawn at random"));
        }
        steering.check();
        classifier.validate();
        java.util.Map<String, String> inputs = org.scans.experiment.RunSettings.inputDigests(java.util.List.of(dataset));
        Path dir = evalOptions.checkedDir("ppl");
        PrintStream err = System.err;
        if (windowLen != null && windowLen < 2) throw new UserException("--window-len must be at least 2, got " + windowLen);
        // The upper bound needs the window length, known once the model's context is; the lower one is checked now.
        if (stride != null && stride < 1) throw new UserException("--stride must be at least 1, got " + stride);
        java.util.function.Consumer<org.scans.engine.model.LlamaConfig> fits = c -> {
            if (windowLen != null && windowLen > c.maxPositions()) {
                throw new UserException("--window-len " + windowLen + " is longer than the model's context (" + c.maxPositions() + " tokens)");
            }
        };
        try (EvalSession session = EvalSession.open(modelOptions, scans, evalOptions, dir, chat, EvalSession.optionsFit(scans, classifier, steering).andThen(fits), err)) {
            int context = session.model.config().maxPositions();
            int len;
            if (windowLen != null) {
                len = windowLen;
            } else if (chat) {
                len = context >= REFERENCE_WINDOW + 64 ? REFERENCE_WINDOW : Integer.highestOneBit(context / 2);
            } else {
                len = Math.min(REFERENCE_WINDOW, context);
            }
            if (windowLen == null && len != REFERENCE_WINDOW) {
                err.println("note: the model's context is " + context + " tokens; windows of " + len + " tokens (not " + REFERENCE_WINDOW + ")");
            }
            if (len < 2) throw new UserException("--window-len must be at least 2, got " + len);
            int s = stride != null ? stride : len;
            if (s < 1 || s > len) throw new UserException("--stride must be in 1.." + len + ", got " + s);
            PerplexityEval.Settings settings = new PerplexityEval.Settings(dataset, m, count, len, s, windowSeed,
                    chat ? classifier.resolve(session.ctx, err) : null, chat ? steering.plan(session.ctx, session.ctx.family().alpha) : null);
            PerplexityEval eval = new PerplexityEval(session.ctx, settings, err);
            ObjectNode results = session.run(() -> {
                var ws = eval.windows(corpus);      // fails on a too-long window before the folder is made
                EvalFolder folder = session.prepare(sha -> settings.toJson(session.ctx, sha), inputs, evalOptions.resume);
                return eval.run(corpus, ws, folder);
            });
            PrintWriter out = spec.commandLine().getOut();
            out.print(PerplexityEval.table(results));
            out.println(session.wrote());
        }
        return 0;
    }
}
