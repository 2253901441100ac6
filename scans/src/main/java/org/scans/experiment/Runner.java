package org.scans.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.scans.data.Label;
import org.scans.data.Sample;
import org.scans.data.TestSet;
import org.scans.judge.RefusalJudge;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.PrefixReuse;
import org.scans.method.SteeredGenerator;
import org.scans.method.Verdict;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.model.KvCache;
import org.scans.engine.model.LlamaConfig;
import org.scans.engine.tensor.DType;
import org.scans.engine.generate.BatchGenerator;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.SharedPrefix;
import org.scans.engine.generate.TokenListener;

/**
 * Runs a SCANS experiment over a test set: for each sample, the classification pass, the steered
 * generation, optionally the unsteered baseline, and the judges' verdicts; one line per sample in
 * {@code samples.jsonl}, then {@code summary.json} and a table. Up to {@code batch} generations
 * decode together, one forward call per step for all of them; lines are written as samples
 * finish, so their order in the file may differ from the test set's.
 */
public final class Runner {
    public static final String SETTINGS_FILE = "run.json";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String VECTORS_FILE = "vectors.safetensors";

    private final ScansContext ctx;
    private final RunSettings settings;
    private final List<RefusalJudge> judges;
    private final PrintStream err;
    private final int batch;
    private final FolderWarnings warnings = new FolderWarnings();
    private boolean leftUnchanged;
    /** Samples per chunk, in batches: classification of a chunk, then its generations. */
    private static final int CHUNK_BATCHES = 4;

    public Runner(ScansContext ctx, RunSettings settings, List<RefusalJudge> judges, PrintStream err, int batch) {
        this.ctx = ctx;
        this.settings = settings;
        this.judges = judges;
        this.err = err;
        this.batch = Math.max(1, batch);
    }

    /**
     * Models at least this large decode 32 sequences at once by default when their caches fit.
     * Measured on the 2-core machine (2 threads, 2026-11-28): on a 7B-shaped BF16 model `bench`
     * gave 15.3 against 11.3 tok/s for 32 and 16 sequences, and `run --dataset xstest --limit 16
     * --baseline` (32 answers of 256 tokens) took 531 s with 32 F16 caches against 649 s with 16
     * float32 ones; on the 1.1B shape 127–137 against 107–120 tok/s. Their steps are the matrix
     * kernels' work, which 32 tokens per weight do more efficiently than 16 (with F16 weights,
     * through F16Kernels.gemmPairs32: 15.9, 16.7 against 12.6, 14.2 tok/s on the 7B shape). On stories260K,
     * whose step is mostly per-sequence work, 16 was faster (19.1 against 17.0 samples/s).
     */
    static final long BATCH_32_MIN_WEIGHT_BYTES = 1L << 30;

    /**
     * A batch size for this machine: as many sequences as the KV caches of a typical SCANS prompt
     * plus {@code maxNewTokens} fit in the memory left after the weights (2 GB spare), rounded
     * down to 32 or to at most 16. 16 and 32 fill one or two float vectors of tokens per weight
     * in the batched kernels; between them the 32-wide kernels run part empty, so 17–31
     * sequences are not faster than 16. 32 only for models of {@link #BATCH_32_MIN_WEIGHT_BYTES}
     * or more.
     */
    public static int defaultBatch(LlamaConfig c, long weightBytes, DType kvCache, int maxNewTokens) {
        return defaultBatch(c, weightBytes, kvCache, maxNewTokens, totalMemory());
    }

    static int defaultBatch(LlamaConfig c, long weightBytes, DType kvCache, int maxNewTokens, long ram) {
        return batchFor(weightBytes, cacheBound(c, kvCache, maxNewTokens), ram, 1);
    }

    /**
     * As many sequences as KV caches of up to {@code perSequence} bytes fit beside the weights
     * (2 GB spare), rounded down to 32 (models of {@link #BATCH_32_MIN_WEIGHT_BYTES} or more) or to
     * at most 16, and at least 1: {@link #defaultBatch}'s rule for caches of any length.
     */
    public static int batchFor(long weightBytes, long perSequence) {
        return batchFor(weightBytes, perSequence, totalMemory(), 1);
    }

    /** {@link #batchFor(long, long)} within {@code share} (0–1] of the memory for caches, leaving the rest to other caches. */
    public static int batchFor(long weightBytes, long perSequence, double share) {
        return batchFor(weightBytes, perSequence, totalMemory(), share);
    }

    static int batchFor(long weightBytes, long perSequence, long ram, double share) {
        long budget = Math.max(512L << 20, (long) (share * cacheBudget(weightBytes, ram)));
        long fit = budget / perSequence;
        if (fit >= 32 && weightBytes >= BATCH_32_MIN_WEIGHT_BYTES) return 32;
        return (int) Math.max(1, Math.min(16, fit));
    }

    /** Memory the default batch leaves to everything but the weights and the caches. */
    private static final long SPARE_BYTES = 2L << 30;

    /** Bytes of KV caches this machine holds beside the weights, keeping the 2 GB spare (0 when none). */
    public static long cacheBudget(long weightBytes) {
        return cacheBudget(weightBytes, totalMemory());
    }

    static long cacheBudget(long weightBytes, long ram) {
        return Math.max(0, ram - weightBytes - SPARE_BYTES);
    }

    /**
     * What {@link #cacheBudget} leaves beside {@code batch} caches of {@code each} bytes: room
     * for the classification passes that generations start from ({@link PrefixReuse}).
     */
    public static long budgetBeside(long weightBytes, int batch, long each) {
        return Math.max(0, cacheBudget(weightBytes) - batch * each);
    }

    /**
     * The most bytes one sequence's KV cache takes in a run: the batch generator reserves each
     * generation's prompt plus {@code maxNewTokens} when it starts, and a SCANS prompt in its
     * template is taken to be at most 192 tokens.
     */
    static long cacheBound(LlamaConfig c, DType kvCache, int maxNewTokens) {
        return cacheBytes(c, kvCache, 192L + maxNewTokens);
    }

    /** Bytes of a KV cache reserved for {@code positions} positions (at most the model's context). */
    public static long cacheBytes(LlamaConfig c, DType kvCache, long positions) {
        return KvCache.bytesFor(kvCache, c.numLayers(), c.kvDim(), (int) Math.min(c.maxPositions(), positions));
    }

    private static long totalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getTotalMemorySize();
    }

    /**
     * Checks a batch size given by hand against this machine's memory: throws when its caches
     * cannot fit beside the weights even with nothing else running (the run would swap or be
     * killed by the kernel hours in), and returns a warning, or null, when they pass the margin
     * the default keeps.
     */
    public static String checkBatch(int batch, LlamaConfig c, long weightBytes, DType kvCache, int maxNewTokens) {
        return checkBatch(batch, c, weightBytes, kvCache, maxNewTokens, totalMemory());
    }

    static String checkBatch(int batch, LlamaConfig c, long weightBytes, DType kvCache, int maxNewTokens, long ram) {
        return checkBatch(batch, weightBytes, cacheBound(c, kvCache, maxNewTokens), kvCache, ram);
    }

    /** {@link #checkBatch(int, LlamaConfig, long, DType, int)} for caches of up to {@code each} bytes. */
    public static String checkBatch(int batch, long weightBytes, long each, DType kvCache) {
        return checkBatch(batch, weightBytes, each, kvCache, totalMemory());
    }

    static String checkBatch(int batch, long weightBytes, long each, DType kvCache, long ram) {
        long need = batch * each, budget = cacheBudget(weightBytes, ram);
        if (need <= budget) return null;
        String what = String.format("--batch %d: %d KV caches of up to %s each (%s) need %s beside %s of weights, and this machine has %s",
                batch, batch, gb(each), kvCache == DType.F16 ? "f16" : "f32", gb(need), gb(weightBytes), gb(ram));
        long fit = budget / each;
        // Advise a width the batched kernels fill (17–31 run no faster than 16).
        long advised = fit >= 32 ? 32 : Math.min(fit, 16);
        String advice = "; " + (advised >= 1 ? "--batch " + advised + " fits" : "not even one fits with room to spare")
                + (kvCache == DType.F16 ? "" : ", and --kv-cache f16 halves the caches");
        if (need + weightBytes > ram) throw new IllegalArgumentException(what + advice);
        return what + ", leaving under 2 GB for the rest: it may swap" + advice;
    }

    private static String gb(long bytes) {
        if (bytes >= 1_000_000_000L) return String.format("%.1f GB", bytes / 1e9);
        if (bytes >= 1_000_000L) return String.format("%d MB", Math.round(bytes / 1e6));
        return String.format("%d KB", Math.max(1, Math.round(bytes / 1e3)));
    }

    /**
     * Fails, naming the first few, when samples do not fit the model's context: the
     * classification input (the prompt in the classifier's wrapper) must fit whole, and the
     * generation prompt must leave room for one new token. Checked before any pass runs, so that
     * a long prompt in a custom set does not stop a run partway with a context error.
     */
    public static void checkPromptsFit(List<Sample> samples, org.scans.tokenizer.Tokenizer tokenizer,
                                       org.scans.tokenizer.template.ChatTemplate template, int context) {
        List<String> tooLong = new ArrayList<>();
        int count = 0;
        for (Sample s : samples) {
            int classification = template.classification(s.prompt()).encode(tokenizer).length;
            int generation = template.generation(s.prompt()).encode(tokenizer).length;
            if (classification <= context && generation < context) continue;
            count++;
            if (tooLong.size() < 3) tooLong.add(s.id() + " " + org.scans.method.Quote.of(s.prompt()) + " (" + Math.max(classification, generation + 1) + " tokens)");
        }
        if (count > 0) {
            throw new IllegalArgumentException(count + " prompt" + (count == 1 ? " does" : "s do") + " not fit the model's context of " + context
                    + " tokens with the " + template.name() + " template: " + String.join(", ", tooLong) + (count > tooLong.size() ? ", …" : "")
                    + "; shorten or remove " + (count == 1 ? "it" : "them"));
        }
    }

    /** The samples a run covers: all, or {@code limit} taken alternately from the unsafe and safe sets. */
    public static List<Sample> select(TestSet set, int limit) {
        if (limit <= 0 || limit >= set.size()) return set.all();
        List<Sample> out = new ArrayList<>(limit);
        int u = 0, s = 0;
        while (out.size() < limit) {
            boolean takeUnsafe = (out.size() % 2 == 0 && u < set.unsafe().size()) || s >= set.safe().size();
            out.add(takeUnsafe ? set.unsafe().get(u++) : set.safe().get(s++));
        }
        // Keep the reference's order: unsafe first, then safe.
        List<Sample> ordered = new ArrayList<>(out.stream().filter(x -> x.label() == Label.UNSAFE).toList());
        ordered.addAll(out.stream().filter(x -> x.label() == Label.SAFE).toList());
        return ordered;
    }

    /** Runs (or continues) into {@code dir}, which exists; returns the summary. */
    public ObjectNode run(List<Sample> samples, Path dir) throws IOException {
        warnings.appendTo(dir);
        List<JsonNode> previous = SampleLog.read(dir);
        Set<String> done = new HashSet<>();
        for (JsonNode l : previous) done.add(l.get("id").asText());
        SampleLog.requireOnly(dir, done, samples.stream().map(Sample::id).toList(), "run's " + samples.size() + " samples");
        List<Sample> todo = samples.stream().filter(s -> !done.contains(s.id())).toList();
        if (!done.isEmpty()) err.println("resuming: " + done.size() + " of " + samples.size() + " samples already done");
        Path summaryFile = dir.resolve(SUMMARY_FILE);
        if (todo.isEmpty() && Files.exists(summaryFile)) {
            // A finished run resumed: its summary (with the throughput it measured) stays as it is,
            // unless it cannot be read; then it is made again from the samples.
            try {
                ObjectNode kept = (ObjectNode) Json.readObject(summaryFile);
                err.println("nothing left to do: the run is complete; " + summaryFile + " is unchanged");
                leftUnchanged = true;
                return kept;
            } catch (IllegalArgumentException e) {
                err.println("note: " + e.getMessage() + "; it is written again from " + SampleLog.FILE);
            }
        }

        HarmfulnessClassifier classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                settings.classifier(), ctx.fixes(), this::warn);
        SteeredGenerator generator = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.fixes(), this::warn);
        GenerationConfig gen = SteeredGenerator.referenceConfig(settings.maxNewTokens());
        // Tokens count as they are generated, so a batch that decodes for minutes moves the bar.
        long sampleBudget = (long) settings.maxNewTokens() * (settings.baseline() ? 2 : 1);
        Progress progress = new Progress(err, samples.size(), samples.size() - todo.size(), "run", sampleBudget);
        TokenListener counted = id -> progress.generated(1);
        BatchGenerator batcher = new BatchGenerator(ctx.model(), batch);
        long prefixBudget = budgetBeside(ctx.model().weights().checkpointBytes(), batch,
                cacheBound(ctx.model().config(), ctx.model().kvCacheType(), settings.maxNewTokens()));
        long t0 = System.nanoTime();
        long[] tokens = {0};
        try (SampleLog log = SampleLog.open(dir)) {
            // Chunks of several batches: classification passes share forward calls, then every
            // generation of the chunk (steered, and baseline) goes through the batch generator,
            // which keeps up to `batch` sequences decoding together. Classification groups are
            // fixed positions in the whole list of samples (HarmfulnessClassifier.classifyInGroups),
            // so a resumed run scores as an uninterrupted one.
            List<String> prompts = samples.stream().map(Sample::prompt).toList();
            Map<String, Integer> position = new HashMap<>();
            for (int i = 0; i < samples.size(); i++) position.put(samples.get(i).id(), i);
            int chunk = (CHUNK_BATCHES * batch + HarmfulnessClassifier.GROUP - 1) / HarmfulnessClassifier.GROUP * HarmfulnessClassifier.GROUP;
            for (int start = 0; start < todo.size(); start += chunk) {
                List<Sample> group = todo.subList(start, Math.min(todo.size(), start + chunk));
                // The classification passes' KV caches start the generations (one prefill a sample
                // instead of up to three), as far as the memory beside the batch's caches holds them.
                try (PrefixReuse reuse = new PrefixReuse(generator, prompts, prefixBudget)) {
                    List<Integer> wanted = group.stream().map(s -> position.get(s.id())).toList();
                    Map<Integer, HarmfulnessClassifier.Classification> classified =
                            classifier.classifyInGroups(prompts, wanted, reuse.keeper(), progress.classifying());
                    List<BatchGenerator.Request> requests = new ArrayList<>();
                    for (Sample sample : group) {
                        var c = classified.get(position.get(sample.id()));
                        Pending p = new Pending(sample, c.verdict(), System.nanoTime());
                        p.sign = settings.steering().signFor(p.verdict);
                        p.steered = generator.prepare(p.sample.prompt(), settings.steering(), p.sign);
                        SharedPrefix shared = reuse.share(c, settings.baseline() ? 2 : 1);
                        requests.add(reuse.request(shared, p.steered, gen, counted, g -> {
                            p.steeredGen = g;
                            finishIfDone(p, generator, log, progress, tokens);
                        }));
                        if (settings.baseline()) {
                            p.base = generator.unsteered(p.steered.promptIds());
                            requests.add(reuse.request(shared, p.base, gen, counted, g -> {
                                p.baseGen = g;
                                finishIfDone(p, generator, log, progress, tokens);
                            }));
                        }
                    }
                    batcher.generate(requests);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<JsonNode> all = SampleLog.read(dir);
        ObjectNode summary = RunSummary.of(all, settings.toJson(), seconds, todo.size(), tokens[0], warnings.all());
        Json.writeAtomically(summaryFile, summary);
        return summary;
    }

    /** One sample between its classification and the end of its generations. */
    private static final class Pending {
        final Sample sample;
        final Verdict verdict;
        final long started;
        int sign;
        SteeredGenerator.Prepared steered, base;
        Generation steeredGen, baseGen;

        Pending(Sample sample, Verdict verdict, long started) {
            this.sample = sample;
            this.verdict = verdict;
            this.started = started;
        }
    }

    /** Writes a sample's line once its steered (and baseline) generations have finished. */
    private void finishIfDone(Pending p, SteeredGenerator generator, SampleLog log, Progress progress, long[] tokens) {
        if (p.steeredGen == null || (settings.baseline() && p.baseGen == null)) return;
        p.steered.sequence().close(); // free the KV caches now, not whenever the GC gets to them
        if (p.base != null) p.base.sequence().close();
        var steered = new SteeredGenerator.Response(generator.responseText(p.steeredGen.ids()), p.steered.promptIds(), p.steeredGen, p.steered.steerFrom());
        var base = p.baseGen == null ? null
                : new SteeredGenerator.Response(generator.responseText(p.baseGen.ids()), p.base.promptIds(), p.baseGen, p.base.steerFrom());
        try {
            log.append(record(p.sample, p.verdict, p.sign, steered, base, (System.nanoTime() - p.started) / 1e9));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        long n = p.steeredGen.ids().length + (p.baseGen == null ? 0 : p.baseGen.ids().length);
        tokens[0] += n;
        progress.finished(n);
    }

    private ObjectNode record(Sample s, Verdict v, int sign, SteeredGenerator.Response steered, SteeredGenerator.Response base,
                              double seconds) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("id", s.id());
        o.put("dataset", s.dataset());
        o.put("row", s.row());
        o.put("label", s.label() == Label.UNSAFE ? "unsafe" : "safe");
        if (s.subtype() != null) o.put("subtype", s.subtype());
        else o.putNull("subtype");
        o.put("prompt", s.prompt());
        o.put("score", v.score());
        o.put("sigma", v.sigma());
        o.put("steer_sign", sign);
        if (!v.markerFound()) o.put("marker_found", false);
        o.put("response", steered.text());
        o.set("refusal", verdicts(steered.text()));
        if (base != null) {
            o.put("baseline_response", base.text());
            o.set("baseline_refusal", verdicts(base.text()));
            o.put("baseline_tokens", base.generation().ids().length);
        }
        o.put("prompt_tokens", steered.promptIds().length);
        o.put("response_tokens", steered.generation().ids().length);
        o.put("stop", Json.id(steered.generation().reason()));
        // null when the answer was not steered (σ = 0 or α = 0); −1 would read as "marker missing, every position steered".
        if (sign == 0 || settings.steering().alpha() == 0) o.putNull("steer_from");
        else o.put("steer_from", steered.steerFrom());
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        return o;
    }

    private ObjectNode verdicts(String response) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        for (RefusalJudge j : judges) o.put(j.name(), j.isRefusal(response));
        return o;
    }

    /** Whether the last {@link #run} found the run complete and wrote nothing. */
    public boolean leftUnchanged() {
        return leftUnchanged;
    }

    /** Keeps {@code w} among the summary's warnings without printing it (the caller has said it). */
    public void keepWarning(String w) {
        warnings.add(w);
    }

    private void warn(String w) {
        err.println("warning: " + w);
        warnings.add(w);
    }

    /** Creates a run folder's fixed files; refuses a folder that holds another run unless resuming. */
    public static void prepare(Path dir, RunSettings settings, boolean resume) throws IOException {
        Path runJson = dir.resolve(SETTINGS_FILE);
        if (resume) {
            requireSameSettings(dir, Json.readObject(runJson), settings.toJson());
            return;
        }
        Json.writeAtomically(runJson, settings.toJson());
    }

    /**
     * Refuses to resume the run or eval in {@code dir} when a setting of {@code now} differs from
     * what it was started with ({@code old}), naming every difference.
     */
    public static void requireSameSettings(Path dir, JsonNode old, JsonNode now) {
        if (!old.path("eval").equals(now.path("eval"))) {
            // Another kind of job: every field would differ, and the list would hide the reason.
            throw new IllegalArgumentException("--resume: " + dir + " holds " + kind(old) + ", not " + kind(now));
        }
        List<String> diffs = new ArrayList<>();
        now.fieldNames().forEachRemaining(k -> {
            // A folder written by an older version may lack a setting added since, or hold its
            // fixes in another order.
            if (k.equals("fixes") && now.get(k).isTextual() && old.path(k).isTextual()
                    && org.scans.method.Fix.canonical(old.get(k).asText()).equals(org.scans.method.Fix.canonical(now.get(k).asText()))) return;
            if (!old.has(k) && RunSettings.UNKNOWN_IN_OLDER_FOLDERS.contains(k)) return;
            // The same checkpoint through a link or another path is the same model. Older folders
            // recorded the path as typed: a relative one still names the folder from where it was typed.
            if (k.equals("model") && now.get(k).isTextual() && old.path(k).isTextual() && sameFolder(old.get(k).asText(), now.get(k).asText())) return;
            if (k.equals(RunSettings.INPUT_DIGESTS) && old.get(k).isObject()) {
                now.get(k).fieldNames().forEachRemaining(file -> {
                    if (old.get(k).has(file) && !old.get(k).get(file).equals(now.get(k).get(file))) {
                        diffs.add(file + " (its content changed since the folder was started)");
                    }
                });
                if (old.get(k).size() == now.get(k).size()) return;
            }
            if (!now.get(k).equals(old.get(k))) diffs.add(k + " (" + (old.has(k) ? "was " + shown(k, old.get(k)) : unrecorded(k)) + ", now " + shown(k, now.get(k)) + ")");
        });
        // A setting recorded only when given (a preset, an F16 KV cache) and not given now.
        old.fieldNames().forEachRemaining(k -> {
            if (!now.has(k)) diffs.add(k + " (was " + old.get(k) + ", now " + RunSettings.UNRECORDED_DEFAULTS.getOrDefault(k, "not set") + ")");
        });
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("--resume: " + dir + " was started with other settings: " + String.join("; ", diffs));
        }
    }

    /** A setting's value as the user gave it: a limit of 0 is "no limit", which "0" does not say. */
    private static String shown(String key, JsonNode value) {
        return key.equals("limit") && value.isInt() && value.asInt() == 0 ? "0 (all)" : value.toString();
    }

    private static boolean sameFolder(String a, String b) {
        try {
            return java.nio.file.Files.isSameFile(Path.of(a), Path.of(b));
        } catch (IOException | java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static String kind(JsonNode settings) {
        return settings.path("eval").isTextual() ? "an eval " + settings.get("eval").asText() : "a run";
    }

    /** What a setting missing from a folder's settings was: its default, where it is left out when default. */
    private static String unrecorded(String key) {
        String d = RunSettings.UNRECORDED_DEFAULTS.get(key);
        return d != null ? "was " + d : "not recorded";
    }

    /** Whether {@code dir} already holds a run. */
    public static boolean holdsRun(Path dir) {
        return Files.exists(dir.resolve(SETTINGS_FILE)) || Files.exists(dir.resolve(SampleLog.FILE));
    }
}
