package org.scans.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scans.data.Mmlu;
import org.scans.data.MmluQuestion;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;
import org.scans.eval.AnswerLetters;
import org.scans.eval.Rate;
import org.scans.experiment.Progress;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.ClassifierSettings;
import org.scans.method.Fix;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.Layers;
import org.scans.method.SteeringHook;
import org.scans.method.SteeringPlan;
import org.scans.method.Verdict;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * MMLU with and without SCANS (SCANS.md §10, the reference's {@code mmlu_eval.py}): the 5-shot
 * Hendrycks prompt with no chat wrapper, shots dropped while it is over the token limit; the
 * prediction is the argmax of the last position's logits over the answer letters. The SCANS pass
 * classifies the prompt with the classification template, then adds σ·α·v_l on the steering
 * layers from the reference's marker on ({@link SteerFrom#MARKER}, the default). That marker,
 * {@code encode("\nAnswer:")[1:]}, begins with the lone {@code ▁} that only a space before the
 * newline produces, so in most prompts it is missing and every position is steered; but where a
 * choice D ends in a space it matches (on Llama-2, 1565 of the 14042 bundled prompts: 31 test
 * questions, whose last token is then the only one steered, and every professional_law prompt
 * whose shots hold such an exemplar, steered from that exemplar's {@code Answer:} on).
 * {@link SteerFrom#ALL} steers every position always, {@link SteerFrom#PROMPT_END} (the fix) only
 * the last prompt token, where the {@code "\nAnswer:"} it meant ends.
 */
public final class MmluEval {
    /** The reference's steering multiplier for MMLU, whatever the family. */
    public static final double REFERENCE_ALPHA = 4.0;
    /** The text whose ids ({@code encode} without BOS) the reference's MMLU loop takes as its end-of-instruction marker. */
    public static final String REFERENCE_MARKER = "\nAnswer:";
    /** Prompt rows per forward call: several items share weight reads, the KV caches stay small. */
    static final int ROWS_PER_CALL = 2048;

    /** Where the SCANS pass starts adding the steering vector. */
    public enum SteerFrom {
        /**
         * The reference: from the last token of the last {@link #REFERENCE_MARKER} in the prompt's
         * ids, every position where there is none (the last prompt token with
         * {@code --fix steer-last-if-no-marker}).
         */
        MARKER("marker"),
        /** Every position, marker or not. */
        ALL("all"),
        /** Only the last prompt token. */
        PROMPT_END("prompt-end");

        private final String id;

        SteerFrom(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        /** The constant of {@code id}, or null. */
        public static SteerFrom of(String id) {
            for (SteerFrom s : values()) if (s.id.equals(id)) return s;
            return null;
        }

        /**
         * The first steered position of a prompt of {@code ids} (−1: every position).
         *
         * @param lastIfMissing {@link Fix#STEER_LAST_IF_NO_MARKER}: without a marker, the last token
         */
        public int from(int[] ids, MarkerFinder marker, boolean lastIfMissing) {
            return switch (this) {
                case ALL -> -1;
                case PROMPT_END -> ids.length - 1;
                case MARKER -> {
                    int end = marker.lastEnd(ids);
                    yield end < 0 && lastIfMissing ? ids.length - 1 : end;
                }
            };
        }
    }

    /**
     * @param subjects        in order
     * @param limitPerSubject the first N test questions of each subject, or 0 for all
     * @param shots           exemplars to start from (the reference's {@code --ntrain} 5)
     * @param maxPromptTokens shots are dropped while the prompt (BOS included) is longer
     * @param batch           questions per forward call at most (fewer when their prompts pass
     *                        {@link #ROWS_PER_CALL} rows); a setting, as it decides the calls' company
     */
    public record Settings(List<String> subjects, int limitPerSubject, int shots, int maxPromptTokens,
                           ClassifierSettings classifier, SteeringPlan plan, SteerFrom steerFrom, int batch) {
        public Settings {
            subjects = List.copyOf(subjects);
            if (batch < 1) throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }

        public ObjectNode toJson(ScansContext ctx, String vectorsSha256) {
            ObjectNode o = JsonFigures.object();
            o.put("eval", "mmlu");
            o.put("model", org.scans.experiment.RunSettings.modelPath(ctx.model().directory()));
            o.put("config_hash", ctx.model().config().hash());
            o.put("family", ctx.family().id);
            o.put("fixes", Fix.describe(ctx.fixes()));
            o.set("subjects", JsonFigures.strings(subjects));
            o.put("limit_per_subject", limitPerSubject);
            o.put("shots", shots);
            o.put("max_prompt_tokens", maxPromptTokens);
            org.scans.experiment.RunSettings.putClassifier(o, classifier);
            o.put("steering_layers", Layers.format(plan.layers()));
            o.put("alpha", plan.alpha());
            o.put("steer_from", steerFrom.id());
            o.put("batch", batch);
            o.put("vectors_sha256", vectorsSha256);
            return o;
        }
    }

    private final ScansContext ctx;
    private final Settings settings;
    private final Mmlu mmlu;
    private final PrintStream err;
    private final org.scans.experiment.FolderWarnings warnings = new org.scans.experiment.FolderWarnings();

    public MmluEval(ScansContext ctx, Settings settings, Mmlu mmlu, PrintStream err) {
        this.ctx = ctx;
        this.settings = settings;
        this.mmlu = mmlu;
        this.err = err;
    }

    /** One question ready to score. */
    private record Item(String id, MmluQuestion question, Mmlu.FittedPrompt fitted, int[] ids) {}

    public ObjectNode run(EvalFolder folder) throws IOException {
        folder.keep(warnings);
        Tokenizer tok = ctx.tokenizer();
        LlamaModel model = ctx.model();
        int context = model.config().maxPositions();
        AnswerLetters letters = AnswerLetters.resolve(tok, this::warn);
        MarkerFinder marker = MarkerFinder.of(tok, REFERENCE_MARKER);
        HarmfulnessClassifier classifier = new HarmfulnessClassifier(model, tok, ctx.template(), ctx.vectors(),
                settings.classifier(), ctx.fixes(), this::warn);

        List<MmluQuestion> all = new ArrayList<>();
        Map<String, List<MmluQuestion>> exemplars = new LinkedHashMap<>();
        for (String subject : settings.subjects()) {
            List<MmluQuestion> test = mmlu.test(subject);
            if (settings.limitPerSubject() > 0 && test.size() > settings.limitPerSubject()) {
                test = test.subList(0, settings.limitPerSubject());
            }
            all.addAll(test);
            exemplars.put(subject, mmlu.dev(subject));
        }
        folder.requireOnly(all.stream().map(MmluEval::id).toList(), "eval's " + all.size() + " questions");
        Set<String> done = folder.done();
        int pending = (int) all.stream().filter(q -> !done.contains(id(q))).count();
        if (!done.isEmpty()) err.println("resuming: " + (all.size() - pending) + " of " + all.size() + " questions already done");

        Progress progress = new Progress(err, all.size(), all.size() - pending, "mmlu");
        long t0 = System.nanoTime();
        try (SampleLog log = folder.openLog()) {
            // Groups are formed over the whole list, done questions included, so that a resumed eval
            // puts every question in the forward call it had (see score).
            List<Item> group = new ArrayList<>();
            int rows = 0;
            for (MmluQuestion q : all) {
                List<MmluQuestion> dev = exemplars.get(q.subject());
                Mmlu.FittedPrompt fitted = Mmlu.fit(q.subject(), dev, Math.min(settings.shots(), dev.size()), q,
                        settings.maxPromptTokens(), p -> tok.encode(p, true, false).length);
                int[] ids = tok.encode(fitted.prompt(), true, false);
                int classificationLength = ctx.template().classification(fitted.prompt()).encode(tok).length;
                if (!fitted.fits() || Math.max(ids.length, classificationLength) > context) {
                    String why = "even the zero-shot prompt (" + ids.length + " tokens, " + classificationLength
                            + " with the classification wrapper) does not fit " + (fitted.fits() ? "the model's context of " + context
                            : "--max-prompt-tokens " + settings.maxPromptTokens());
                    warn(id(q) + ": skipped: " + why);
                    if (!done.contains(id(q))) {
                        log.append(skipped(q, why));
                        progress.step(0);
                    }
                    continue;
                }
                if (!group.isEmpty() && (group.size() >= settings.batch() || rows + 2 * ids.length > ROWS_PER_CALL)) {
                    score(group, done, classifier, letters, marker, log, progress);
                    group.clear();
                    rows = 0;
                }
                group.add(new Item(id(q), q, fitted, ids));
                rows += 2 * ids.length;
            }
            if (!group.isEmpty()) score(group, done, classifier, letters, marker, log, progress);
        }
        ObjectNode results = results(folder.lines(), settings, letters, warnings.all(), (System.nanoTime() - t0) / 1e9);
        folder.writeResults(results);
        return results;
    }

    /**
     * Classifies a group, then runs every prompt twice (plain and steered) in one forward call (with
     * {@link SteerFrom#PROMPT_END}, the steered pass copies the plain one's cache and runs only its
     * last token, in a second call), and
     * logs the members not {@code done}. Which tokens share a call decides which matrix kernel adds
     * a token's products and in what order (see {@link HarmfulnessClassifier#classifyInGroups}), so
     * a group with some members done is still computed whole; one with all done is passed over.
     */
    private void score(List<Item> group, Set<String> done, HarmfulnessClassifier classifier, AnswerLetters letters,
                       MarkerFinder marker, SampleLog log, Progress progress) throws IOException {
        if (group.stream().allMatch(i -> done.contains(i.id()))) return;
        LlamaModel model = ctx.model();
        List<Verdict> verdicts = classifier.classifyAll(group.stream().map(i -> i.fitted().prompt()).toList());
        // Pass p of the call is pass[p] of the group: 2i plain, 2i + 1 steered for item i.
        List<Step> steps = new ArrayList<>();
        List<Integer> pass = new ArrayList<>();
        List<Step> tails = new ArrayList<>();
        List<Integer> tailPass = new ArrayList<>();
        Sequence[] sequences = new Sequence[2 * group.size()];
        int[] signs = new int[group.size()], froms = new int[group.size()];
        boolean lastIfMissing = ctx.fixes().contains(Fix.STEER_LAST_IF_NO_MARKER);
        for (int i = 0; i < group.size(); i++) {
            Item item = group.get(i);
            sequences[2 * i] = model.newSequence();
            steps.add(new Step(sequences[2 * i], item.ids(), Logits.LAST));
            pass.add(2 * i);
            Sequence steered = model.newSequence();
            sequences[2 * i + 1] = steered;
            signs[i] = settings.plan().signFor(verdicts.get(i));
            int n = item.ids().length, from = settings.steerFrom().from(item.ids(), marker, lastIfMissing);
            froms[i] = from;
            steered.addHook(new SteeringHook(ctx.vectors(), settings.plan().layers(), settings.plan().alpha(), signs[i], from));
            if (from > 0) {
                // Steered only from `from` on: the rest is the plain pass's, copied after it runs.
                tails.add(new Step(steered, java.util.Arrays.copyOfRange(item.ids(), from, n), Logits.LAST));
                tailPass.add(2 * i + 1);
            } else {
                steps.add(new Step(steered, item.ids(), Logits.LAST));
                pass.add(2 * i + 1);
            }
        }
        float[][] picked = new float[sequences.length][];
        try {
            model.forward(steps, (s, t, logits, off) -> picked[pass.get(s)] = letters.pick(logits, off));
            if (!tails.isEmpty()) {
                for (int j = 0; j < tails.size(); j++) {
                    int p = tailPass.get(j);
                    tails.get(j).sequence().copyPrefix(sequences[p - 1], froms[p / 2]);
                }
                model.forward(tails, (s, t, logits, off) -> picked[tailPass.get(s)] = letters.pick(logits, off));
            }
        } finally {
            for (Sequence seq : sequences) seq.close(); // free the KV caches now
        }
        for (int i = 0; i < group.size(); i++) {
            Item item = group.get(i);
            if (done.contains(item.id())) continue;
            Verdict v = verdicts.get(i);
            ObjectNode o = JsonFigures.object();
            o.put("id", item.id());
            o.put("subject", item.question().subject());
            o.put("row", item.question().row());
            o.put("answer", item.question().answer());
            o.put("shots", item.fitted().shots());
            o.put("prompt_tokens", item.ids().length);
            o.put("score", v.score());
            o.put("sigma", v.sigma());
            o.put("steer_sign", signs[i]);
            o.put("steer_from", froms[i]);
            o.set("baseline", prediction(picked[2 * i], item.question()));
            o.set("scans", prediction(picked[2 * i + 1], item.question()));
            log.append(o);
            progress.step(2L * item.ids().length);
        }
    }

    private static ObjectNode prediction(float[] letterLogits, MmluQuestion q) {
        int p = AnswerLetters.predict(letterLogits);
        ObjectNode o = JsonFigures.object();
        o.put("pred", AnswerLetters.LETTERS.get(p));
        o.put("correct", p == q.answerIndex());
        ArrayNode probs = o.putArray("probs");
        for (double x : AnswerLetters.probabilities(letterLogits)) probs.add(x);
        ArrayNode logits = o.putArray("logits");
        for (float x : letterLogits) logits.add(x);
        return o;
    }

    private static ObjectNode skipped(MmluQuestion q, String why) {
        ObjectNode o = JsonFigures.object();
        o.put("id", id(q));
        o.put("subject", q.subject());
        o.put("row", q.row());
        o.put("answer", q.answer());
        o.put("skipped", why);
        return o;
    }

    static String id(MmluQuestion q) {
        return "%s-%04d".formatted(q.subject(), q.row());
    }

    /**
     * Accuracy with and without steering, overall (over all scored questions, the reference's
     * "Average accuracy") and per subject, from the item lines.
     */
    static ObjectNode results(List<JsonNode> lines, Settings settings, AnswerLetters letters, List<String> warnings, double seconds) {
        ObjectNode o = JsonFigures.object();
        o.put("eval", "mmlu");
        int scored = 0, skipped = 0, base = 0, scans = 0, unsafe = 0, changed = 0;
        Map<String, int[]> bySubject = new LinkedHashMap<>();   // scored, baseline correct, scans correct, shots sum
        for (String s : settings.subjects()) bySubject.put(s, new int[4]);
        for (JsonNode l : lines) {
            int[] c = bySubject.computeIfAbsent(l.get("subject").asText(), k -> new int[4]);
            if (l.has("skipped")) {
                skipped++;
                continue;
            }
            scored++;
            c[0]++;
            boolean b = l.get("baseline").get("correct").asBoolean(), s = l.get("scans").get("correct").asBoolean();
            if (b) { base++; c[1]++; }
            if (s) { scans++; c[2]++; }
            c[3] += l.get("shots").asInt();
            if (l.get("sigma").asInt() > 0) unsafe++;
            if (!l.get("baseline").get("pred").equals(l.get("scans").get("pred"))) changed++;
        }
        o.put("questions", scored + skipped);
        o.put("scored", scored);
        o.put("skipped", skipped);
        ArrayNode ls = o.putArray("answer_letters");
        for (int i = 0; i < 4; i++) {
            ObjectNode x = ls.addObject();
            x.put("letter", AnswerLetters.LETTERS.get(i));
            x.put("id", letters.ids()[i]);
            x.put("piece", letters.pieces().get(i));
        }
        ObjectNode acc = o.putObject("accuracy");
        acc.set("baseline", JsonFigures.rate(new Rate(base, scored)));
        acc.set("scans", JsonFigures.rate(new Rate(scans, scored)));
        double macroBase = 0, macroScans = 0;
        int subjects = 0;
        ObjectNode by = o.putObject("by_subject");
        for (var e : bySubject.entrySet()) {
            int[] c = e.getValue();
            ObjectNode s = by.putObject(e.getKey());
            s.put("scored", c[0]);
            s.set("baseline", JsonFigures.rate(new Rate(c[1], c[0])));
            s.set("scans", JsonFigures.rate(new Rate(c[2], c[0])));
            JsonFigures.number(s, "mean_shots", c[0] == 0 ? Double.NaN : (double) c[3] / c[0]);
            if (c[0] > 0) {
                subjects++;
                macroBase += (double) c[1] / c[0];
                macroScans += (double) c[2] / c[0];
            }
        }
        ObjectNode macro = o.putObject("macro_accuracy");
        JsonFigures.number(macro, "baseline", subjects == 0 ? Double.NaN : macroBase / subjects);
        JsonFigures.number(macro, "scans", subjects == 0 ? Double.NaN : macroScans / subjects);
        o.set("judged_unsafe", JsonFigures.rate(new Rate(unsafe, scored)));
        o.put("changed_predictions", changed);
        o.put("seconds", Math.round(seconds * 10) / 10.0);
        o.set("warnings", JsonFigures.strings(warnings));
        return o;
    }

    /** The table printed at the end. */
    public static String table(ObjectNode r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("MMLU: %d questions scored, %d skipped%n", r.get("scored").asInt(), r.get("skipped").asInt()));
        b.append(String.format("%-40s %18s %18s%n", "subject", "baseline", "SCANS"));
        r.get("by_subject").fields().forEachRemaining(e -> b.append(String.format("%-40s %18s %18s%n", "  " + e.getKey(),
                JsonFigures.percent(e.getValue().get("baseline")), JsonFigures.percent(e.getValue().get("scans")))));
        b.append(String.format("%-40s %18s %18s%n", "all questions", JsonFigures.percent(r.get("accuracy").get("baseline")),
                JsonFigures.percent(r.get("accuracy").get("scans"))));
        b.append(String.format("%-40s %18s %18s%n", "mean over subjects", JsonFigures.fixed(r.get("macro_accuracy").get("baseline"), 3),
                JsonFigures.fixed(r.get("macro_accuracy").get("scans"), 3)));
        b.append(String.format("judged unsafe by the classifier: %s; predictions changed by steering: %d%n",
                JsonFigures.percent(r.get("judged_unsafe")), r.get("changed_predictions").asInt()));
        return b.toString();
    }

    private void warn(String w) {
        warnings.add(w);
        err.println("warning: " + w);
    }
}
