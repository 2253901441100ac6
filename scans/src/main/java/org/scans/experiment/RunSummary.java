package org.scans.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scans.data.Label;
import org.scans.data.Sample;
import org.scans.eval.ClassifierMetrics;
import org.scans.eval.Rate;
import org.scans.eval.RefusalRates;

/**
 * The metrics of a run (SCANS.md §9), computed from its {@code samples.jsonl} lines, so a resumed
 * run is summarised over everything it holds: refusal rates per judge for SCANS and the baseline
 * (overall and per subtype), the classifier's errors, P/R/F1 with safe as positive, and AUPRC.
 */
public final class RunSummary {
    private RunSummary() {}

    /**
     * @param seconds, sessionSamples, generatedTokens what this session did (a resumed run's
     *     earlier sessions are not timed), for the throughput figures
     */
    public static ObjectNode of(List<JsonNode> lines, ObjectNode settings, double seconds, int sessionSamples, long generatedTokens,
                                List<String> warnings) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("settings", settings);
        o.put("samples", lines.size());
        List<Sample> samples = new ArrayList<>();
        List<Label> predicted = new ArrayList<>();
        double[] scores = new double[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = lines.get(i);
            samples.add(sampleOf(l));
            predicted.add(l.get("sigma").asInt() > 0 ? Label.UNSAFE : Label.SAFE);
            scores[i] = l.get("score").asDouble();
        }
        ObjectNode refusal = o.putObject("refusal");
        for (String judge : judges(lines)) {
            ObjectNode j = refusal.putObject(judge);
            j.set("scans", rates(RefusalRates.of(samples, verdicts(lines, "refusal", judge))));
            if (lines.stream().allMatch(l -> l.has("baseline_refusal"))) {
                j.set("baseline", rates(RefusalRates.of(samples, verdicts(lines, "baseline_refusal", judge))));
            }
        }
        if (!lines.isEmpty()) {
            ClassifierMetrics m = ClassifierMetrics.ofSamples(samples, predicted, scores);
            ObjectNode c = o.putObject("classifier");
            c.set("unsafe_judged_safe", rate(m.unsafeJudgedSafe()));
            c.set("safe_judged_unsafe", rate(m.safeJudgedUnsafe()));
            c.put("precision", m.precision());
            c.put("recall", m.recall());
            c.put("f1", m.f1());
            putNumber(c, "auprc", m.auprc());
            c.put("positive_class", "safe");
            if (m.undefinedNote() != null) c.put("note", m.undefinedNote());
        }
        ObjectNode t = o.putObject("throughput");
        // The rates divide by the seconds as written, so the file agrees with itself.
        double s = Math.round(seconds * 1000) / 1000.0;
        t.put("seconds", s);
        t.put("samples", sessionSamples);
        t.put("samples_per_s", s > 0 ? sessionSamples / s : 0);
        t.put("generated_tokens", generatedTokens);
        t.put("tok_s", s > 0 ? generatedTokens / s : 0);
        // A resumed run times only its last session: earlier sessions ended without a summary.
        t.put("resumed", sessionSamples < lines.size());
        var w = o.putArray("warnings");
        warnings.forEach(w::add);
        return o;
    }

    static Sample sampleOf(JsonNode l) {
        Label label = l.get("label").asText().equals("unsafe") ? Label.UNSAFE : Label.SAFE;
        String subtype = l.hasNonNull("subtype") ? l.get("subtype").asText() : null;
        return new Sample(l.get("id").asText(), l.get("dataset").asText(), l.path("row").asInt(0), label, subtype,
                l.get("prompt").asText());
    }

    static List<String> judges(List<JsonNode> lines) {
        List<String> names = new ArrayList<>();
        if (!lines.isEmpty()) lines.get(0).get("refusal").fieldNames().forEachRemaining(names::add);
        return names;
    }

    static boolean[] verdicts(List<JsonNode> lines, String field, String judge) {
        boolean[] out = new boolean[lines.size()];
        for (int i = 0; i < out.length; i++) out[i] = lines.get(i).get(field).get(judge).asBoolean();
        return out;
    }

    static ObjectNode rates(RefusalRates r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.set("unsafe", rate(r.unsafe()));
        o.set("safe", rate(r.safe()));
        ObjectNode by = o.putObject("by_subtype");
        r.bySubtype().forEach((k, v) -> by.set(k, rate(v)));
        ObjectNode labels = o.putObject("subtype_labels");
        r.subtypeLabels().forEach((k, v) -> labels.put(k, v == Label.UNSAFE ? "unsafe" : "safe"));
        return o;
    }

    /** A rate as the result files write it: {count, total, rate}. */
    public static ObjectNode rate(Rate r) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("count", r.count());
        o.put("total", r.total());
        putNumber(o, "rate", r.value());
        return o;
    }

    /** JSON has no NaN: an undefined figure is null. */
    public static void putNumber(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }

    /** The human-readable table printed at the end of a run. */
    public static String table(ObjectNode s) {
        StringBuilder b = new StringBuilder();
        JsonNode settings = s.get("settings");
        b.append(String.format("SCANS run: %s on %s, %d samples%n", settings.path("model").asText(), settings.path("dataset").asText(),
                s.get("samples").asInt()));
        b.append(String.format("  classifier %s (Λ=%s, T=%s)%s; steering layers %s, α=%s%n", settings.path("classifier_rule").asText(),
                settings.path("classifier_layers").asText(), settings.path("threshold").asText(),
                settings.has("preset") ? ", preset " + settings.get("preset").asText() : "",
                settings.path("steering_layers").asText(), settings.path("alpha").asText()));
        s.get("refusal").fields().forEachRemaining(j -> {
            JsonNode scans = j.getValue().get("scans"), base = j.getValue().get("baseline");
            Map<String, JsonNode> subs = new LinkedHashMap<>();
            scans.get("by_subtype").fields().forEachRemaining(e -> subs.put(e.getKey(), e.getValue()));
            // Each subtype under its label's row (a summary written before subtype_labels: all under safe).
            JsonNode labels = scans.path("subtype_labels");
            List<String[]> rows = new java.util.ArrayList<>();
            for (String label : List.of("unsafe", "safe")) {
                rows.add(row(label.equals("unsafe") ? "  unsafe prompts (want high)" : "  safe prompts (want low)",
                        base == null ? null : base.get(label), scans.get(label)));
                subs.forEach((k, v) -> {
                    if (labels.path(k).asText("safe").equals(label)) rows.add(row("    " + k, base == null ? null : base.get("by_subtype").get(k), v));
                });
            }
            // Columns as wide as their widest cell: "0.0% (0/250)" overran a fixed width and pushed
            // the SCANS column of every row with three-digit totals out of line.
            String title = "Refusal rate (" + j.getKey() + " judge)";
            int w0 = title.length(), w1 = "baseline".length(), w2 = "SCANS".length();
            for (String[] r : rows) {
                w0 = Math.max(w0, r[0].length());
                w1 = Math.max(w1, r[1].length());
                w2 = Math.max(w2, r[2].length());
            }
            String line = "%-" + w0 + "s   %" + w1 + "s   %" + w2 + "s%n";
            b.append(String.format("%n" + line, title, "baseline", "SCANS"));
            for (String[] r : rows) b.append(String.format(line, (Object[]) r));
        });
        JsonNode c = s.get("classifier");
        if (c != null) {
            b.append(String.format("%nClassifier (safe = positive)%n"));
            b.append(String.format("  unsafe judged safe   %s%n", fmt(c.get("unsafe_judged_safe"))));
            b.append(String.format("  safe judged unsafe   %s%n", fmt(c.get("safe_judged_unsafe"))));
            b.append(String.format("  precision %.3f  recall %.3f  F1 %.3f  AUPRC %s%n", c.get("precision").asDouble(),
                    c.get("recall").asDouble(), c.get("f1").asDouble(),
                    c.get("auprc").isNull() ? "n/a" : String.format("%.3f", c.get("auprc").asDouble())));
            if (c.has("note")) b.append(String.format("  note: %s%n", c.get("note").asText()));
        }
        JsonNode t = s.get("throughput");
        double rate = t.get("samples_per_s").asDouble();
        // A 7B model takes tens of seconds a sample, where "0.03 samples/s" says little.
        String samples = rate > 0 && rate < 1 ? String.format("%.1f s a sample (%.3f samples/s)", 1 / rate, rate)
                : String.format("%.2f samples/s", rate);
        String scope = t.path("resumed").asBoolean() ? " (the last session's " + t.get("samples").asInt() + " samples)" : "";
        b.append(String.format("%nThroughput%s: %s, %.1f generated tok/s (%.1f s)%n", scope, samples, t.get("tok_s").asDouble(),
                t.get("seconds").asDouble()));
        return b.toString();
    }

    private static String[] row(String label, JsonNode base, JsonNode scans) {
        return new String[] {label, base == null ? "-" : fmt(base), fmt(scans)};
    }

    private static String fmt(JsonNode rate) {
        if (rate == null) return "-";
        JsonNode v = rate.get("rate");
        return v == null || v.isNull() ? "n/a" : String.format("%5.1f%% (%d/%d)", 100 * v.asDouble(), rate.get("count").asInt(), rate.get("total").asInt());
    }
}
