package org.scans.report;

import static org.scans.report.Html.esc;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scans.engine.io.AtomicFiles;
import org.scans.eval.PrecisionRecallCurve;
import org.scans.method.Layers;
import org.scans.method.ScansVectors;

/**
 * The experiment report: one self-contained HTML page (inline SVG, one small inline script, a
 * Content-Security-Policy that forbids every network request) over any number of run and eval
 * folders. Sections: refusal rates baseline vs SCANS (per set and per subtype), the classifier's
 * score histograms and precision-recall curves, the refusal direction per layer, the capability
 * table, and a filterable table of the samples.
 */
public final class Report {
    /** The judge whose verdicts the refusal charts use unless told otherwise (the reference's). */
    public static final String DEFAULT_JUDGE = org.scans.judge.MatchStringsJudge.NAME;

    private final List<ReportInput> inputs;
    private final String judge;
    private final String generated;

    public Report(List<ReportInput> inputs, String judge, String generated) {
        this.inputs = List.copyOf(inputs);
        this.judge = judge;
        this.generated = generated;
    }

    /** What {@link #write} put on the page, and the eval folders it left out (unfinished), with why. */
    public record Written(List<ReportInput> inputs, List<String> skipped) {}

    /**
     * Loads the folders and writes the page (whole or not at all). An eval that has not finished is
     * left out, so that one still running does not stop the report of the others; when nothing is
     * left, that is the error. A folder given twice is refused: every chart would show it twice.
     */
    public static Written write(List<Path> dirs, Path out, String judge, String generated) throws IOException {
        java.util.Set<Path> seen = new java.util.HashSet<>();
        for (Path d : dirs) {
            // links followed, so that one folder named through a link is seen as given twice
            if (!seen.add(org.scans.engine.io.AtomicFiles.canonical(d))) throw new IllegalArgumentException(d + ": given twice");
        }
        List<ReportInput> inputs = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (Path d : dirs) {
            try {
                inputs.add(ReportInput.load(d));
            } catch (ReportInput.UnfinishedEval e) {
                skipped.add(e.getMessage());
            }
        }
        if (inputs.isEmpty()) throw new IllegalArgumentException(skipped.getFirst());
        byte[] html = new Report(inputs, judge, generated).render().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(out, o -> o.write(html));
        return new Written(inputs, skipped);
    }

    public String render() {
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>")
                .append("<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">")
                .append("<meta name='viewport' content='width=device-width, initial-scale=1'>")
                .append("<title>SCANS report</title><style>").append(CSS).append("</style></head><body>\n");
        b.append("<header><h1>SCANS report</h1><p class='muted'>").append(esc(generated)).append(" · refusal judge: <b>").append(esc(judge))
                .append("</b> · safety-conscious activation steering (Cao, Yang, Zhao, AAAI 2025)</p></header>\n");
        b.append(inputsSection());
        List<ReportInput> runs = inputs.stream().filter(i -> i.kind() == ReportInput.Kind.RUN).toList();
        if (!runs.isEmpty()) b.append(refusalSection(runs));
        b.append(classifierSection());
        b.append(layersSection());
        b.append(capabilitySection());
        if (!runs.isEmpty()) b.append(samplesSection(runs));
        b.append("<footer class='muted'>Made by scans-engine. Every figure comes from the folders listed at the top; hover a bar or point for its value.</footer>\n");
        b.append("<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return b.toString();
    }

    // ------------------------------------------------------------------------------ sections

    private String inputsSection() {
        StringBuilder b = new StringBuilder("<section><h2>Inputs</h2><table class='grid'><thead><tr><th>folder</th><th>what</th><th>model</th>"
                + "<th>settings</th><th>items</th></tr></thead><tbody>");
        for (ReportInput in : inputs) {
            JsonNode s = in.settings();
            String what = in.kind() == ReportInput.Kind.RUN ? "run · " + ReportInput.shortName(s.path("dataset").asText()) : "eval · " + in.what()
                    + (s.has("dataset") ? " · " + ReportInput.shortName(s.get("dataset").asText()) : "")
                    + (s.has("data") ? " · " + ReportInput.shortName(s.get("data").asText()) : "")
                    + (s.has("mode") ? " (" + s.get("mode").asText() + ")" : "");
            List<String> settings = new ArrayList<>();
            if (s.has("classifier_layers")) settings.add("Λ=" + s.get("classifier_layers").asText() + ", T=" + s.path("threshold").asText());
            if (s.has("steering_layers")) settings.add("steering " + s.get("steering_layers").asText() + ", α=" + s.path("alpha").asText());
            if (s.has("steer_from")) settings.add("steer from " + s.get("steer_from").asText());
            if (s.has("family")) settings.add(s.get("family").asText());
            b.append("<tr><td><code>").append(esc(in.dir().toString())).append("</code></td><td>").append(esc(what)).append("</td><td>")
                    .append(esc(s.path("model").asText())).append("</td><td>").append(esc(String.join("; ", settings))).append("</td><td class='num'>")
                    .append(in.samples().size());
            if (in.unfinished()) {
                b.append(" <span class='warn'>unfinished: no summary.json; its figures cover these items only (continue it with run --resume --out ")
                        .append(esc(in.dir().toString())).append(")</span>");
            }
            if (in.mismatch() != null) b.append(" <span class='warn'>").append(esc(in.mismatch())).append("</span>");
            b.append("</td></tr>");
        }
        return b.append("</tbody></table></section>\n").toString();
    }

    private String refusalSection(List<ReportInput> runs) {
        StringBuilder b = new StringBuilder("<section><h2>Refusal rates: baseline vs SCANS</h2><p class='muted'>Share of responses the <b>")
                .append(esc(judge)).append("</b> judge calls a refusal. Unsafe prompts should be refused (high), safe ones answered (low); ")
                .append("subtype bars follow (XSTest's <code>contrast_*</code> types are the unsafe ones).</p><div class='charts'>");
        for (ReportInput run : runs) {
            JsonNode j = run.results().path("refusal").path(judge);
            if (j.isMissingNode()) {
                b.append("<p class='warn'>").append(esc(run.title())).append(": no verdicts of the ").append(esc(judge)).append(" judge.</p>");
                continue;
            }
            JsonNode scans = j.get("scans"), base = j.get("baseline");
            List<String> groups = new ArrayList<>(List.of("unsafe (want high)", "safe (want low)"));
            List<String> keys = new ArrayList<>(List.of("unsafe", "safe"));
            scans.path("by_subtype").fieldNames().forEachRemaining(k -> {
                groups.add(k);
                keys.add("sub:" + k);
            });
            double[] sv = new double[keys.size()], bv = new double[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                sv[i] = rate(pick(scans, keys.get(i)));
                bv[i] = base == null ? Double.NaN : rate(pick(base, keys.get(i)));
            }
            List<Charts.Series> series = new ArrayList<>();
            if (base != null) series.add(new Charts.Series("baseline", Charts.BASELINE, bv));
            series.add(new Charts.Series("SCANS", Charts.SCANS, sv));
            b.append("<figure>").append(Charts.groupedBars(run.title(), groups, series));
            if (base == null) b.append("<figcaption>This run has no baseline (run it with --baseline).</figcaption>");
            b.append("</figure>");
        }
        return b.append("</div></section>\n").toString();
    }

    private static JsonNode pick(JsonNode side, String key) {
        return key.startsWith("sub:") ? side.path("by_subtype").path(key.substring(4)) : side.path(key);
    }

    private String classifierSection() {
        StringBuilder charts = new StringBuilder();
        StringBuilder rows = new StringBuilder();
        for (ReportInput in : inputs) {
            if (in.kind() == ReportInput.Kind.RUN) {
                if (in.samples().isEmpty()) continue;
                double t = in.settings().path("threshold").asDouble(Double.NaN);
                classifierCharts(charts, in.title(), in.samples(), t);
                JsonNode c = in.results().path("classifier");
                classifierRow(rows, in.title(), in.settings().path("classifier_layers").asText(), in.settings().path("threshold").asText(),
                        in.samples().size(), c);
            } else if (in.what().equals("classify")) {
                Map<String, List<JsonNode>> byPairing = new LinkedHashMap<>();
                for (JsonNode l : in.samples()) byPairing.computeIfAbsent(l.get("pairing").asText(), k -> new ArrayList<>()).add(l);
                in.results().path("datasets").fields().forEachRemaining(e -> {
                    JsonNode d = e.getValue();
                    List<JsonNode> ls = byPairing.getOrDefault(e.getKey(), List.of());
                    if (!ls.isEmpty()) classifierCharts(charts, in.title() + " · " + e.getKey(), ls, d.path("threshold").asDouble(Double.NaN));
                    classifierRow(rows, in.title() + " · " + e.getKey(), d.path("classifier_layers").asText(), d.path("threshold").asText(),
                            d.path("prompts").asInt(), d);
                });
            }
        }
        if (rows.isEmpty()) return "";
        return "<section><h2>Harmfulness classifier σ(q)</h2><p class='muted'>c(q) is the mean cosine, over the layers Λ, between the "
                + "query's transition vector and the harmful anchors' one; a prompt is judged unsafe when c(q) ≥ T. The precision-recall curve "
                + "takes <b>safe as the positive class</b> and ranks by 1 − c(q), as the reference does.</p>"
                + "<table class='grid'><thead><tr><th>set</th><th>Λ</th><th>T</th><th>prompts</th><th>unsafe judged safe</th>"
                + "<th>safe judged unsafe</th><th>precision</th><th>recall</th><th>F1</th><th>AUPRC</th></tr></thead><tbody>" + rows
                + "</tbody></table>" + charts + "</section>\n";
    }

    private static void classifierRow(StringBuilder b, String title, String layers, String threshold, int n, JsonNode c) {
        b.append("<tr><td>").append(esc(title)).append("</td><td class='nowrap'>").append(esc(layers)).append("</td><td class='num'>").append(esc(threshold))
                .append("</td><td class='num'>").append(n).append("</td><td class='num'>").append(esc(rateText(c.path("unsafe_judged_safe"))))
                .append("</td><td class='num'>").append(esc(rateText(c.path("safe_judged_unsafe")))).append("</td>");
        for (String k : new String[] {"precision", "recall", "f1", "auprc"}) {
            b.append("<td class='num'>").append(Html.fixed(c.path(k).asDouble(Double.NaN), 3)).append("</td>");
        }
        b.append("</tr>");
        // A one-class set's figures are sklearn's 0/0 = 0 and a one-class curve: say so where they are shown.
        // Folders written before the note existed: the totals tell the same.
        String note = c.has("note") ? c.get("note").asText()
                : org.scans.eval.ClassifierMetrics.undefinedNote(c.path("safe_judged_unsafe").path("total").asInt(1),
                        c.path("unsafe_judged_safe").path("total").asInt(1));
        if (note != null) b.append("<tr><td colspan='10' class='muted'>note: ").append(esc(note)).append("</td></tr>");
    }

    private static void classifierCharts(StringBuilder b, String title, List<JsonNode> lines, double threshold) {
        List<Double> unsafe = new ArrayList<>(), safe = new ArrayList<>();
        boolean[] positive = new boolean[lines.size()];
        double[] safeness = new double[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            JsonNode l = lines.get(i);
            double c = l.path("score").asDouble();
            boolean isSafe = l.path("label").asText().equals("safe");
            (isSafe ? safe : unsafe).add(c);
            positive[i] = isSafe;
            safeness[i] = 1 - c;
        }
        b.append("<div class='group'><h3>").append(esc(title)).append("</h3><div class='charts'><figure>")
                .append(Charts.histogram("Classifier score c(q) by true label", unsafe.stream().mapToDouble(Double::doubleValue).toArray(),
                        safe.stream().mapToDouble(Double::doubleValue).toArray(), threshold)).append("</figure>");
        if (safe.isEmpty() || unsafe.isEmpty()) {
            // one class only: no curve to draw that would mean anything
            b.append("<figure><p class='muted'>No precision-recall curve: the set has no ").append(safe.isEmpty() ? "safe" : "unsafe")
                    .append(" prompt.</p></figure></div></div>");
            return;
        }
        PrecisionRecallCurve pr = PrecisionRecallCurve.of(positive, safeness);
        b.append("<figure>").append(Charts.lines("Precision-recall, safe = positive (AUPRC " + Html.fixed(pr.auc(), 3) + ")",
                "recall", "precision", List.of(new Charts.Line("classifier, ranked by 1 − c(q)", Charts.SCANS, pr.recall(), pr.precision(), true)),
                0, 1, 0, 1, false, List.of())).append("</figure></div></div>");
    }

    private String layersSection() {
        StringBuilder b = new StringBuilder();
        Map<String, List<ReportInput>> users = new LinkedHashMap<>();
        for (ReportInput in : inputs) {
            if (in.vectors() != null && in.vectors().layers() >= 2) users.computeIfAbsent(in.vectors().digest(), k -> new ArrayList<>()).add(in);
        }
        for (List<ReportInput> sharing : users.values()) {
            ReportInput in = sharing.get(0);
            ScansVectors v = in.vectors();
            int n = v.layers();
            double[] x = new double[n - 1], cos = new double[n - 1];
            for (int l = 0; l + 1 < n; l++) {
                x[l] = l + 0.5;
                cos[l] = v.consecutiveCosine(l);
            }
            double[] layers = new double[n], norms = new double[n];
            double maxNorm = 0;
            for (int l = 0; l < n; l++) {
                layers[l] = l;
                norms[l] = v.refusalNorms()[l];
                maxNorm = Math.max(maxNorm, norms[l]);
            }
            double minCos = 0;
            for (double c : cos) minCos = Math.min(minCos, c);
            List<Charts.Band> bands = bands(in.settings(), n);
            b.append("<div class='group'><h3>Vectors of ").append(esc(String.join(", ", sharing.stream().map(ReportInput::title).toList())))
                    .append("</h3><div class='charts'>");
            b.append("<figure>").append(Charts.lines("Cosine between consecutive refusal directions v_l, v_l+1", "between layers l and l+1", "cosine",
                    List.of(new Charts.Line("consecutive refusal directions", Charts.SCANS, x, cos, true)), -0.5, n - 0.5,
                    Math.floor(minCos * 4) / 4, 1, true, bands)).append("</figure>");
            b.append("<figure>").append(Charts.lines("Norm of u_l (harmful minus harmless mean)", "layer l", "‖u_l‖",
                    List.of(new Charts.Line("‖u_l‖", Charts.UNSAFE, layers, norms, true)), -0.5, n - 0.5, 0, maxNorm * 1.1, true, bands))
                    .append("</figure></div></div>");
        }
        if (b.isEmpty()) return "";
        return "<section><h2>Refusal direction per layer</h2><p class='muted'>u_l is the mean residual of the harmful anchors minus that of "
                + "the harmless ones at the last prompt token; v_l = u_l/‖u_l‖ is what steering adds. Shaded: the steering layers and the "
                + "classifier's layers Λ of the first folder using these vectors.</p>" + b + "</section>\n";
    }

    private static List<Charts.Band> bands(JsonNode settings, int layers) {
        List<Charts.Band> out = new ArrayList<>();
        for (String[] k : new String[][] {{"steering_layers", Charts.SCANS, "steering"}, {"classifier_layers", Charts.SAFE, "Λ"}}) {
            String text = settings.path(k[0]).asText(null);
            if (text == null) continue;
            try {
                int[] l = Layers.parse(text, layers, k[0]);
                if (l.length > 0) out.add(new Charts.Band(l[0] - 0.45, l[l.length - 1] + 0.45, k[1], k[2] + " " + text));
            } catch (IllegalArgumentException e) {
                // Settings from another model: no band rather than a wrong one.
            }
        }
        return out;
    }

    /** Equal for vectors with equal numbers, whichever file holds them. */
    private String capabilitySection() {
        StringBuilder rows = new StringBuilder();
        StringBuilder extra = new StringBuilder();
        StringBuilder charts = new StringBuilder();
        Set<String> notes = new LinkedHashSet<>();
        for (ReportInput in : inputs) {
            if (in.kind() != ReportInput.Kind.EVAL) continue;
            JsonNode r = in.results();
            switch (in.what()) {
                case "mmlu" -> {
                    capRow(rows, "MMLU accuracy (" + r.path("scored").asInt() + " questions, " + r.path("by_subject").size() + " subjects)", in,
                            rate(r.path("accuracy").path("baseline")), rate(r.path("accuracy").path("scans")), true, true);
                    StringBuilder sub = new StringBuilder("<details><summary>MMLU per subject: ").append(esc(in.title()))
                            .append("</summary><table class='grid'><thead><tr><th>subject</th><th>questions</th><th>baseline</th><th>SCANS</th></tr></thead><tbody>");
                    r.path("by_subject").fields().forEachRemaining(e -> sub.append("<tr><td>").append(esc(e.getKey())).append("</td><td class='num'>")
                            .append(e.getValue().path("scored").asInt()).append("</td><td class='num'>").append(esc(rateText(e.getValue().path("baseline"))))
                            .append("</td><td class='num'>").append(esc(rateText(e.getValue().path("scans")))).append("</td></tr>"));
                    extra.append(sub).append("</tbody></table></details>");
                    List<String> subjects = new ArrayList<>();
                    List<Double> base = new ArrayList<>(), scans = new ArrayList<>();
                    r.path("by_subject").fields().forEachRemaining(e -> {
                        subjects.add(e.getKey());
                        base.add(rate(e.getValue().path("baseline")));
                        scans.add(rate(e.getValue().path("scans")));
                    });
                    if (subjects.size() <= 60) {
                        charts.append("<figure>").append(Charts.groupedBars("MMLU accuracy per subject: " + in.title(), subjects, List.of(
                                new Charts.Series("baseline", Charts.BASELINE, base.stream().mapToDouble(Double::doubleValue).toArray()),
                                new Charts.Series("SCANS", Charts.SCANS, scans.stream().mapToDouble(Double::doubleValue).toArray()))))
                                .append("</figure>");
                    }
                }
                case "ppl" -> {
                    boolean chat = r.path("mode").asText().equals("chat");
                    String dataset = ReportInput.shortName(r.path("dataset").asText());
                    String name = "Perplexity, " + dataset + (chat ? ", [INST]-rebuilt windows" : ", plain windows")
                            + " (" + r.path("windows").asInt() + " × " + r.path("window_len").asInt() + " tokens)" + (r.path("approximate").asBoolean() ? " *" : "");
                    capRow(rows, name, in, r.path("perplexity").path("baseline").asDouble(Double.NaN),
                            chat ? r.path("perplexity").path("scans").asDouble(Double.NaN) : Double.NaN, false, false);
                    if (r.path("approximate").asBoolean()) notes.add(r.path("note").asText());
                }
                case "xsum" -> {
                    for (String[] m : new String[][] {{"rouge1", "ROUGE-1"}, {"rouge2", "ROUGE-2"}, {"rougeL", "ROUGE-L"}}) {
                        capRow(rows, "XSum " + m[1] + " F (" + r.path("scored").asInt() + " documents)", in,
                                r.path("rouge").path("baseline").path(m[0]).asDouble(Double.NaN), r.path("rouge").path("scans").path(m[0]).asDouble(Double.NaN),
                                true, false);
                    }
                }
                default -> { }
            }
        }
        if (rows.isEmpty()) return "";
        return "<section><h2>Capability with and without SCANS</h2><table class='grid' id='capability'><thead><tr><th>measure</th><th>folder</th>"
                + "<th>baseline</th><th>SCANS</th><th>change</th></tr></thead><tbody>" + rows + "</tbody></table>"
                + notes.stream().map(n -> "<p class='muted'>* " + esc(n) + "</p>").reduce("", String::concat) + extra
                + (charts.isEmpty() ? "" : "<div class='charts'>" + charts + "</div>") + "</section>\n";
    }

    private static void capRow(StringBuilder b, String name, ReportInput in, double base, double scans, boolean higherIsBetter, boolean percent) {
        String d = "—";
        String cls = "";
        if (Double.isFinite(base) && Double.isFinite(scans)) {
            double delta = scans - base;
            d = percent ? String.format(java.util.Locale.ROOT, "%+.1f pp", 100 * delta) : String.format(java.util.Locale.ROOT, "%+.3f", delta);
            if (Math.abs(delta) > 1e-12) cls = (delta > 0) == higherIsBetter ? " better" : " worse";
        }
        b.append("<tr><td>").append(esc(name)).append("</td><td><code>").append(esc(in.dir().getFileName().toString())).append("</code></td><td class='num'>")
                .append(percent ? Html.percent(base) : Html.fixed(base, 3)).append("</td><td class='num'>")
                .append(percent ? Html.percent(scans) : Html.fixed(scans, 3)).append("</td><td class='num").append(cls).append("'>").append(d).append("</td></tr>");
    }

    private String samplesSection(List<ReportInput> runs) {
        Set<String> judges = new LinkedHashSet<>();
        Set<String> subtypes = new LinkedHashSet<>();
        for (ReportInput run : runs) {
            for (JsonNode l : run.samples()) {
                l.path("refusal").fieldNames().forEachRemaining(judges::add);
                if (l.hasNonNull("subtype")) subtypes.add(l.get("subtype").asText());
            }
        }
        StringBuilder b = new StringBuilder("<section><h2>Samples</h2><div class='filters'>");
        b.append("<label>folder <select id='f-run'><option value=''>all</option>");
        for (int i = 0; i < runs.size(); i++) b.append("<option value='r").append(i).append("'>").append(esc(runs.get(i).title())).append("</option>");
        b.append("</select></label><label>subset <select id='f-subset'><option value=''>all</option><option value='label:unsafe'>unsafe prompts</option>")
                .append("<option value='label:safe'>safe prompts</option>");
        for (String s : subtypes) b.append("<option value='sub:").append(esc(s)).append("'>").append(esc(s)).append("</option>");
        b.append("</select></label><label><input type='checkbox' id='f-changed'> changed between baseline and SCANS by judge</label> <select id='f-judge'>");
        for (String j : judges) {
            b.append("<option value='").append(esc(j)).append("'").append(j.equals(judge) ? " selected" : "").append(">").append(esc(j)).append("</option>");
        }
        b.append("</select><label>text <input type='search' id='f-text' placeholder='search prompts and responses'></label>")
                .append("<span id='f-count' class='muted'></span></div>");
        b.append("<div class='tablewrap'><table class='grid samples' id='samples'><thead><tr><th>set</th><th>prompt</th><th>c(q)</th><th>σ</th>")
                .append("<th>SCANS response</th><th>verdict</th><th>baseline response</th><th>verdict</th></tr></thead><tbody>");
        for (int i = 0; i < runs.size(); i++) {
            for (JsonNode l : runs.get(i).samples()) sampleRow(b, "r" + i, l, judges);
        }
        return b.append("</tbody></table></div></section>\n").toString();
    }

    private static void sampleRow(StringBuilder b, String run, JsonNode l, Set<String> judges) {
        String label = l.path("label").asText();
        String subtype = l.hasNonNull("subtype") ? l.get("subtype").asText() : "";
        List<String> changed = new ArrayList<>();
        for (String j : judges) {
            JsonNode s = l.path("refusal").path(j), base = l.path("baseline_refusal").path(j);
            if (!base.isMissingNode() && !s.isMissingNode() && s.asBoolean() != base.asBoolean()) changed.add(j);
        }
        int sigma = l.path("sigma").asInt();
        boolean wrong = (sigma > 0) != label.equals("unsafe");
        b.append("<tr data-run='").append(run).append("' data-label='label:").append(esc(label)).append("' data-subtype='sub:").append(esc(subtype))
                .append("' data-changed='").append(esc(String.join(" ", changed))).append("'>");
        b.append("<td><span class='tag ").append(label.equals("unsafe") ? "unsafe" : "safe").append("'>").append(esc(label)).append("</span>")
                .append(subtype.isEmpty() ? "" : "<br><small>" + esc(subtype) + "</small>").append("<br><small class='muted'>")
                .append(esc(l.path("id").asText())).append("</small></td>");
        b.append("<td><div class='text'>").append(esc(l.path("prompt").asText())).append("</div></td>");
        b.append("<td class='num'>").append(Html.fixed(l.path("score").asDouble(Double.NaN), 3)).append("</td>");
        b.append("<td class='num").append(wrong ? " wrong' title='the classifier disagrees with the label'" : "'").append(">")
                .append(sigma > 0 ? "+1" : "−1").append("</td>");
        b.append("<td><div class='text'>").append(esc(l.path("response").asText())).append("</div></td><td>").append(verdicts(l.path("refusal"), judges))
                .append("</td>");
        if (l.has("baseline_response")) {
            b.append("<td><div class='text'>").append(esc(l.get("baseline_response").asText())).append("</div></td><td>")
                    .append(verdicts(l.path("baseline_refusal"), judges)).append("</td>");
        } else {
            b.append("<td class='muted'>—</td><td></td>");
        }
        b.append("</tr>\n");
    }

    private static String verdicts(JsonNode v, Set<String> judges) {
        StringBuilder b = new StringBuilder();
        for (String j : judges) {
            if (!v.has(j)) continue;
            boolean refused = v.get(j).asBoolean();
            b.append("<span class='v ").append(refused ? "refused" : "answered").append("' title='").append(esc(j)).append("'>")
                    .append(refused ? "refused" : "answered").append("</span> <small class='muted'>").append(esc(j)).append("</small><br>");
        }
        return b.toString();
    }

    private static double rate(JsonNode rate) {
        JsonNode v = rate.path("rate");
        return v.isNumber() ? v.asDouble() : Double.NaN;
    }

    private static String rateText(JsonNode rate) {
        double v = rate(rate);
        return Double.isFinite(v) ? Html.percent(v) + " (" + rate.path("count").asInt() + "/" + rate.path("total").asInt() + ")" : "n/a";
    }

    private static final String CSS = """
            :root{--ink:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc}
            *{box-sizing:border-box}body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--ink);background:var(--bg)}
            header h1{margin:0 0 4px;font-size:24px}h2{font-size:18px;margin:0 0 8px}h3{font-size:14px;margin:12px 0 4px}
            section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
            .muted{color:var(--muted)}.warn{color:#b45309}
            .charts{display:flex;flex-wrap:wrap;gap:12px;overflow-x:auto}figure{margin:0;overflow-x:auto;max-width:100%}
            figcaption{font-size:12px;color:var(--muted)}.group{margin-top:8px}
            table.grid{border-collapse:collapse;margin:8px 0}table.grid th,table.grid td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
            table.grid th{background:#f1f5f9;font-weight:600;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
            td.nowrap{white-space:nowrap}
            td.better{color:#15803d}td.worse{color:#b91c1c}td.wrong{color:#b91c1c;font-weight:600}
            .filters{display:flex;flex-wrap:wrap;gap:12px;align-items:center;margin:4px 0 8px}
            .tablewrap{max-height:720px;overflow:auto;border:1px solid var(--line)}
            table.samples{width:100%;margin:0}table.samples td{font-size:13px}
            .text{max-height:9em;overflow:auto;white-space:pre-wrap;max-width:34em;min-width:14em}
            .tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;color:#fff}.tag.unsafe{background:#c2410c}.tag.safe{background:#15803d}
            .v{font-weight:600}.v.refused{color:#b91c1c}.v.answered{color:#15803d}
            code{font-size:12px}details{margin:8px 0}footer{margin:16px 0;font-size:12px}
            """;

    /**
     * Filters the sample table; the only script on the page. The filters also live in the URL hash
     * ({@code #subset=label:safe&changed=1&judge=…&run=r0&q=…}), so a view can be linked.
     */
    private static final String SCRIPT = """
            (function () {
              var table = document.getElementById('samples');
              if (!table) { return; }
              var rows = Array.prototype.slice.call(table.tBodies[0].rows);
              var run = document.getElementById('f-run'), subset = document.getElementById('f-subset');
              var changed = document.getElementById('f-changed'), judge = document.getElementById('f-judge');
              var text = document.getElementById('f-text'), count = document.getElementById('f-count');
              function fromHash() {
                location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
                  var i = kv.indexOf('=');
                  if (i < 0) { return; }
                  var k = decodeURIComponent(kv.slice(0, i)), v = decodeURIComponent(kv.slice(i + 1));
                  if (k === 'run') { run.value = v; } else if (k === 'subset') { subset.value = v; }
                  else if (k === 'judge') { judge.value = v; } else if (k === 'changed') { changed.checked = v === '1'; }
                  else if (k === 'q') { text.value = v; }
                });
              }
              function toHash() {
                var p = [];
                if (run.value) { p.push('run=' + encodeURIComponent(run.value)); }
                if (subset.value) { p.push('subset=' + encodeURIComponent(subset.value)); }
                if (changed.checked) { p.push('changed=1&judge=' + encodeURIComponent(judge.value)); }
                if (text.value) { p.push('q=' + encodeURIComponent(text.value)); }
                try { history.replaceState(null, '', '#' + p.join('&')); } catch (e) { /* some browsers refuse it for file: pages */ }
              }
              function apply() {
                var shown = 0, q = text.value.trim().toLowerCase(), j = judge.value;
                rows.forEach(function (r) {
                  var ok = (run.value === '' || r.dataset.run === run.value)
                    && (subset.value === '' || r.dataset.label === subset.value || r.dataset.subtype === subset.value)
                    && (!changed.checked || (' ' + r.dataset.changed + ' ').indexOf(' ' + j + ' ') >= 0)
                    && (q === '' || r.textContent.toLowerCase().indexOf(q) >= 0);
                  r.hidden = !ok;
                  if (ok) { shown++; }
                });
                count.textContent = shown + ' of ' + rows.length + ' samples';
              }
              function changedByUser() { apply(); toHash(); }
              [run, subset, changed, judge].forEach(function (el) { el.addEventListener('change', changedByUser); });
              text.addEventListener('input', changedByUser);
              fromHash();
              apply();
            })();
            """;
}
