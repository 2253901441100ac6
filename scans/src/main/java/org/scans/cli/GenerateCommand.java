package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.Generator;
import org.scans.engine.generate.StopReason;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;
import org.scans.method.Family;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Layers;
import org.scans.method.ModelPreset;
import org.scans.method.ScansVectors;
import org.scans.method.SteeringHook;
import org.scans.method.Verdict;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.StreamingDecoder;
import org.scans.tokenizer.template.MarkerFinder;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Generate a continuation and stream it; then a line with prompt and generation tok/s (on stderr).",
    "--prompt is encoded as BOS + the text; --prompt-ids is used verbatim."})
final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    static final class PromptSource {
        @Option(names = "--prompt", paramLabel = "TEXT", description = "Prompt text (BOS is added).")
        String text;

        @Option(names = "--prompt-ids", paramLabel = "IDS", description = "Prompt token ids, e.g. 1,403,407 (used as given).")
        String ids;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptSource prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256", description = "Default: ${DEFAULT-VALUE}.")
    int maxNewTokens;

    @Option(names = "--temperature", paramLabel = "T", defaultValue = "0", description = "0 = greedy (default).")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "0", description = "Keep the K most likely tokens (0 = all).")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "1", description = "Nucleus sampling mass (1 = off).")
    float topP;

    @Option(names = "--repetition-penalty", paramLabel = "R", defaultValue = "1",
            description = "Hugging Face repetition penalty over every id in the sequence, prompt included (1 = off).")
    float repetitionPenalty;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "Sampling seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--stop-id", paramLabel = "ID", description = "Stop when this id is generated (repeatable), besides EOS.")
    List<Integer> stopIds = List.of();

    @Option(names = "--json", description = "Print one JSON object instead of streaming text.")
    boolean json;

    @Option(names = "--steer", paramLabel = "FILE", description = "Steer with SCANS vectors from 'extract': add sign·α·v_l on the steering layers from the end of the instruction on.")
    Path steer;

    @Option(names = "--alpha", paramLabel = "A", description = "Steering strength (default: the family's, 3.5 for llama2).")
    Double alpha;

    @Option(names = "--layers", paramLabel = "LIST", description = "Steering layers, e.g. 10-19 (default: the preset's).")
    String layers;

    @Option(names = "--sign", paramLabel = "auto|+1|-1", defaultValue = "auto",
            description = "auto: the classifier decides (+1 toward refusal for unsafe prompts, -1 away for safe ones); or fixed (+ and - too, as chat's /steer on takes). Default: ${DEFAULT-VALUE}.")
    String sign;

    @Option(names = "--family", paramLabel = "NAME", defaultValue = "llama2", description = "Templates and presets for --steer: llama2 or vicuna.")
    String family;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = modelOptions.dir();
        GenerationConfig config;
        var parsed = spec.commandLine().getParseResult();
        for (String o : List.of("--temperature", "--top-p", "--repetition-penalty")) {
            // A float option parses 1e308 as Infinity, and the error would then name a value the user never typed.
            if (parsed.hasMatchedOption(o)) {
                String typed = parsed.matchedOption(o).stringValues().getLast();
                try {
                    double d = Double.parseDouble(typed);
                    if (Double.isFinite(d) && Float.isInfinite((float) d)) throw new UserException(o + " " + typed + ": beyond the largest float, " + Float.MAX_VALUE);
                } catch (NumberFormatException e) {
                    // picocli has refused it already
                }
            }
        }
        try {
            config = new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, Set.copyOf(stopIds), true);
        } catch (IllegalArgumentException e) {
            // GenerationConfig names the setting as this command's flag, without the dashes.
            throw new UserException("--" + e.getMessage());
        }
        if (temperature == 0) {
            // Greedy decoding draws nothing: these would be silently ignored.
            List<String> unused = new java.util.ArrayList<>();
            for (String o : List.of("--seed", "--top-k", "--top-p")) if (parsed.hasMatchedOption(o)) unused.add(o);
            if (!unused.isEmpty()) spec.commandLine().getErr().println("note: " + String.join(", ", unused) + " take effect only when sampling (--temperature above 0); this run is greedy");
        }
        Optional<Tokenizer> tokenizer = prompt.text != null ? Optional.of(ModelOptions.requireTokenizer(dir)) : ModelOptions.tokenizerOf(dir);
        int[] promptIds = prompt.text != null
                ? tokenizer.get().encode(prompt.text, true, false)
                : Ids.parse("--prompt-ids", prompt.ids);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        SteeringOptions.requireAlpha(alpha);
        if (steer == null && (alpha != null || layers != null || !sign.equals("auto") || parsed.hasMatchedOption("--family"))) {
            throw new UserException("--alpha, --layers, --sign and --family need --steer FILE");
        }
        try (LlamaModel model = LlamaModel.load(dir, modelOptions.loadOptions())) {
            modelOptions.noteQuantization(model, System.err::println);
            int vocab = model.config().vocabSize();
            for (int id : stopIds) {
                // An id the model can never produce would silently never stop anything.
                if (id < 0 || id >= vocab) throw new UserException("--stop-id " + id + " is outside the vocabulary (0.." + (vocab - 1) + ")");
            }
            Sequence seq = model.newSequence();
            Steering steering = null;
            if (steer != null) {
                steering = steering(model, tokenizer.orElseThrow(() -> new UserException(dir + " has no tokenizer, which --steer needs")),
                        promptIds, err);
                seq.addHook(steering.hook());
            }
            StreamingDecoder decoder = tokenizer.map(Tokenizer::outputDecoder).orElse(null);
            Generation g = new Generator(model).generate(seq, promptIds, config, id -> {
                if (json) return;
                if (decoder != null) out.print(decoder.accept(id));
                else out.print(id + " ");
                out.flush();
            });
            String text = tokenizer.map(t -> t.decodeOutput(g.ids())).orElse("");
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_ids", promptIds);
                o.put("ids", g.ids());
                o.put("text", text);
                o.put("prompt_tok_s", round(g.promptTokensPerSecond()));
                o.put("gen_tok_s", round(g.decodeTokensPerSecond()));
                o.put("stop", org.scans.experiment.Json.id(g.reason()));
                if (steering != null) o.put("steering", steering.json());
                out.println(Json.write(o));
            } else {
                if (decoder != null) out.print(decoder.finish());
                out.println();
                err.printf("prompt: %d tokens, %.1f tok/s | generated: %d tokens, %.1f tok/s | stop: %s%n",
                        promptIds.length, g.promptTokensPerSecond(), g.ids().length, g.decodeTokensPerSecond(),
                        org.scans.experiment.Json.id(g.reason()));
            }
            out.flush();
            if (g.reason() == StopReason.CONTEXT_LIMIT) {
                // A stop like the others, with its output whole: a note, not a failure (exit 0).
                err.println("note: the generation stopped at the model's context of " + model.config().maxPositions()
                        + " positions (prompt " + promptIds.length + " + " + g.ids().length + " generated)");
            }
        }
        return 0;
    }

    /**
     * The steering hook and what it was built from, for {@code --json}: the same facts the text
     * mode prints on stderr, where a script reading stdout would not see them.
     */
    private record Steering(SteeringHook hook, Map<String, Object> json) {}

    /** Builds the steering hook: vectors checked against the model, sign fixed or from the classifier. */
    private Steering steering(LlamaModel model, Tokenizer tok, int[] promptIds, PrintWriter err) {
        Map<String, Object> json = new LinkedHashMap<>();
        Family fam = ScansOptions.parseFamily(family);
        ScansVectors vectors = VectorsFile.readFor(steer, model.config());
        String fixes = vectors.metadata().get(ScansVectors.FIXES);
        if (fixes != null && !org.scans.method.Fix.parseDescribed(fixes).map(f -> org.scans.method.Fix.ofVectors(f).isEmpty()).orElse(false)) {
            // generate builds the reference's templates: a query is then scored otherwise than run --fix scores it.
            err.println("note: " + steer + " was extracted with fixes " + fixes + "; generate uses the reference's templates (no --fix), "
                    + "so --sign auto can score a query otherwise than run with those fixes does");
        }
        String vt = vectors.metadata().get(ScansVectors.TEMPLATE);
        if (vt != null && !vt.equals(fam.template().name())) {
            // as run, classify, chat and eval say it: --sign auto then scores with another template's transitions
            err.println("note: " + steer + " was extracted with the " + vt + " template; this session uses " + fam.template().name());
        }
        ModelPreset preset = ModelPreset.forModel(fam, model.config());
        int[] steerLayers = layers != null ? CliFiles.layers(layers, model.config().numLayers(), "--layers") : preset.steeringLayers();
        double a = alpha != null ? alpha : preset.alpha();
        int s = switch (sign.strip()) {
            case "+1", "1", "+" -> 1;
            case "-1", "-" -> -1;
            case "auto" -> {
                if (prompt.text == null) throw new UserException("--sign auto classifies the prompt text; with --prompt-ids give --sign +1 or -1");
                // The classifier wraps its query in the template itself: a prompt already wrapped
                // ("[INST] q [/INST]") is classified by its last instruction q, as run classifies q.
                var unwrapped = fam.template().lastQuery(prompt.text);
                String query = unwrapped.orElse(prompt.text);
                Verdict v = new HarmfulnessClassifier(model, tok, fam.template(), vectors, preset.classifier(),
                        w -> err.println("warning: " + w)).classify(query);
                err.printf(java.util.Locale.ROOT, "classifier: c(q) = %.4f, %s -> sign %+d%s%n", v.score(), v.unsafe() ? "unsafe" : "safe", v.sigma(),
                        unwrapped.isPresent() ? " (query: the prompt's last instruction, " + org.scans.method.Quote.of(query) + ")" : "");
                json.put("c_q", v.score());
                json.put("verdict", v.unsafe() ? "unsafe" : "safe");
                yield v.sigma();
            }
            default -> throw new UserException("--sign must be auto, +1 (or +) or -1 (or -), got " + sign);
        };
        int from = MarkerFinder.of(tok, fam.template()).lastEnd(promptIds);
        if (from < 0) {
            String marker = fam.template().marker().replace("\n", "\\n");
            err.println("note: no \"" + marker + "\" marker in the prompt; steering every position (as the reference does)");
        }
        err.println("steering: layers " + Layers.format(steerLayers) + ", α = " + a + ", sign " + (s > 0 ? "+1" : "-1")
                + (from >= 0 ? ", from position " + from : ""));
        json.put("sign", s);
        json.put("sign_from", sign.strip().equals("auto") ? "classifier" : "--sign");
        json.put("alpha", a);
        json.put("layers", Layers.format(steerLayers));
        json.put("from_position", from >= 0 ? from : 0);
        return new Steering(new SteeringHook(vectors, steerLayers, a, s, from), json);
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
