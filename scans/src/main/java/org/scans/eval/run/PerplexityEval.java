package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;
import org.scans.eval.PerplexityCorpus;
import org.scans.eval.PerplexityWindows;
import org.scans.eval.PerplexityWindows.Window;
import org.scans.eval.Rate;
import org.scans.eval.TokenLoss;
import org.scans.experiment.Progress;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.Fix;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Layers;
import org.scans.method.Quote;
import org.scans.method.SteeringHook;
import org.scans.method.SteeringPlan;
import org.scans.method.Verdict;

/**
 * Perplexity with and without SCANS (SCANS.md §10, the reference's {@code ppl_eval.py}).
 *
 * <p>{@link Mode#CHAT} is the reference's measure: each window is rebuilt around
 * {@code [/INST]} (see {@link PerplexityWindows}), its text is classified the way the reference
 * does it (the window decoded, {@code <s>} included, inside the classification template), the loss
 * runs over every token, and the perplexity is {@code exp} of the mean of the per-window mean NLLs;
 * the SCANS pass steers from the inserted marker on. {@link Mode#PLAIN} is the standard language
 * model perplexity (no rebuild, no steering): {@code exp(total NLL / scored tokens)}, comparable
 * with published numbers.
 */
public final class PerplexityEval {
    public enum Mode {
        CHAT, PLAIN;

        public String id() {
            return org.scans.experiment.Json.id(this);
        }
    }

    /**
     * @param windows random windows to draw, or 0 for every consecutive window of a running text
     * @param stride  plain mode, consecutive windows: how far each window moves (= window length: no overlap)
     */
    public record Settings(String dataset, Mode mode, int windows, int windowLength, int stride, long seed,
                           ClassifierSettings classifier, SteeringPlan plan) {
        public ObjectNode toJson(ScansContext ctx, String vectorsSha256) {
            ObjectNode o = JsonFigures.object();
            o.put("eval", "ppl");
            o.put("model", org.scans.experiment.RunSettings.modelPath(ctx.model().directory()));
            o.put("config_hash", ctx.model().config().hash());
            o.put("family", ctx.family().id);
            o.put("fixes", Fix.describe(ctx.fixes()));
            o.put("dataset", dataset);
            o.put("mode", mode.id());
            if (windows == 0) o.put("windows", "all");
            else o.put("windows", windows);
            o.put("window_len", windowLength);
            if (mode == Mode.PLAIN) o.put("stride", stride);
            o.put("seed", seed);
            // Random windows have been drawn with CPython's generator since it replaced java.util.Random:
            // a folder drawn with the other holds other windows under the same ids, and must not be resumed.
            if (windows > 0) o.put("window_rng", "cpython-mt19937");
            if (mode == Mode.CHAT) {
                org.scans.experiment.RunSettings.putClassifier(o, classifier);
                o.put("steering_layers", Layers.format(plan.layers()));
                o.put("alpha", plan.alpha());
                o.put("vectors_sha256", vectorsSha256);
            }
            return o;
        }
    }

    private final ScansContext ctx;
    private final Settings settings;
    private final PrintStream err;
    private final org.scans.experiment.FolderWarnings warnings = new org.scans.experiment.FolderWarnings();

    public PerplexityEval(ScansContext ctx, Settings settings, PrintStream err) {
        this.ctx = ctx;
        this.settings = settings;
        this.err = err;
    }

    /** The windows of this eval; throws, naming the option, when they do not fit the model. */
    public List<Window> windows(PerplexityCorpus corpus) {
        int context = ctx.model().config().maxPositions();
        if (settings.windowLength() > context) {
            throw new IllegalArgumentException("--window-len " + settings.windowLength() + " is longer than the model's context ("
                    + context + " tokens)");
        }
        if (settings.mode() == Mode.PLAIN) {
            return PerplexityWindows.plain(corpus, ctx.tokenizer(), settings.windowLength(), settings.stride(), settings.windows(),
                    settings.seed());
        }
        List<Window> ws = PerplexityWindows.chat(corpus, ctx.tokenizer(), PerplexityWindows.ChatWrap.of(ctx.template(), corpus),
                org.scans.tokenizer.template.MarkerFinder.of(ctx.tokenizer(), ctx.template()), settings.windowLength(),
                settings.windows(), settings.seed());
        int longest = 0;
        for (Window w : ws) longest = Math.max(longest, ctx.template().classification(query(w)).encode(ctx.tokenizer()).length);
        if (longest > context) {
            throw new IllegalArgumentException("--window-len " + settings.windowLength() + ": the classification input of a window "
                    + "(the window's text inside the template) takes up to " + longest + " tokens, more than the model's context of "
                    + context + "; use a --window-len about " + (settings.windowLength() - (longest - context)) + " or less");
        }
        return ws;
    }

    /** The last token of the wrapper inserted between a chat window's halves. */
    private int wrapperEnd(Window w, PerplexityCorpus corpus) {
        PerplexityWindows.ChatWrap wrap = PerplexityWindows.ChatWrap.of(ctx.template(), corpus);
        int start = ctx.tokenizer().encode(wrap.start(), false, true).length, end = ctx.tokenizer().encode(wrap.end(), false, false).length;
        return start + (w.ids().length - start - end) / 2 + end - 1;
    }

    /** What the reference classifies: the rebuilt window decoded, {@code <s>} spelled out as its fast tokenizer does. */
    String query(Window w) {
        int[] ids = w.ids();
        boolean bos = ids.length > 0 && ids[0] == ctx.tokenizer().bos();
        String text = ctx.tokenizer().decode(bos ? java.util.Arrays.copyOfRange(ids, 1, ids.length) : ids);
        return bos ? "<s> " + text : text;
    }

    /** Measures {@code all} (from {@link #windows}) into the folder, skipping the windows it already holds. */
    public ObjectNode run(PerplexityCorpus corpus, List<Window> all, EvalFolder folder) throws IOException {
        folder.keep(warnings);
        folder.requireOnly(all.stream().map(Window::id).toList(), "eval's " + all.size() + " windows");
        List<Window> todo = all.stream().filter(w -> !folder.done().contains(w.id())).toList();
        if (!folder.done().isEmpty()) err.println("resuming: " + (all.size() - todo.size()) + " of " + all.size() + " windows already done");
        boolean chat = settings.mode() == Mode.CHAT;
        HarmfulnessClassifier classifier = chat ? new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                settings.classifier(), ctx.fixes(), this::warn) : null;
        boolean warnedMarker = false;
        Progress progress = new Progress(err, all.size(), all.size() - todo.size(), "ppl");
        long t0 = System.nanoTime();
        LlamaModel model = ctx.model();
        int vocab = model.config().vocabSize();
        try (SampleLog log = folder.openLog()) {
            for (Window w : todo) {
                ObjectNode o = JsonFigures.object();
                o.put("id", w.id());
                o.put("doc", w.doc());
                o.put("start", w.start());
                o.put("tokens", w.ids().length);
                List<Step> steps = new ArrayList<>();
                List<TokenLoss> losses = new ArrayList<>();
                Sequence plain = model.newSequence(), steered = null;
                steps.add(new Step(plain, w.ids(), Logits.ALL));
                losses.add(new TokenLoss(w.ids(), w.firstTarget()));
                int shared = 0;
                if (chat) {
                    String q = query(w);
                    Verdict v = classifier.classify(q);
                    int sign = settings.plan().signFor(v);
                    int from = w.steerFrom();
                    if (from < 0) {
                        boolean fix = ctx.fixes().contains(Fix.STEER_LAST_IF_NO_MARKER);
                        if (fix) from = wrapperEnd(w, corpus);
                        if (!warnedMarker) {
                            warn("the end-of-instruction marker is not in the rebuilt window " + w.id() + " " + Quote.of(q) + (fix
                                    ? "; steering from the end of the inserted wrapper (--fix steer-last-if-no-marker)"
                                    : "; steering every position (as the reference does)"));
                            warnedMarker = true;
                        }
                    }
                    steered = model.newSequence();
                    steered.addHook(new SteeringHook(ctx.vectors(), settings.plan().layers(), settings.plan().alpha(), sign, from));
                    losses.add(new TokenLoss(w.ids(), w.firstTarget()));
                    // Before `from` the steered pass is the plain one: its rows there are the plain
                    // rows, and its keys and values are copied from the plain pass instead of being
                    // computed again (about a quarter of the window's two passes).
                    shared = Math.max(0, from);
                    if (shared == 0) steps.add(new Step(steered, w.ids(), Logits.ALL));
                    o.put("steer_from", from);
                    o.put("score", v.score());
                    o.put("sigma", v.sigma());
                    o.put("steer_sign", sign);
                }
                try {
                    int copyBelow = shared;
                    model.forward(steps, (s, t, logits, off) -> {
                        losses.get(s).accept(t, logits, off, vocab);
                        if (s == 0 && t < copyBelow) losses.get(1).accept(t, logits, off, vocab);
                    });
                    if (shared > 0) {
                        steered.copyPrefix(plain, shared);
                        int[] rest = Arrays.copyOfRange(w.ids(), shared, w.ids().length);
                        model.forward(List.of(new Step(steered, rest, Logits.ALL)),
                                (s, t, logits, off) -> losses.get(1).accept(copyBelow + t, logits, off, vocab));
                    }
                } finally {
                    plain.close(); // free the KV caches now
                    if (steered != null) steered.close();
                }
                o.put("scored_tokens", losses.get(0).count());
                o.put("nll_sum_baseline", losses.get(0).sum());
                o.put("nll_baseline", losses.get(0).mean());
                if (chat) {
                    o.put("nll_sum_scans", losses.get(1).sum());
                    o.put("nll_scans", losses.get(1).mean());
                }
                log.append(o);
                progress.step((long) losses.size() * w.ids().length);
            }
        }
        ObjectNode results = results(folder.lines(), settings, corpus, warnings.all(), (System.nanoTime() - t0) / 1e9);
        folder.writeResults(results);
        return results;
    }

    static ObjectNode results(List<JsonNode> lines, Settings settings, PerplexityCorpus corpus, List<String> warnings, double seconds) {
        ObjectNode o = JsonFigures.object();
        o.put("eval", "ppl");
        o.put("dataset", corpus.name());
        o.put("mode", settings.mode().id());
        o.put("windows", lines.size());
        o.put("window_len", settings.windowLength());
        o.put("approximate", corpus.approximate());
        if (corpus.note() != null) o.put("note", corpus.note());
        ObjectNode ppl = o.putObject("perplexity");
        ObjectNode nll = o.putObject("mean_nll");
        long tokens = 0;
        for (JsonNode l : lines) tokens += l.get("scored_tokens").asLong();
        o.put("scored_tokens", tokens);
        if (settings.mode() == Mode.CHAT) {
            double[] base = new double[lines.size()], scans = new double[lines.size()];
            int unsafe = 0;
            for (int i = 0; i < lines.size(); i++) {
                base[i] = lines.get(i).get("nll_baseline").asDouble();
                scans[i] = lines.get(i).get("nll_scans").asDouble();
                if (lines.get(i).get("sigma").asInt() > 0) unsafe++;
            }
            JsonFigures.number(ppl, "baseline", TokenLoss.perplexityOfMeans(base));
            JsonFigures.number(ppl, "scans", TokenLoss.perplexityOfMeans(scans));
            JsonFigures.number(nll, "baseline", mean(base));
            JsonFigures.number(nll, "scans", mean(scans));
            o.put("rule", "exp(mean over windows of the mean NLL per window), loss over every token of the [INST]-rebuilt window");
            o.set("judged_unsafe", JsonFigures.rate(new Rate(unsafe, lines.size())));
        } else {
            double sum = 0;
            for (JsonNode l : lines) sum += l.get("nll_sum_baseline").asDouble();
            JsonFigures.number(ppl, "baseline", TokenLoss.perplexityOfTotals(sum, tokens));
            JsonFigures.number(nll, "baseline", tokens == 0 ? Double.NaN : sum / tokens);
            o.put("rule", "exp(total NLL / scored tokens), plain windows, no steering");
        }
        o.put("seconds", Math.round(seconds * 10) / 10.0);
        o.set("warnings", JsonFigures.strings(warnings));
        return o;
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return v.length == 0 ? Double.NaN : s / v.length;
    }

    public static String table(ObjectNode r) {
        StringBuilder b = new StringBuilder();
        boolean chat = r.get("mode").asText().equals("chat");
        int windows = r.get("windows").asInt();
        b.append(String.format("Perplexity (%s, %s windows): %d window%s of %d tokens, %d tokens scored%n", r.get("dataset").asText(),
                r.get("mode").asText(), windows, windows == 1 ? "" : "s", r.get("window_len").asInt(), r.get("scored_tokens").asLong()));
        b.append(String.format("  baseline  %s%n", JsonFigures.fixed(r.get("perplexity").get("baseline"), 3)));
        if (chat) {
            b.append(String.format("  SCANS     %s%n", JsonFigures.fixed(r.get("perplexity").get("scans"), 3)));
            b.append(String.format("  windows judged unsafe by the classifier: %s%n", JsonFigures.percent(r.get("judged_unsafe"))));
        }
        if (r.path("approximate").asBoolean()) b.append("  note: ").append(r.get("note").asText()).append(System.lineSeparator());
        return b.toString();
    }

    private void warn(String w) {
        warnings.add(w);
        err.println("warning: " + w);
    }
}
