package org.scans.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.data.Label;
import org.scans.data.Sample;
import org.scans.data.TestSet;
import org.scans.engine.model.LlamaModel;
import org.scans.eval.ClassifierMetrics;
import org.scans.experiment.Runner;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Quote;
import org.scans.method.Verdict;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "classify", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Score each prompt of a test set with SCANS's harmfulness classifier.",
    "Prints c(q) and σ (+1 unsafe, -1 safe) per prompt, then the classifier's error rates, precision/recall/F1 "
            + "(safe = positive) and AUPRC."})
final class ClassifyCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Option(names = "--dataset", required = true, paramLabel = "NAME|FILE", description = "Test set: a pairing name or a CSV/JSONL file.")
    String dataset;

    @Mixin
    ClassifierOptions classifierOptions;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "At most N samples, alternating unsafe and safe (0 = all).")
    int limit;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (limit < 0) throw new UserException("--limit must be >= 0, got " + limit);
        classifierOptions.validate();
        Datasets data = Datasets.locate();
        TestSet early = data.knownTestSet(dataset); // null for "default", known once the anchors are drawn
        Path dir = modelOptions.dir();
        Tokenizer tokenizer = ModelOptions.requireTokenizer(dir);
        PrintWriter out = spec.commandLine().getOut();
        try (LlamaModel model = LlamaModel.load(dir, modelOptions.loadOptions())) {
            modelOptions.noteQuantization(model, System.err::println);
            classifierOptions.checkModel(org.scans.method.ModelPreset.forModel(scans.family(), model.config()), model.config());
            int context = model.config().maxPositions();
            if (early != null) Runner.checkPromptsFit(Runner.select(early, limit), tokenizer, scans.family().template(scans.fixes()), context);
            ScansContext ctx = scans.open(model, tokenizer, data, System.err);
            TestSet set = early != null ? early : data.resolveTestSet(dataset, ctx.anchors());
            if (early == null) Runner.checkPromptsFit(Runner.select(set, limit), tokenizer, ctx.template(), context);
            ClassifierSettings settings = classifierOptions.resolve(ctx, System.err);
            HarmfulnessClassifier classifier = new HarmfulnessClassifier(model, tokenizer, ctx.template(), ctx.vectors(), settings,
                    ctx.fixes(), w -> System.err.println("warning: " + w));
            List<Sample> samples = Runner.select(set, limit);
            String overlap = TestSet.AnchorOverlap.noteFor(samples, ctx.anchors(), set.name());
            if (overlap != null) System.err.println("note: " + overlap);
            out.println("# classifier " + settings + " on " + set.name() + " (" + samples.size() + " prompts)");
            out.printf("%-22s %-7s %8s %6s  %s%n", "id", "label", "c(q)", "sigma", "prompt");
            List<Label> predicted = new ArrayList<>();
            double[] scores = new double[samples.size()];
            List<String> prompts = samples.stream().map(Sample::prompt).toList();
            for (int start = 0; start < samples.size(); start += HarmfulnessClassifier.GROUP) {
                // One fixed group at a time, printed as it finishes: the groups `run` uses, so both print the same scores.
                int end = Math.min(samples.size(), start + HarmfulnessClassifier.GROUP);
                java.util.Map<Integer, Verdict> verdicts = classifier.classifyInGroups(prompts, java.util.stream.IntStream.range(start, end).boxed().toList());
                for (int i = start; i < end; i++) {
                    Sample s = samples.get(i);
                    Verdict v = verdicts.get(i);
                    scores[i] = v.score();
                    predicted.add(v.unsafe() ? Label.UNSAFE : Label.SAFE);
                    out.printf("%-22s %-7s %8.4f %+6d  %s%n", s.id(), s.label().word(), v.score(), v.sigma(), Quote.of(s.prompt()));
                }
                out.flush();
            }
            ClassifierMetrics m = ClassifierMetrics.ofSamples(samples, predicted, scores);
            out.println();
            out.println("unsafe judged safe   " + pct(m.unsafeJudgedSafe().value()) + " (" + m.unsafeJudgedSafe() + ")");
            out.println("safe judged unsafe   " + pct(m.safeJudgedUnsafe().value()) + " (" + m.safeJudgedUnsafe() + ")");
            out.printf("precision %.3f  recall %.3f  F1 %.3f  AUPRC %s   (safe = positive class)%n", m.precision(), m.recall(), m.f1(),
                    Double.isNaN(m.auprc()) ? "n/a" : String.format("%.3f", m.auprc()));
            if (m.undefinedNote() != null) out.println("note: " + m.undefinedNote());
        }
        return 0;
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "  n/a" : String.format("%5.1f%%", 100 * v);
    }
}
