package org.scans.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.scans.engine.bench.BenchConfig;
import org.scans.engine.bench.BenchReport;
import org.scans.engine.bench.EngineBench;
import org.scans.engine.bench.PhaseResult;
import org.scans.engine.io.MappedPages;
import org.scans.engine.model.LlamaModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The performance yardstick: pp, tg and batched tg measured as llama-bench measures them, so the
 * figures compare with {@code tools/llamacpp.mjs bench} on the same weights. The measuring is
 * {@link EngineBench}'s; this class parses options and prints.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Main.Version.class, description = {
    "Measure prompt processing and token generation as llama-bench does.",
    "pp: one forward of P random tokens, BOS first, into an empty cache; tg: G single-token steps from an empty cache "
            + "(with --batch B also B sequences at once); one warm-up, then --reps timed runs; mean ± sd tok/s, tg weight GB/s, pp GFLOP/s.",
    "Progress goes to stderr."})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt-tokens", paramLabel = "P", defaultValue = "512", description = "pp size (0 = skip). Default: ${DEFAULT-VALUE}.")
    int promptTokens;

    /** Below this many weight bytes a decode step reads them largely from the CPU's caches (L3 is 8–32 MB a chip). */
    static final long CACHE_RESIDENT_BYTES = 16L << 20;

    @Option(names = "--gen", paramLabel = "G", defaultValue = "128", description = "tg steps (0 = skip). Default: ${DEFAULT-VALUE}.")
    int gen;

    @Option(names = "--reps", paramLabel = "N", defaultValue = "3", description = "Timed runs per phase. Default: ${DEFAULT-VALUE}.")
    int reps;

    @Option(names = "--batch", paramLabel = "B", description = "Also measure B sequences decoding together (aggregate tok/s).")
    Integer batch;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (promptTokens < 0) throw new UserException("--prompt-tokens must be >= 0, got " + promptTokens);
        if (gen < 0) throw new UserException("--gen must be >= 0, got " + gen);
        if (reps < 1) throw new UserException("--reps must be >= 1, got " + reps);
        if (batch != null && batch < 1) throw new UserException("--batch must be >= 1, got " + batch);
        if (promptTokens == 0 && gen == 0) throw new UserException("--prompt-tokens 0 and --gen 0: nothing to measure");
        BenchConfig config = new BenchConfig(promptTokens, gen, reps, batch == null ? 0 : batch, BenchConfig.defaults().seed());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        BenchReport r;
        try (LlamaModel model = modelOptions.load()) {
            int max = model.config().maxPositions();
            if (promptTokens > max || gen > max) {
                throw new UserException("--prompt-tokens " + promptTokens + " / --gen " + gen
                        + " do not fit the model's context of " + max + " positions");
            }
            r = new EngineBench(model, config).run(line -> {
                err.println(line);
                err.flush();
            });
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("pp_tok_s", mean(r.pp()));
            o.put("tg_tok_s", mean(r.tg()));
            o.put("tg_batch_tok_s", mean(r.tgBatch()));
            o.put("threads", r.threads());
            o.put("model", r.model());
            o.put("pp_tok_s_sd", sd(r.pp()));
            o.put("tg_tok_s_sd", sd(r.tg()));
            o.put("tg_batch_tok_s_sd", sd(r.tgBatch()));
            o.put("tg_weight_gb_s", r.tg() == null ? null : round(r.tgGigabytesPerSecond()));
            o.put("pp_gflop_s", r.pp() == null ? null : round(r.ppGigaflopsPerSecond()));
            o.put("read_gb_s", r.read() == null ? null : round(r.readGigabytesPerSecond()));
            o.put("mapped_resident_bytes", r.pages() == null ? null : r.pages().residentBytes());
            o.put("mapped_huge_page_bytes", r.pages() == null ? null : r.pages().hugeBytes());
            o.put("quantized_resident_bytes", r.quantizedPages() == null ? null : r.quantizedPages().residentBytes());
            o.put("quantized_huge_page_bytes", r.quantizedPages() == null ? null : r.quantizedPages().hugeBytes());
            o.put("prompt_tokens", promptTokens);
            o.put("gen", gen);
            o.put("batch", batch);
            o.put("reps", reps);
            o.put("dtype", r.dtype());
            o.put("kv_cache", modelOptions.kvCache.name());
            out.println(Json.write(o));
        } else {
            out.printf("model     %s (%s, %s GB of weights read per decode step)%n", r.model(), r.dtype(), figure(r.weightBytesPerToken() / 1e9, 2));
            out.printf("backend   %s%s%n", r.backend(), modelOptions.kvCache == ModelOptions.KvCacheType.f16 ? ", F16 KV caches" : "");
            if (r.pp() != null) {
                out.printf("%-9s %9.2f ± %-7.2f tok/s  %8s GFLOP/s%n", r.pp().name(), r.pp().mean(), r.pp().sd(), figure(r.ppGigaflopsPerSecond(), 1));
            }
            if (r.tg() != null) {
                out.printf("%-9s %9.2f ± %-7.2f tok/s  %8.2f GB/s of weights%n", r.tg().name(), r.tg().mean(), r.tg().sd(), r.tgGigabytesPerSecond());
            }
            if (r.read() != null) {
                // A model of a few MB is read from cache and its decode is bound by the per-token work,
                // so a ratio to the read says nothing (stories260K's came out at 5651%).
                String ratio = r.weightBytesPerToken() < CACHE_RESIDENT_BYTES ? "a model this small is read from the CPU's caches: no ratio"
                        : String.format(java.util.Locale.ROOT, "tg reaches %.0f%% of it", 100 * r.tgGigabytesPerSecond() / r.readGigabytesPerSecond());
                out.printf("%-9s %9.2f GB/s plain read of the same weights, same threads (%s)%n", "read", r.readGigabytesPerSecond(), ratio);
            }
            String label = "pages";
            if (r.pages() != null && r.pages().residentBytes() > 0) {
                MappedPages p = r.pages();
                out.printf("%-9s %s of the mapped model files in 2 MiB pages%s%n", label, PagesCommand.ofResident(p, 9),
                        r.quantizedPages() == null && PagesCommand.mostlySmallPages(p) ? SMALL_PAGES : "");
                label = "";
            }
            if (r.quantizedPages() != null && r.quantizedPages().residentBytes() > 0) {
                out.printf("%-9s %s of the %s copy in 2 MiB pages%n", label, PagesCommand.ofResident(r.quantizedPages(), 9), r.dtype());
            }
            if (r.tgBatch() != null) {
                out.printf("%-9s %9.2f ± %-7.2f tok/s  (%d sequences, aggregate; %.2f× tg)%n", r.tgBatch().name(), r.tgBatch().mean(),
                        r.tgBatch().sd(), batch, r.tgBatch().mean() / r.tg().mean());
            }
        }
        out.flush();
        return 0;
    }

    /**
     * Said when most of the weights are mapped in 4 KiB pages: the page cache holds a file in small
     * folios after it was written (or copied) in, in 2 MiB ones after a sequential read from disk.
     * Not said when a quantized copy is what the decode reads.
     */
    private static final String SMALL_PAGES = " (small pages: a file just written or copied in is cached so,"
            + " and reads slower; `pages --refill` drops it from the page cache and reads it back in 2 MiB pages)";

    private static Double mean(PhaseResult p) {
        return p == null ? null : round(p.mean());
    }

    private static Double sd(PhaseResult p) {
        return p == null ? null : round(p.sd());
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /**
     * {@code v} with {@code decimals} decimals, or with three significant digits where those would
     * show a small model's figure as zero (stories260K reads 0.001 GB a step).
     */
    static String figure(double v, int decimals) {
        if (v != 0 && Math.abs(v) < Math.pow(10, -decimals)) return new java.math.BigDecimal(v).round(new java.math.MathContext(3)).toPlainString();
        return String.format(java.util.Locale.ROOT, "%." + decimals + "f", v);
    }
}
