package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scans.data.PythonText;
import org.scans.data.Summarization;
import org.scans.data.SummaryExample;
import org.scans.engine.generate.BatchGenerator;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.SharedPrefix;
import org.scans.engine.generate.StopReason;
import org.scans.engine.generate.TokenListener;
import org.scans.eval.Rate;
import org.scans.eval.Rouge;
import org.scans.experiment.Progress;
import org.scans.experiment.Runner;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.Fix;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Layers;
import org.scans.method.PrefixReuse;
import org.scans.method.SteeredGenerator;
import org.scans.method.SteeringPlan;
import org.scans.method.Verdict;
import org.scans.tokenizer.Tokenizer;

/**
 * Summaries with and without SCANS (SCANS.md §10, the reference's {@code xsum_eval.py}): the
 * query {@code "Document:" + text.strip() + "\nBased on the previous text, provide a brief single
 * summary:"} goes through the classifier and the generation template like any prompt of a run;
 * 128 new tokens, greedy, repetition penalty 1.1; ROUGE-1/2/L F of each summary against the
 * reference one ({@link Rouge}), averaged.
 */
public final class XsumEval {
    public static final int REFERENCE_MAX_NEW_TOKENS = 128;

    /**
     * @param data  the file read
     * @param rows  how many examples were drawn (the reference's 200), or 0 for all
     */
    public record Settings(String data, String documentColumn, String summaryColumn, int rows, long sampleSeed, int maxNewTokens,
                           ClassifierSettings classifier, SteeringPlan plan) {
        public ObjectNode toJson(ScansContext ctx, String vectorsSha256) {
            ObjectNode o = JsonFigures.object();
            o.put("eval", "xsum");
            o.put("model", org.scans.experiment.RunSettings.modelPath(ctx.model().directory()));
            o.put("config_hash", ctx.model().config().hash());
            o.put("family", ctx.family().id);
            o.put("fixes", Fix.describe(ctx.fixes()));
            o.put("data", data);
            o.put("document_column", documentColumn);
            o.put("summary_column", summaryColumn);
            o.put("rows", rows);
            o.put("sample_seed", sampleSeed);
            o.put("max_new_tokens", maxNewTokens);
            org.scans.experiment.RunSettings.putClassifier(o, classifier);
            o.put("steering_layers", Layers.format(plan.layers()));
            o.put("alpha", plan.alpha());
            o.put("vectors_sha256", vectorsSha256);
            o.put("generation", "greedy, repetition penalty 1.1, stop at EOS");
            o.put("rouge_hypothesis", ctx.fixes().contains(Fix.ROUGE_WITHOUT_EOS) ? "response" : "response + </s> after EOS (reference)");
            return o;
        }
    }

    private final ScansContext ctx;
    private final Settings settings;
    private final int batch;
    private final PrintStream err;
    private final org.scans.experiment.FolderWarnings warnings = new org.scans.experiment.FolderWarnings();

    /** @param batch generations decoded together, or 0 for what fits in memory */
    public XsumEval(ScansContext ctx, Settings settings, int batch, PrintStream err) {
        if (batch < 0) throw new IllegalArgumentException("--batch must be >= 1, got " + batch);
        this.ctx = ctx;
        this.settings = settings;
        this.batch = batch;
        this.err = err;
    }

    /**
     * Draws the examples from the documents {@link Summarization#read} gave, whose warnings (rows
     * it skipped) this eval prints and keeps with its results.
     */
    public List<SummaryExample> examples(List<SummaryExample> all, List<String> readWarnings) {
        readWarnings.forEach(this::warn);
        if (settings.rows() == 0 || settings.rows() >= all.size()) return all;
        return Summarization.sample(all, settings.rows(), settings.sampleSeed());
    }

    public ObjectNode run(List<SummaryExample> examples, EvalFolder folder) throws IOException {
        folder.keep(warnings);
        folder.requireOnly(examples.stream().map(XsumEval::id).toList(), "eval's " + examples.size() + " documents");
        List<SummaryExample> todo = examples.stream().filter(e -> !folder.done().contains(id(e))).toList();
        if (!folder.done().isEmpty()) err.println("resuming: " + (examples.size() - todo.size()) + " of " + examples.size() + " documents already done");
        HarmfulnessClassifier classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                settings.classifier(), ctx.fixes(), this::warn);
        SteeredGenerator generator = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.fixes(), this::warn);
        GenerationConfig gen = SteeredGenerator.referenceConfig(settings.maxNewTokens());
        int context = ctx.model().config().maxPositions();
        // Tokens count as they are decoded, so a batch that decodes for minutes moves the bar.
        Progress progress = new Progress(err, examples.size(), examples.size() - todo.size(), "xsum", 2L * settings.maxNewTokens());
        long t0 = System.nanoTime();
        // Every document that fits, done or not: classification groups are fixed positions
        // in this list (HarmfulnessClassifier.classifyInGroups), so a resumed eval scores
        // as an uninterrupted one. Only the pending ones are logged or generated.
        List<SummaryExample> fitting = new ArrayList<>();
        List<String> queries = new ArrayList<>();
        List<Integer> promptLengths = new ArrayList<>();
        List<ObjectNode> skipped = new ArrayList<>();
        for (SummaryExample e : examples) {
            boolean pending = !folder.done().contains(id(e));
            String q = Summarization.instruction(e.document());
            int classify = ctx.template().classification(q).encode(ctx.tokenizer()).length;
            int prompt = generator.promptIds(q).length;
            if (Math.max(classify, prompt + 1) > context) {
                if (!pending) continue;
                String why = "the document's prompt (" + prompt + " tokens; " + classify + " with the classification wrapper) leaves no room "
                        + "in the model's context of " + context;
                ObjectNode o = JsonFigures.object();
                o.put("id", id(e));
                o.put("row", e.row());
                o.put("skipped", why);
                skipped.add(o);
            } else {
                fitting.add(e);
                queries.add(q);
                promptLengths.add(prompt);
            }
        }
        // The batch before the log: a --batch too large for the memory stops the eval with nothing written.
        long each = longestCache(fitting, promptLengths, folder);
        int generations = batchFor(each);
        BatchGenerator batcher = new BatchGenerator(ctx.model(), generations);
        long prefixBudget = Runner.budgetBeside(ctx.model().weights().checkpointBytes(), generations, each);
        try (SampleLog log = folder.openLog()) {
            for (ObjectNode o : skipped) {
                warn("xsum " + o.get("id").asText() + ": skipped: " + o.get("skipped").asText());
                log.append(o);
                progress.step(0);
            }
            TokenListener counted = id -> progress.generated(1);
            for (int start = 0; start < fitting.size(); start += HarmfulnessClassifier.GROUP) {
                List<Integer> pending = new ArrayList<>();
                for (int i = start; i < Math.min(fitting.size(), start + HarmfulnessClassifier.GROUP); i++) {
                    if (!folder.done().contains(id(fitting.get(i)))) pending.add(i);
                }
                if (pending.isEmpty()) continue;
                // A document's classification pass starts both its summaries, as in run
                // (PrefixReuse), as far as the memory beside the batch's caches holds them.
                try (PrefixReuse reuse = new PrefixReuse(generator, queries, prefixBudget)) {
                    Map<Integer, HarmfulnessClassifier.Classification> classified = classifier.classifyInGroups(queries, pending, reuse.keeper(), progress.classifying());
                    // Both summaries of every pending document of the group decode together, as run's
                    // generations do; each document is logged as soon as its second summary ends.
                    List<BatchGenerator.Request> requests = new ArrayList<>();
                    long s0 = System.nanoTime();
                    for (int i : pending) {
                        var c = classified.get(i);
                        Document d = new Document(fitting.get(i), c.verdict());
                        d.sign = settings.plan().signFor(d.verdict);
                        d.steered = generator.prepare(queries.get(i), settings.plan(), d.sign);
                        d.base = generator.unsteered(d.steered.promptIds());
                        SharedPrefix shared = reuse.share(c, 2);
                        requests.add(reuse.request(shared, d.steered, gen, counted, g -> {
                            d.steeredGen = g;
                            finishIfDone(d, generator, log, progress, s0);
                        }));
                        requests.add(reuse.request(shared, d.base, gen, counted, g -> {
                            d.baseGen = g;
                            finishIfDone(d, generator, log, progress, s0);
                        }));
                    }
                    batcher.generate(requests);
                }
            }
        }
        ObjectNode results = results(folder.lines(), warnings.all(), (System.nanoTime() - t0) / 1e9);
        folder.writeResults(results);
        return results;
    }

    /**
     * The generations decoded together: {@code batch} as given (checked against the memory), or
     * as many caches of {@code each} bytes (the longest pending prompt plus its summary) as fit in half the
     * memory beside the weights, by run's rule ({@link Runner#batchFor}); the other half keeps
     * classification passes for the summaries to start from ({@link PrefixReuse}). XSum prompts
     * run to hundreds of tokens, so fewer fit than in run, and their prefills, not the decoding,
     * take most of the time on a large model.
     */
    private int batchFor(long each) {
        long weights = ctx.model().weights().checkpointBytes();
        if (batch > 0) {
            String warning = Runner.checkBatch(batch, weights, each, ctx.model().kvCacheType());
            if (warning != null) warn(warning);
            return batch;
        }
        int b = Runner.batchFor(weights, each, 0.5);
        err.println("batch: " + b + " generations at a time (--batch to change)");
        return b;
    }

    /** The KV cache of the longest pending prompt plus its summary, as the batch generator reserves it. */
    private long longestCache(List<SummaryExample> fitting, List<Integer> promptLengths, EvalFolder folder) {
        int longest = 1;
        for (int i = 0; i < fitting.size(); i++) {
            if (!folder.done().contains(id(fitting.get(i)))) longest = Math.max(longest, promptLengths.get(i));
        }
        return Runner.cacheBytes(ctx.model().config(), ctx.model().kvCacheType(), (long) longest + settings.maxNewTokens());
    }

    /** One document between its classification and the end of both its summaries. */
    private static final class Document {
        final SummaryExample example;
        final Verdict verdict;
        int sign;
        SteeredGenerator.Prepared steered, base;
        Generation steeredGen, baseGen;

        Document(SummaryExample example, Verdict verdict) {
            this.example = example;
            this.verdict = verdict;
        }
    }

    /** Scores and logs a document once both its summaries have ended. */
    private void finishIfDone(Document d, SteeredGenerator generator, SampleLog log, Progress progress, long s0) {
        if (d.steeredGen == null || d.baseGen == null) return;
        d.steered.sequence().close(); // free the KV caches now, not whenever the GC gets to them
        d.base.sequence().close();
        String response = generator.responseText(d.steeredGen.ids()), baseline = generator.responseText(d.baseGen.ids());
        SummaryExample e = d.example;
        ObjectNode o = JsonFigures.object();
        o.put("id", id(e));
        o.put("row", e.row());
        o.put("summary", e.summary());
        o.put("prompt_tokens", d.steered.promptIds().length);
        o.put("score", d.verdict.score());
        o.put("sigma", d.verdict.sigma());
        o.put("steer_sign", d.sign);
        o.put("steer_from", d.steered.steerFrom());
        o.put("response", response);
        o.put("baseline_response", baseline);
        o.put("response_tokens", d.steeredGen.ids().length);
        o.put("baseline_tokens", d.baseGen.ids().length);
        o.put("stop", org.scans.experiment.Json.id(d.steeredGen.reason()));
        o.put("baseline_stop", org.scans.experiment.Json.id(d.baseGen.reason()));
        ObjectNode rouge = o.putObject("rouge");
        rouge.set("scans", scores(Rouge.score(hypothesis(d.steeredGen, ctx.tokenizer(), ctx.fixes()), e.summary())));
        rouge.set("baseline", scores(Rouge.score(hypothesis(d.baseGen, ctx.tokenizer(), ctx.fixes()), e.summary())));
        o.put("seconds", Math.round((System.nanoTime() - s0) / 1e6) / 1000.0);
        try {
            log.append(o);
        } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
        }
        progress.finished(d.steeredGen.ids().length + d.baseGen.ids().length);
    }

    /**
     * The text ROUGE scores for a summary. The reference decodes prompt and summary with the
     * special tokens kept, cuts after the last {@code [/INST]} and strips, so a summary that ended
     * on EOS keeps a trailing {@code </s>} (glued to its last word, or a sentence of its own after
     * a final "."); {@link Fix#ROUGE_WITHOUT_EOS} scores the response alone.
     */
    static String hypothesis(Generation g, Tokenizer tokenizer, Set<Fix> fixes) {
        String text = tokenizer.decodeOutput(g.ids());     // as SteeredGenerator.responseText, before its strip
        boolean eos = g.reason() == StopReason.EOS && !fixes.contains(Fix.ROUGE_WITHOUT_EOS);
        return PythonText.strip(eos ? text + "</s>" : text);
    }

    static String id(SummaryExample e) {
        return e.id();
    }

    private static ObjectNode scores(Rouge.Scores s) {
        ObjectNode o = JsonFigures.object();
        o.put("rouge1", s.rouge1().f());
        o.put("rouge2", s.rouge2().f());
        o.put("rougeL", s.rougeL().f());
        return o;
    }

    /** Mean ROUGE F per measure, with and without steering, over the scored documents. */
    static ObjectNode results(List<JsonNode> lines, List<String> warnings, double seconds) {
        ObjectNode o = JsonFigures.object();
        o.put("eval", "xsum");
        int scored = 0, skipped = 0, unsafe = 0;
        double[][] sums = new double[2][3];
        String[] measures = {"rouge1", "rouge2", "rougeL"};
        String[] sides = {"baseline", "scans"};
        for (JsonNode l : lines) {
            if (l.has("skipped")) {
                skipped++;
                continue;
            }
            scored++;
            if (l.get("sigma").asInt() > 0) unsafe++;
            for (int s = 0; s < 2; s++) {
                for (int m = 0; m < 3; m++) sums[s][m] += l.get("rouge").get(sides[s]).get(measures[m]).asDouble();
            }
        }
        o.put("documents", scored + skipped);
        o.put("scored", scored);
        o.put("skipped", skipped);
        ObjectNode rouge = o.putObject("rouge");
        for (int s = 0; s < 2; s++) {
            ObjectNode side = rouge.putObject(sides[s]);
            for (int m = 0; m < 3; m++) JsonFigures.number(side, measures[m], scored == 0 ? Double.NaN : sums[s][m] / scored);
        }
        o.set("judged_unsafe", JsonFigures.rate(new Rate(unsafe, scored)));
        o.put("seconds", Math.round(seconds * 10) / 10.0);
        o.set("warnings", JsonFigures.strings(warnings));
        return o;
    }

    public static String table(ObjectNode r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("XSum: %d documents summarised, %d skipped (mean ROUGE F)%n", r.get("scored").asInt(), r.get("skipped").asInt()));
        b.append(String.format("%-10s %10s %10s %10s%n", "", "ROUGE-1", "ROUGE-2", "ROUGE-L"));
        for (String side : new String[] {"baseline", "scans"}) {
            JsonNode s = r.get("rouge").get(side);
            b.append(String.format("%-10s %10s %10s %10s%n", side.equals("scans") ? "SCANS" : side, JsonFigures.fixed(s.get("rouge1"), 4),
                    JsonFigures.fixed(s.get("rouge2"), 4), JsonFigures.fixed(s.get("rougeL"), 4)));
        }
        b.append(String.format("documents judged unsafe by the classifier: %s%n", JsonFigures.percent(r.get("judged_unsafe"))));
        return b.toString();
    }

    private void warn(String w) {
        warnings.add(w);
        err.println("warning: " + w);
    }
}
