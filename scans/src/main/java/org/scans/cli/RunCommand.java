package org.scans.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.scans.data.Datasets;
import org.scans.data.Sample;
import org.scans.data.TestSet;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.tensor.DType;
import org.scans.experiment.RunSettings;
import org.scans.experiment.RunSummary;
import org.scans.experiment.Runner;
import org.scans.experiment.ScansContext;
import org.scans.experiment.VectorSource;
import org.scans.judge.MatchStringsJudge;
import org.scans.judge.XSTestPrefixJudge;
import org.scans.method.ClassifierSettings;
import org.scans.method.SteeringPlan;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Run the SCANS experiment on a test set: classify, steer, generate, judge refusals.",
    "Each prompt is classified, answered with steering (sign from the classifier) and judged; writes DIR/samples.jsonl, "
            + "DIR/summary.json and a summary table.",
    "Datasets: default, xstest, oktest, malicious, repe, llmsafeguard, or a CSV/JSONL file with prompt and label columns."})
final class RunCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    ScansOptions scans;

    @Option(names = "--dataset", required = true, paramLabel = "NAME|FILE", description = "Test set: a pairing name or a CSV/JSONL file.")
    String dataset;

    @Option(names = "--alpha", paramLabel = "A", description = "Steering strength α (default: 3.5 for llama2, 4 for vicuna).")
    Double alpha;

    @Option(names = "--layers", paramLabel = "LIST", description = "Steering layers, e.g. 10-19 (default: the preset's).")
    String layers;

    @Mixin
    ClassifierOptions classifierOptions;

    @Option(names = "--baseline", description = "Also generate without steering, for comparison.")
    boolean baseline;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Run at most N samples, alternating unsafe and safe (0 = all).")
    int limit;

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "256", description = "Default: ${DEFAULT-VALUE} (the reference's).")
    int maxNewTokens;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder (default: runs/<dataset>-<time>).")
    Path out;

    @Option(names = "--resume", description = "Continue the run in --out without repeating finished samples.")
    boolean resume;

    @Option(names = "--keep-pages", description = "Leave the weights in the page cache as they are. By default, when most of a model of 256 MB or more sits in 4 KiB pages (a checkpoint just copied in is cached so), the files are dropped from the page cache and read back first, as `pages --refill` does: batched decoding runs at half speed from 4 KiB pages.")
    boolean keepPages;

    @Option(names = "--batch", paramLabel = "B",
            description = "Generations decoded together (one forward call per step for all). Default: chosen from the memory the KV caches need (see --kv-cache): 32 for models of 1 GB or more where that fits, else at most 16.")
    Integer batch;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (limit < 0) throw new UserException("--limit must be >= 0, got " + limit);
        if (batch != null && batch < 1) throw new UserException("--batch must be >= 1, got " + batch);
        if (maxNewTokens < 1) throw new UserException("--max-new-tokens must be >= 1, got " + maxNewTokens);
        SteeringOptions.requireAlpha(alpha);
        classifierOptions.validate();
        boolean afresh = CliFiles.stoppedBeforeItsSettings(out, resume, Runner.SETTINGS_FILE);
        if (afresh) resume = false;
        Path checked = CliFiles.outputDir(out, safeName(dataset), resume, "run", Runner.SETTINGS_FILE, Runner::holdsRun, "a run");
        Datasets data = Datasets.locate();
        TestSet early = data.knownTestSet(dataset); // null for "default", known once the anchors are drawn
        List<Sample> earlySamples = early == null ? null : Runner.select(early, limit);
        java.util.Map<String, String> inputs = RunSettings.inputDigests(List.of(dataset));
        Path modelDir = modelOptions.dir();
        CliFiles.checkNotAnInput(checked, "--out", modelDir);
        Tokenizer tokenizer = ModelOptions.requireTokenizer(modelDir);
        // Claimed before the model loads and held until the run ends: a second process on this
        // folder (a --resume typed while it runs) is refused at once.
        try (OutputFolder folder = OutputFolder.claim(checked, out == null, resume, Runner::holdsRun, "a run")) {
            // After the claim: a process still starting in the folder is refused, not told of a fresh start.
            if (afresh) System.err.println(CliFiles.startsAfresh(folder.dir, "run", Runner.SETTINGS_FILE));
            try {
                run(folder.dir, data, early, earlySamples, inputs, modelDir, tokenizer);
            } catch (Exception e) {
                folder.failed();
                throw e;
            }
        }
        return 0;
    }

    private void run(Path dir, Datasets data, TestSet early, List<Sample> earlySamples, java.util.Map<String, String> inputs,
                     Path modelDir, Tokenizer tokenizer) throws Exception {
        int perSample = baseline ? 2 : 1; // generations: the steered answer, and the baseline's
        PrintStream err = System.err;
        modelOptions.refillSmallPages(modelDir, keepPages, err::println);
        try (LlamaModel model = LlamaModel.load(modelDir, modelOptions.loadOptions())) {
            modelOptions.noteSmallPages(model, modelDir, err::println);
            if (maxNewTokens >= model.config().maxPositions()) {
                err.println("note: --max-new-tokens " + maxNewTokens + " is more than the model's context of " + model.config().maxPositions()
                        + " positions holds after a prompt; answers stop at the context (stop: context_limit in samples.jsonl)");
            }
            if (batch != null) {
                // Before the vectors are extracted (minutes on a 7B model), not when the caches run out;
                // a batch that cannot fit throws, which Errors prints as one "error:" line.
                // As many as decode together: no more than the run's generations (a known set: its
                // selection, baseline twice). The message then names that width, not the one typed.
                int needed = earlySamples == null ? batch : earlySamples.size() * perSample;
                String warning = Runner.checkBatch(Math.min(batch, Math.max(1, needed)), model.config(), model.weights().checkpointBytes(),
                        model.kvCacheType(), maxNewTokens);
                if (warning != null) err.println("warning: " + warning);
            }
            int n = model.config().numLayers();
            int[] steerLayers = layers != null ? CliFiles.layers(layers, n, "--layers") : null;
            classifierOptions.checkModel(org.scans.method.ModelPreset.forModel(scans.family(), model.config()), model.config());
            int context = model.config().maxPositions();
            if (earlySamples != null) Runner.checkPromptsFit(earlySamples, tokenizer, scans.family().template(scans.fixes()), context);
            Path vectorsCopy = dir.resolve(Runner.VECTORS_FILE);
            VectorSource source = scans.source(vectorsCopy, resume, err);
            ScansContext ctx = scans.open(model, tokenizer, data, source, err);
            TestSet set = early != null ? early : data.resolveTestSet(dataset, ctx.anchors());
            List<Sample> samples = earlySamples != null ? earlySamples : Runner.select(set, limit);
            if (earlySamples == null) Runner.checkPromptsFit(samples, tokenizer, ctx.template(), context);
            ClassifierSettings classifier = classifierOptions.resolve(ctx, err);
            SteeringPlan plan = new SteeringPlan(steerLayers != null ? steerLayers : ctx.preset().steeringLayers(),
                    alpha != null ? alpha : ctx.preset().alpha(), 0);
            if (ctx.preset().scaled()) {
                err.println("note: " + ctx.preset().name() + " is not one of the paper's models; using its layer choices scaled to "
                        + n + " layers: classifier " + classifier + ", steering " + plan);
            }
            String overlap = TestSet.AnchorOverlap.noteFor(samples, ctx.anchors(), set.name());
            if (overlap != null) err.println("note: " + overlap);
            // No more generations decode together than the run has: a larger --batch would only reserve
            // memory (PrefixReuse's budget) for caches that never exist.
            int generations = Math.max(1, samples.size() * perSample);
            int b = Math.min(generations, batch != null ? batch
                    : Runner.defaultBatch(model.config(), model.weights().checkpointBytes(), model.kvCacheType(), maxNewTokens));
            if (batch == null) {
                int half = model.kvCacheType() == DType.F16 ? b
                        : Math.min(generations, Runner.defaultBatch(model.config(), model.weights().checkpointBytes(), DType.F16, maxNewTokens));
                err.println("batch: " + b + " generations at a time (--batch to change"
                        + (half > b ? "; with --kv-cache f16, " + half + " would fit" : "") + ")");
            }
            RunSettings settings = new RunSettings(RunSettings.modelPath(modelDir), model.config().hash(), dataset, ctx.family().id,
                    ctx.template().name(), classifier, classifierOptions.preset, plan, baseline, limit, maxNewTokens, ctx.vectors().digest(),
                    org.scans.method.Fix.describe(ctx.fixes()), model.kvCacheType(), model.quantization(), inputs);
            Runner.prepare(dir, settings, resume);
            // After the settings check, which compares the vectors' digest: a resumed run whose copy
            // was deleted gets it back.
            if (!resume || !Files.exists(vectorsCopy)) VectorsFile.write(ctx.vectors(), vectorsCopy);
            Runner runner = new Runner(ctx, settings, List.of(MatchStringsJudge.standard(), new XSTestPrefixJudge()), err, b);
            if (overlap != null) runner.keepWarning(overlap);
            ObjectNode summary = runner.run(samples, dir);
            PrintWriter o = spec.commandLine().getOut();
            o.print(RunSummary.table(summary));
            if (!runner.leftUnchanged()) {
                o.println("wrote " + dir.resolve(org.scans.experiment.SampleLog.FILE) + " and " + dir.resolve(Runner.SUMMARY_FILE));
            }
            o.flush();
        }
    }

    static String safeName(String s) {
        String base = Path.of(s).getFileName().toString().replaceAll("\\.[A-Za-z]+$", "");
        return base.replaceAll("[^A-Za-z0-9_.-]", "_");
    }

    static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // Best effort: the error that brought us here matters more.
        }
    }
}
