package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Mmlu;
import org.scans.eval.run.EvalFolder;
import org.scans.eval.run.MmluEval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "mmlu", mixinStandardHelpOptions = true, description = {
    "MMLU accuracy with and without SCANS.",
    "The " + Mmlu.DEFAULT_SHOTS + "-shot Hendrycks prompt (no chat wrapper), shots dropped while it is over "
            + "--max-prompt-tokens; the answer is the argmax of the next-token logits over the letter tokens A-D (resolved with the "
            + "tokenizer: ▁A ▁B ▁C ▁D on Llama-2). SCANS classifies the prompt and steers with α = 4, as the reference does."})
final class EvalMmluCommand implements Callable<Integer> {
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

    @Option(names = "--subjects", paramLabel = "LIST", defaultValue = "all",
            description = "Comma-separated subjects (file names in datasets/mmlu_test without _test.csv), or all. Default: ${DEFAULT-VALUE}.")
    String subjects;

    @Option(names = "--limit-per-subject", paramLabel = "N", defaultValue = "0", description = "The first N test questions of each subject (0 = all).")
    int limitPerSubject;

    /** Exemplars per subject in MMLU's dev split. */
    static final int MMLU_EXEMPLARS = 5;

    @Option(names = "--shots", paramLabel = "K", defaultValue = "" + Mmlu.DEFAULT_SHOTS, description = "Exemplars to start from. Default: ${DEFAULT-VALUE} (the reference's).")
    int shots;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "" + Mmlu.DEFAULT_MAX_TOKENS,
            description = "Drop shots while the prompt is longer (BOS included). Default: ${DEFAULT-VALUE}, lowered to fit the model's context.")
    int maxPromptTokens;

    @Option(names = "--steer-from", paramLabel = "WHERE", defaultValue = "marker",
            description = "marker: the reference's rule, from the last end of encode('\\nAnswer:') without BOS in the prompt, every position "
                    + "where it is missing (most prompts: it needs a space before the newline); all: every position; prompt-end: only the "
                    + "last prompt token, where the marker it meant ends. Default: ${DEFAULT-VALUE}.")
    String steerFrom;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limitPerSubject < 0) throw new UserException("--limit-per-subject must be >= 0, got " + limitPerSubject);
        if (shots < 0) throw new UserException("--shots must be >= 0, got " + shots);
        if (shots > MMLU_EXEMPLARS) throw new UserException("--shots must be at most " + MMLU_EXEMPLARS + " (MMLU's dev split holds " + MMLU_EXEMPLARS + " exemplars a subject), got " + shots);
        if (maxPromptTokens < 1) throw new UserException("--max-prompt-tokens must be >= 1, got " + maxPromptTokens);
        MmluEval.SteerFrom from = MmluEval.SteerFrom.of(steerFrom);
        if (from == null) {
            List<String> ids = java.util.Arrays.stream(MmluEval.SteerFrom.values()).map(MmluEval.SteerFrom::id).toList();
            throw new UserException("--steer-from must be " + String.join(", ", ids.subList(0, ids.size() - 1)) + " or " + ids.getLast()
                    + ", got '" + steerFrom + "'");
        }
        steering.check();
        classifier.validate();
        Path dir = evalOptions.checkedDir("mmlu");
        PrintStream err = System.err;
        // Subjects are checked before the model loads and the vectors are extracted.
        Mmlu mmlu = Mmlu.of(org.scans.data.Datasets.locate());
        List<String> chosen = subjects(mmlu.subjects());
        try (EvalSession session = EvalSession.open(modelOptions, scans, evalOptions, dir, true, EvalSession.optionsFit(scans, classifier, steering), err)) {
            int context = session.model.config().maxPositions();
            int wrapper = session.ctx.template().classification("x").encode(session.ctx.tokenizer()).length
                    - session.ctx.tokenizer().encode("x", true, false).length;
            int limit = Math.min(maxPromptTokens, context - Math.max(0, wrapper));
            if (limit < maxPromptTokens) {
                err.println("note: prompts are limited to " + limit + " tokens so that they and their classification input fit the model's context of "
                        + context);
            }
            MmluEval.Settings settings = new MmluEval.Settings(chosen, limitPerSubject, shots, limit, classifier.resolve(session.ctx, err),
                    steering.plan(session.ctx, MmluEval.REFERENCE_ALPHA), from, evalOptions.batch == null ? EvalOptions.MMLU_DEFAULT_BATCH : evalOptions.batch);
            EvalFolder folder = session.prepare(sha -> settings.toJson(session.ctx, sha), java.util.Map.of(), evalOptions.resume);
            ObjectNode results = session.run(() -> new MmluEval(session.ctx, settings, mmlu, err).run(folder));
            PrintWriter out = spec.commandLine().getOut();
            out.print(MmluEval.table(results));
            out.println(session.wrote());
        }
        return 0;
    }

    private List<String> subjects(List<String> known) {
        if (subjects.strip().equals("all")) return known;
        List<String> out = new ArrayList<>();
        for (String s : subjects.split(",")) {
            String name = s.strip();
            if (name.isEmpty()) continue;
            if (!known.contains(name)) {
                throw new UserException("--subjects: no MMLU subject '" + name + "' (" + known.size() + " subjects, e.g. "
                        + String.join(", ", known.subList(0, Math.min(4, known.size()))) + "; the names of datasets/mmlu_test/*_test.csv)");
            }
            if (!out.contains(name)) out.add(name);
        }
        if (out.isEmpty()) throw new UserException("--subjects: no subject given");
        return out;
    }
}
