package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scans.data.Label;
import org.scans.data.Sample;
import org.scans.eval.ClassifierMetrics;
import org.scans.experiment.Progress;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.Fix;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Verdict;

/**
 * The harmfulness classifier σ(q) over several test pairings at once (SCANS.md §5, §9): for each
 * pairing its error rates, precision/recall/F1 with safe as the positive class, and AUPRC, in one
 * table. Nothing is generated.
 */
public final class ClassifyEval {
    /** One pairing to score: its name, the samples, and the classifier settings applied to it. */
    public record Part(String name, List<Sample> samples, ClassifierSettings classifier) {
        public Part {
            samples = List.copyOf(samples);
        }
    }

    private final ScansContext ctx;
    private final PrintStream err;
    private final org.scans.experiment.FolderWarnings warnings = new org.scans.experiment.FolderWarnings();

    public ClassifyEval(ScansContext ctx, PrintStream err) {
        this.ctx = ctx;
        this.err = err;
    }

    public static ObjectNode settingsJson(ScansContext ctx, List<Part> parts, int limit, boolean datasetPresets, String vectorsSha256) {
        ObjectNode o = JsonFigures.object();
        o.put("eval", "classify");
        o.put("model", org.scans.experiment.RunSettings.modelPath(ctx.model().directory()));
        o.put("config_hash", ctx.model().config().hash());
        o.put("family", ctx.family().id);
        o.put("fixes", Fix.describe(ctx.fixes()));
        o.set("datasets", JsonFigures.strings(parts.stream().map(Part::name).toList()));
        o.put("limit", limit);
        o.put("dataset_presets", datasetPresets);
        ObjectNode cs = o.putObject("classifier");
        for (Part p : parts) cs.put(p.name(), p.classifier().toString());
        o.put("vectors_sha256", vectorsSha256);
        return o;
    }

    public ObjectNode run(List<Part> parts, EvalFolder folder) throws IOException {
        folder.keep(warnings);
        int total = parts.stream().mapToInt(p -> p.samples().size()).sum();
        folder.requireOnly(parts.stream().flatMap(p -> p.samples().stream().map(s -> id(p, s))).toList(), "eval's " + total + " prompts");
        Progress progress = new Progress(err, total, folder.done().size(), "classify");
        if (!folder.done().isEmpty()) err.println("resuming: " + folder.done().size() + " of " + total + " prompts already done");
        long t0 = System.nanoTime();
        try (SampleLog log = folder.openLog()) {
            for (Part part : parts) {
                HarmfulnessClassifier classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                        part.classifier(), ctx.fixes(), this::warn);
                // Fixed groups of the whole list (HarmfulnessClassifier.classifyInGroups): the
                // scores do not depend on --batch, nor on where a resumed eval starts.
                List<Sample> samples = part.samples();
                List<String> prompts = samples.stream().map(Sample::prompt).toList();
                for (int start = 0; start < samples.size(); start += HarmfulnessClassifier.GROUP) {
                    List<Integer> todo = new ArrayList<>();
                    for (int i = start; i < Math.min(samples.size(), start + HarmfulnessClassifier.GROUP); i++) {
                        if (!folder.done().contains(id(part, samples.get(i)))) todo.add(i);
                    }
                    if (todo.isEmpty()) continue;
                    Map<Integer, Verdict> verdicts = classifier.classifyInGroups(prompts, todo);
                    for (int i : todo) {
                        Sample s = samples.get(i);
                        ObjectNode o = JsonFigures.object();
                        o.put("id", id(part, s));
                        o.put("pairing", part.name());
                        o.put("dataset", s.dataset());
                        o.put("row", s.row());
                        o.put("label", s.label().word());
                        if (s.subtype() != null) o.put("subtype", s.subtype());
                        else o.putNull("subtype");
                        o.put("prompt", s.prompt());
                        o.put("score", verdicts.get(i).score());
                        o.put("sigma", verdicts.get(i).sigma());
                        log.append(o);
                        progress.step(0);
                    }
                }
            }
        }
        ObjectNode results = results(folder.lines(), parts, warnings.all(), (System.nanoTime() - t0) / 1e9);
        folder.writeResults(results);
        return results;
    }

    static String id(Part part, Sample s) {
        return part.name() + "/" + s.id();
    }

    /** Per pairing: the classifier's settings, its error rates, P/R/F1 (safe = positive) and AUPRC. */
    static ObjectNode results(List<JsonNode> lines, List<Part> parts, List<String> warnings, double seconds) {
        Map<String, List<JsonNode>> byPart = new LinkedHashMap<>();
        for (Part p : parts) byPart.put(p.name(), new ArrayList<>());
        for (JsonNode l : lines) byPart.computeIfAbsent(l.get("pairing").asText(), k -> new ArrayList<>()).add(l);
        ObjectNode o = JsonFigures.object();
        o.put("eval", "classify");
        ObjectNode ds = o.putObject("datasets");
        for (Part p : parts) {
            List<JsonNode> ls = byPart.get(p.name());
            ObjectNode d = ds.putObject(p.name());
            org.scans.experiment.RunSettings.putClassifier(d, p.classifier());
            d.put("prompts", ls.size());
            if (ls.isEmpty()) continue;
            List<Label> truth = new ArrayList<>(), predicted = new ArrayList<>();
            double[] scores = new double[ls.size()];
            for (int i = 0; i < ls.size(); i++) {
                JsonNode l = ls.get(i);
                truth.add(l.get("label").asText().equals("unsafe") ? Label.UNSAFE : Label.SAFE);
                predicted.add(l.get("sigma").asInt() > 0 ? Label.UNSAFE : Label.SAFE);
                scores[i] = l.get("score").asDouble();
            }
            ClassifierMetrics m = ClassifierMetrics.of(truth, predicted, scores);
            d.set("unsafe_judged_safe", JsonFigures.rate(m.unsafeJudgedSafe()));
            d.set("safe_judged_unsafe", JsonFigures.rate(m.safeJudgedUnsafe()));
            JsonFigures.number(d, "precision", m.precision());
            JsonFigures.number(d, "recall", m.recall());
            JsonFigures.number(d, "f1", m.f1());
            JsonFigures.number(d, "auprc", m.auprc());
            if (m.undefinedNote() != null) d.put("note", m.undefinedNote());
        }
        o.put("positive_class", "safe");
        o.put("seconds", Math.round(seconds * 10) / 10.0);
        o.set("warnings", JsonFigures.strings(warnings));
        return o;
    }

    public static String table(ObjectNode r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("Classifier σ(q) per pairing (safe = positive class)%n"));
        b.append(String.format("%-14s %6s %-16s %20s %20s %9s %7s %6s %6s%n", "pairing", "n", "Λ / T", "unsafe judged safe",
                "safe judged unsafe", "precision", "recall", "F1", "AUPRC"));
        r.get("datasets").fields().forEachRemaining(e -> {
            JsonNode d = e.getValue();
            b.append(String.format("%-14s %6d %-16s %20s %20s %9s %7s %6s %6s%n", e.getKey(), d.get("prompts").asInt(),
                    d.get("classifier_layers").asText() + " / " + d.get("threshold").asText(),
                    JsonFigures.percent(d.get("unsafe_judged_safe")), JsonFigures.percent(d.get("safe_judged_unsafe")),
                    JsonFigures.fixed(d.get("precision"), 3), JsonFigures.fixed(d.get("recall"), 3), JsonFigures.fixed(d.get("f1"), 3),
                    JsonFigures.fixed(d.get("auprc"), 3)));
        });
        r.get("datasets").fields().forEachRemaining(e -> {
            if (e.getValue().has("note")) b.append(String.format("note: %s: %s%n", e.getKey(), e.getValue().get("note").asText()));
        });
        return b.toString();
    }

    private void warn(String w) {
        warnings.add(w);
        err.println("warning: " + w);
    }
}
