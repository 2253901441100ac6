package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.scans.chat.ChatRepl;
import org.scans.chat.ChatSession;
import org.scans.data.Anchors;
import org.scans.data.Datasets;
import org.scans.engine.EngineException;
import org.scans.engine.model.LlamaModel;
import org.scans.experiment.ScansContext;
import org.scans.experiment.VectorSource;
import org.scans.method.ClassifierSettings;
import org.scans.method.Family;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "chat", mixinStandardHelpOptions = true, description = {
    "Talk to a chat model with SCANS steering: a multi-turn REPL on stdin/stdout with streaming output and tok/s.",
    "Commands: /steer on|off|auto, /alpha A, /layers 10-19, /score, /reset, /save FILE, /help. Ctrl-D ends it."})
final class ChatCommand implements Callable<Integer> {
    static final String WHAT_TO_PASS = "pass --model DIR, a Llama-2-chat or Vicuna checkpoint folder (config.json, *.safetensors, "
            + "tokenizer.model) or the name of a folder under models/ (the bundled toy model: --model stories260K)";

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--system", paramLabel = "TEXT", description = "System prompt (default: none for llama2, FastChat's for vicuna).")
    String system;

    @Option(names = "--template", paramLabel = "llama2|vicuna", defaultValue = "llama2",
            description = "Chat format, classifier prompts and presets. Default: ${DEFAULT-VALUE}.")
    String template;

    @Option(names = "--vectors", paramLabel = "FILE", description = "Vectors written by 'extract' (otherwise they are extracted from the default anchors first).")
    Path vectors;

    @Option(names = "--steer", paramLabel = "auto|on|off", defaultValue = "auto", description = "Steering at the start (see /steer). Default: ${DEFAULT-VALUE}.")
    String steer;

    @Option(names = "--alpha", paramLabel = "A", description = "Steering strength α (default: the family's, 3.5 for llama2, 4 for vicuna).")
    Double alpha;

    @Option(names = "--layers", paramLabel = "LIST", description = "Steering layers (default: the preset's, 10-19 for the paper's models).")
    String layers;

    @Option(names = "--threshold", paramLabel = "T", description = "Classifier threshold (default: the preset's).")
    Double threshold;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256", description = "Longest answer. Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (modelOptions.model == null) throw new UserException("chat needs a model: " + WHAT_TO_PASS);
        if (maxNewTokens < 1) throw new UserException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        SteeringOptions.requireAlpha(alpha);
        if (threshold != null && !Double.isFinite(threshold)) throw new UserException("--threshold must be a number");
        ChatSession.Steer mode = switch (steer) {
            case "auto" -> ChatSession.Steer.AUTO;
            case "on" -> ChatSession.Steer.ON;
            case "off" -> ChatSession.Steer.OFF;
            default -> throw new UserException("--steer must be auto, on or off, got '" + steer + "'");
        };
        Family family;
        try {
            family = Family.parse(template);
        } catch (IllegalArgumentException e) {
            throw new UserException("--template must be llama2 or vicuna, got '" + template + "'");
        }
        if (vectors != null && !Files.isRegularFile(vectors)) throw new UserException("--vectors " + vectors + ": no such file");
        Path dir = modelOptions.dir(); // its messages say what to pass
        Tokenizer tokenizer = ModelOptions.tokenizerOf(dir)
                .orElseThrow(() -> new UserException("--model " + modelOptions.model + ": " + dir + " has no tokenizer.model or tokenizer.json; " + WHAT_TO_PASS));
        LlamaModel model;
        try {
            model = LlamaModel.load(dir, modelOptions.loadOptions());
        } catch (EngineException e) {
            throw new UserException("--model " + modelOptions.model + ": " + e.getMessage() + "; " + WHAT_TO_PASS);
        }
        try (model) {
            // Before the vectors are extracted (minutes on a 7B model).
            int[] chosenLayers = layers != null ? CliFiles.layers(layers, model.config().numLayers(), "--layers") : null;
            modelOptions.noteSmallPages(model, dir, System.err::println);
            VectorSource source;
            if (vectors != null) {
                source = new VectorSource.FromFile(vectors);
            } else {
                System.err.println("no --vectors given: extracting SCANS vectors from the default anchors (64 AdvBench + 64 TruthfulQA prompts, seed "
                        + Anchors.DEFAULT_SEED + "); save them once with 'extract --out FILE' and pass --vectors FILE to skip this");
                source = new VectorSource.Sampled(Anchors.DEFAULT_SEED);
            }
            ScansContext ctx = ScansContext.open(model, tokenizer, family, vectors != null ? null : Datasets.locate(), source, Main.version(),
                    System.err::println);
            ClassifierSettings classifier = ctx.preset().classifier();
            if (threshold != null) {
                classifier = classifier.withThreshold(threshold);
                ClassifierOptions.noteOutOfRange(threshold, System.err);
            }
            int[] steerLayers = chosenLayers != null ? chosenLayers : ctx.preset().steeringLayers();
            int context = model.config().maxPositions();
            if (maxNewTokens > context / 2) {
                System.err.println("note: --max-new-tokens " + maxNewTokens + " is more than half the model's context of " + context
                        + " tokens: earlier exchanges are dropped to leave room for at most " + context / 2 + ", and long answers stop at the context");
            }
            ChatSession session = new ChatSession(model, tokenizer, ctx.template(), ctx.vectors(), classifier, steerLayers,
                    alpha != null ? alpha : ctx.preset().alpha(), system, maxNewTokens, note -> {
                        System.err.println("note: " + note);
                        System.err.flush();
                    });
            session.steer(mode, -1);
            PrintWriter out = spec.commandLine().getOut();
            org.scans.chat.Utf8Lines in = new org.scans.chat.Utf8Lines(new java.io.BufferedInputStream(System.in));
            new ChatRepl(session, tokenizer, in, out, ModelLocator.displayName(dir), arg -> {
                Path p = Path.of(arg);
                try {
                    CliFiles.checkWritable(p, "/save");
                    CliFiles.checkNotAnInput(p, "/save", dir, vectors);
                } catch (UserException e) {
                    throw new IllegalArgumentException(e.getMessage());
                }
                return p;
            }).run();
        }
        return 0;
    }
}
