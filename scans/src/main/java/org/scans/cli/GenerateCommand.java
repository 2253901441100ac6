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
import org.scans.tokenizer.StreamingDecoder;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = {
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

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Path dir = modelOptions.dir();
        GenerationConfig config;
        try {
            config = new GenerationConfig(maxNewTokens, temperature, topK, topP, repetitionPenalty, seed, Set.copyOf(stopIds), true);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        Optional<Tokenizer> tokenizer = prompt.text != null ? Optional.of(ModelOptions.requireTokenizer(dir)) : ModelOptions.tokenizerOf(dir);
        int[] promptIds = prompt.text != null
                ? tokenizer.get().encode(prompt.text, true, false)
                : Ids.parse("--prompt-ids", prompt.ids);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (LlamaModel model = LlamaModel.load(dir, modelOptions.loadOptions())) {
            Sequence seq = model.newSequence();
            StreamingDecoder decoder = tokenizer.map(Tokenizer::streamingDecoder).orElse(null);
            Generation g = new Generator(model).generate(seq, promptIds, config, id -> {
                if (json) return;
                if (decoder != null) out.print(decoder.accept(id));
                else out.print(id + " ");
                out.flush();
            });
            String text = tokenizer.map(t -> t.decode(g.ids())).orElse("");
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("prompt_ids", promptIds);
                o.put("ids", g.ids());
                o.put("text", text);
                o.put("prompt_tok_s", round(g.promptTokensPerSecond()));
                o.put("gen_tok_s", round(g.decodeTokensPerSecond()));
                o.put("stop", g.reason().name().toLowerCase());
                out.println(Json.write(o));
            } else {
                if (decoder != null) out.print(decoder.finish());
                out.println();
                err.printf("prompt: %d tokens, %.1f tok/s | generated: %d tokens, %.1f tok/s | stop: %s%n",
                        promptIds.length, g.promptTokensPerSecond(), g.ids().length, g.decodeTokensPerSecond(),
                        g.reason().name().toLowerCase());
            }
            out.flush();
            if (g.reason() == StopReason.CONTEXT_LIMIT) {
                throw new UserException("context limit reached: the model's context holds " + model.config().maxPositions()
                        + " positions (prompt " + promptIds.length + " + " + g.ids().length + " generated)");
            }
        }
        return 0;
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }
}
