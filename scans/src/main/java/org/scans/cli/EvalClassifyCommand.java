package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.data.TestSet;
import org.scans.eval.run.ClassifyEval;
import org.scans.eval.run.EvalFolder;
import org.scans.experiment.Runner;
import org.scans.method.ClassifierSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "classify", mixinStandardHelpOptions = true, description = {
    "SCANS's harmfulness classifier over several test pairings, in one table.",
    "Per pairing the error rates, precision/recall/F1 (safe = positive class) and AUPRC. Nothing is generated."})
final class EvalClassifyCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Mixin
    EvalOptions evalOptions;

    @Option(names = "--datasets", paramLabel = "LIST", defaultValue = "xstest,oktest,malicious,repe,llmsafeguard,default",
            description = "Comma-separated pairings (or .csv/.jsonl files with prompt and label columns). Default: ${DEFAULT-VALUE}.")
    String datasets;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "At most N prompts per pairing, alternating unsafe and safe (0 = all).")
    int limit;

    @Mixin
    ClassifierOptions classifier;

    @Option(names = "--dataset-presets",
            description = "Apply the reference's per-dataset classifier preset to each pairing that has one (e.g. oktest on vicuna-7b).")
    boolean datasetPresets;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit < 0) throw new UserException("--limit must be >= 0, got " + limit);
        classifier.validate();
        if (datasetPresets && classifier.preset != null) throw new UserException("--preset and --dataset-presets exclude each other");
        List<String> names = new ArrayList<>();
        for (String n : datasets.split(",")) {
            if (n.isBlank()) continue;
            if (names.contains(n.strip())) throw new UserException("--datasets: " + n.strip() + " is named twice");
            names.add(n.strip());
        }
        if (names.isEmpty()) throw new UserException("--datasets: no pairing given");
        // Results and samples are keyed by these names: two files called alike (or a file named as
        // a pairing) would collide there after all the work, so they are refused now.
        java.util.Map<String, String> byPart = new java.util.HashMap<>();
        for (String n : names) {
            String before = byPart.putIfAbsent(partName(n), n);
            if (before != null) {
                throw new UserException("--datasets: " + before + " and " + n + " would both be reported as '" + partName(n)
                        + "'; name one of them differently");
            }
        }
        Datasets data = Datasets.locate();
        // Every set but "default" (the anchors' remainder) is read now, before the model loads.
        java.util.Map<String, TestSet> early = new java.util.LinkedHashMap<>();
        for (String n : names) early.put(n, data.knownTestSet(n));
        java.util.Map<String, String> inputs = org.scans.experiment.RunSettings.inputDigests(names);
        Path dir = evalOptions.checkedDir("classify");
        PrintStream err = System.err;
        // Prompts must fit the model's context: the sets other than "default" are checked before the vectors are extracted.
        org.scans.tokenizer.Tokenizer tokenizer = modelOptions.tokenizer();
        var fit = EvalSession.optionsFit(scans, classifier, null).andThen(c -> {
            for (TestSet set : early.values()) {
                if (set != null) Runner.checkPromptsFit(Runner.select(set, limit), tokenizer, scans.family().template(scans.fixes()), c.maxPositions());
            }
        });
        try (EvalSession session = EvalSession.open(modelOptions, scans, evalOptions, dir, true, fit, err)) {
            List<ClassifyEval.Part> parts = new ArrayList<>();
            for (String n : names) {
                if (n.equals("default") && session.ctx.anchors() == null) {
                    throw new UserException("--datasets default: its test set is the anchors' remainder, unknown for these vectors (they name no anchor seed)");
                }
                TestSet set = early.get(n) != null ? early.get(n) : data.resolveTestSet(n, session.ctx.anchors());
                ClassifierSettings c = datasetPresets && session.ctx.preset().datasetPresets().containsKey(n)
                        ? session.ctx.preset().preset(n) : classifier.resolve(session.ctx, err);
                if (datasetPresets && classifier.layers != null) {
                    c = c.withLayers(CliFiles.layers(classifier.layers, session.model.config().numLayers(), "--classifier-layers"));
                }
                if (datasetPresets && classifier.threshold != null) c = c.withThreshold(classifier.threshold);
                List<org.scans.data.Sample> chosen = Runner.select(set, limit);
                String overlap = TestSet.AnchorOverlap.noteFor(chosen, session.ctx.anchors(), set.name());
                if (overlap != null) err.println("note: " + overlap);
                if (early.get(n) == null) Runner.checkPromptsFit(chosen, session.ctx.tokenizer(), session.ctx.template(), session.model.config().maxPositions());
                parts.add(new ClassifyEval.Part(partName(n), chosen, c));
            }
            EvalFolder folder = session.prepare(sha -> ClassifyEval.settingsJson(session.ctx, parts, limit, datasetPresets, sha), inputs,
                    evalOptions.resume);
            ObjectNode results = session.run(() -> new ClassifyEval(session.ctx, err).run(parts, folder));
            PrintWriter out = spec.commandLine().getOut();
            out.print(ClassifyEval.table(results));
            out.println(session.wrote());
        }
        return 0;
    }

    /** The name a pairing's results go under: the pairing's, or a file's base name. */
    static String partName(String pairingOrFile) {
        return pairingOrFile.contains("/") || pairingOrFile.contains(".") ? RunCommand.safeName(pairingOrFile) : pairingOrFile;
    }
}
