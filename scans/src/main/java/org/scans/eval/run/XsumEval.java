package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.scans.data.Summarization;
import org.scans.data.SummaryExample;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.TokenListener;
import org.scans.eval.Rate;
import org.scans.eval.Rouge;
import org.scans.experiment.Progress;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.Fix;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Layers;
import org.scans.method.SteeredGenerator;
import org.scans.method.SteeringPlan;
import org.scans.method.Verdict;

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
            o.put("model", ctx.model().directory().toString());
            o.put("config_hash", ctx.model().config().hash());
            o.put("family", ctx.family().id);
            o.put("fixes", Fix.describe(ctx.fixes()));
            o.put("data", data);
            o.put("document_column", documentColumn);
            o.put("summary_column", summaryColumn);
            o.put("rows", rows);
            o.put("sample_seed", sampleSeed);
            o.put("max_new_tokens", maxNewTokens);
            o.put("classifier_layers", Layers.format(classifier.layers()));
            o.put("threshold", classifier.threshold());
            o.put("steering_layers", Layers.format(plan.layers()));
            o.put("alpha", plan.alpha());
            o.put("vectors_sha256", vectorsSha256);
            o.put("generation", "greedy, repetition penalty 1.1, stop at EOS");
            return o;
        }
    }

    private final ScansContext ctx;
    private final Settings settings;
    private final PrintStream err;
    private final List<String> warnings = new ArrayList<>();

    public XsumEval(ScansContext ctx, Settings settings, PrintStream err) {
        this.ctx = ctx;
        this.settings = settings;
        this.err = err;
    }

    /** Reads the data (skipping empty rows with a warning) and draws the examples. */
    public List<SummaryExample> examples(java.nio.file.Path file) {
        List<SummaryExample> all = Summarization.read(file, settings.documentColumn(), settings.summaryColumn(), this::warn);
        if (settings.rows() == 0 || settings.rows() >= all.size()) return all;
        return Summarization.sample(all, settings.rows(), settings.sampleSeed());
    }

    public ObjectNode run(List<SummaryExample> examples, EvalFolder folder) throws IOException {
        List<SummaryExample> todo = examples.stream().filter(e -> !folder.done().contains(id(e))).toList();
        if (!folder.done().isEmpty()) err.println("resuming: " + (examples.size() - todo.size()) + " of " + examples.size() + " documents already done");
        HarmfulnessClassifier classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                settings.classifier(), ctx.fixes(), this::warn);
        SteeredGenerator generator = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.fixes(), this::warn);
        GenerationConfig gen = SteeredGenerator.referenceConfig(settings.maxNewTokens());
        int context = ctx.model().config().maxPositions();
        Progress progress = new Progress(err, examples.size(), examples.size() - todo.size(), "xsum");
        long t0 = System.nanoTime();
        try (SampleLog log = folder.openLog()) {
            // Every document that fits, done or not: classification groups are fixed positions
            // in this list (HarmfulnessClassifier.classifyInGroups), so a resumed eval scores
            // as an uninterrupted one. Only the pending ones are logged or generated.
            List<SummaryExample> fitting = new ArrayList<>();
            List<String> queries = new ArrayList<>();
            for (SummaryExample e : examples) {
                boolean pending = !folder.done().contains(id(e));
                String q = Summarization.instruction(e.document());
                int classify = ctx.template().classification(q).encode(ctx.tokenizer()).length;
                int prompt = generator.promptIds(q).length;
                if (Math.max(classify, prompt + 1) > context) {
                    if (!pending) continue;
                    String why = "the document's prompt (" + prompt + " tokens; " + classify + " with the classification wrapper) leaves no room "
                            + "in the model's context of " + context;
                    warn("xsum " + id(e) + ": skipped: " + why);
                    ObjectNode o = JsonFigures.object();
                    o.put("id", id(e));
                    o.put("row", e.row());
                    o.put("skipped", why);
                    log.append(o);
                    progress.step(0);
                } else {
                    fitting.add(e);
                    queries.add(q);
                }
            }
            for (int start = 0; start < fitting.size(); start += HarmfulnessClassifier.GROUP) {
                List<Integer> pending = new ArrayList<>();
                for (int i = start; i < Math.min(fitting.size(), start + HarmfulnessClassifier.GROUP); i++) {
                    if (!folder.done().contains(id(fitting.get(i)))) pending.add(i);
                }
                if (pending.isEmpty()) continue;
                Map<Integer, Verdict> verdicts = classifier.classifyInGroups(queries, pending);
                for (int i : pending) {
                    SummaryExample e = fitting.get(i);
                    String q = queries.get(i);
                    Verdict v = verdicts.get(i);
                    int sign = settings.plan().signFor(v);
                    long s0 = System.nanoTime();
                    var steered = generator.generate(q, settings.plan(), sign, gen, TokenListener.NONE);
                    var base = generator.generate(q, null, 0, gen, TokenListener.NONE);
                    ObjectNode o = JsonFigures.object();
                    o.put("id", id(e));
                    o.put("row", e.row());
                    o.put("summary", e.summary());
                    o.put("prompt_tokens", steered.promptIds().length);
                    o.put("score", v.score());
                    o.put("sigma", v.sigma());
                    o.put("steer_sign", sign);
                    o.put("steer_from", steered.steerFrom());
                    o.put("response", steered.text());
                    o.put("baseline_response", base.text());
                    o.put("response_tokens", steered.generation().ids().length);
                    o.put("baseline_tokens", base.generation().ids().length);
                    ObjectNode rouge = o.putObject("rouge");
                    rouge.set("scans", scores(Rouge.score(steered.text(), e.summary())));
                    rouge.set("baseline", scores(Rouge.score(base.text(), e.summary())));
                    o.put("seconds", Math.round((System.nanoTime() - s0) / 1e6) / 1000.0);
                    log.append(o);
                    progress.step(steered.generation().ids().length + base.generation().ids().length);
                }
            }
        }
        ObjectNode results = results(folder.lines(), warnings, (System.nanoTime() - t0) / 1e9);
        folder.writeResults(results);
        return results;
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
