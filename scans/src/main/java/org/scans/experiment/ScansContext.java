package org.scans.experiment;

import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.scans.data.AnchorSet;
import org.scans.data.Anchors;
import org.scans.data.Datasets;
import org.scans.engine.model.LlamaModel;
import org.scans.method.Family;
import org.scans.method.Fix;
import org.scans.method.ModelPreset;
import org.scans.method.ScansVectors;
import org.scans.method.VectorExtractor;
import org.scans.method.VectorsFile;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;

/**
 * Everything a SCANS command works with: the model, its tokenizer, the family's templates and
 * preset, the vectors, and the anchors they were made from (whose remainder is the default test
 * set).
 */
public record ScansContext(LlamaModel model, Tokenizer tokenizer, Family family, ChatTemplate template,
                           ModelPreset preset, ScansVectors vectors, AnchorSet anchors, Set<Fix> fixes) {

    public ScansContext {
        // An enum set keeps the fixes in one order (Set.copyOf's order changes from JVM to JVM).
        Set<Fix> copy = Fix.none();
        copy.addAll(fixes);
        fixes = java.util.Collections.unmodifiableSet(copy);
    }

    /** A context with the reference's behaviour (no fixes). */
    public ScansContext(LlamaModel model, Tokenizer tokenizer, Family family, ChatTemplate template, ModelPreset preset,
                        ScansVectors vectors, AnchorSet anchors) {
        this(model, tokenizer, family, template, preset, vectors, anchors, Fix.none());
    }

    /** The reference's behaviour: no fixes. */
    public static ScansContext open(LlamaModel model, Tokenizer tokenizer, Family family, Datasets data,
                                    VectorSource source, String engineVersion, Consumer<String> log) {
        return open(model, tokenizer, family, Fix.none(), data, source, engineVersion, log);
    }

    /**
     * Loads or extracts the vectors. Anchors are rebuilt from a vectors file's metadata (its seed,
     * or its anchor files when they still exist); {@code anchors} is null when neither is possible.
     */
    public static ScansContext open(LlamaModel model, Tokenizer tokenizer, Family family, Set<Fix> fixes, Datasets data,
                                    VectorSource source, String engineVersion, Consumer<String> log) {
        ChatTemplate template = family.template(fixes);
        ModelPreset preset = ModelPreset.forModel(family, model.config());
        ScansVectors vectors;
        AnchorSet anchors;
        switch (source) {
            case VectorSource.FromFile f -> {
                vectors = VectorsFile.readFor(f.file(), model.config());
                String vf = vectors.metadata().getOrDefault(ScansVectors.FIXES, Fix.describe(Fix.none()));
                // Only fixes that change the vectors matter here: a file extracted in an xsum session
                // with rouge-without-eos is the same file without it.
                boolean differs = Fix.parseDescribed(vf).map(r -> !Fix.ofVectors(r).equals(Fix.ofVectors(fixes))).orElse(true);
                if (differs) {
                    log.accept("note: " + f.file() + " was extracted with fixes " + vf + "; this session uses " + Fix.describe(fixes));
                }
                String vt = vectors.metadata().get(ScansVectors.TEMPLATE);
                if (vt != null && !vt.equals(template.name())) {
                    log.accept("note: " + f.file() + " was extracted with the " + vt + " template; this session uses " + template.name());
                }
                anchors = anchorsOf(vectors, data);
            }
            case VectorSource.Sampled s -> {
                anchors = Anchors.sample(data, s.seed());
                vectors = extract(model, tokenizer, template, fixes, anchors,
                        Map.of(ScansVectors.ANCHOR_SEED, String.valueOf(s.seed())), engineVersion, log);
            }
            case VectorSource.Files f -> {
                anchors = Anchors.fromFiles(f.harmful(), f.harmless());
                vectors = extract(model, tokenizer, template, fixes, anchors,
                        Map.of("anchor_files", f.harmful() + "," + f.harmless()), engineVersion, log);
            }
        }
        return new ScansContext(model, tokenizer, family, template, preset, vectors, anchors, fixes);
    }

    static ScansVectors extract(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, Set<Fix> fixes, AnchorSet anchors,
                                Map<String, String> extra, String engineVersion, Consumer<String> log) {
        log.accept("extracting refusal and transition vectors from " + anchors.description() + " ...");
        long t0 = System.nanoTime();
        Map<String, String> meta = new LinkedHashMap<>(extra);
        meta.put(ScansVectors.ANCHORS, anchors.description());
        meta.put(ScansVectors.HARMFUL_ANCHOR_IDS, join(anchors.harmfulRows()));
        meta.put(ScansVectors.HARMLESS_ANCHOR_IDS, join(anchors.harmlessRows()));
        meta.put(ScansVectors.ENGINE_VERSION, engineVersion);
        // Minutes on a 7B model: a line every 30 s says how far it is.
        VectorExtractor extractor = new VectorExtractor(model, tokenizer, template, fixes, log);
        Progress progress = Progress.lines(log, extractor.passes(anchors.harmfulPrompts(), anchors.harmlessPrompts()), "extract");
        ScansVectors v = extractor.extract(anchors.harmfulPrompts(), anchors.harmlessPrompts(), meta, progress::items);
        log.accept(String.format("extracted vectors for %d layers in %.1f s", v.layers(), (System.nanoTime() - t0) / 1e9));
        return v;
    }

    private static AnchorSet anchorsOf(ScansVectors v, Datasets data) {
        String seed = v.metadata().get(ScansVectors.ANCHOR_SEED);
        if (seed != null && data != null) return Anchors.sample(data, Long.parseLong(seed));
        String files = v.metadata().get("anchor_files");
        if (files != null) {
            String[] f = files.split(",", 2);
            if (f.length == 2 && Files.isRegularFile(java.nio.file.Path.of(f[0])) && Files.isRegularFile(java.nio.file.Path.of(f[1]))) {
                return Anchors.fromFiles(java.nio.file.Path.of(f[0]), java.nio.file.Path.of(f[1]));
            }
        }
        return null;
    }

    private static String join(List<Integer> ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.size(); i++) sb.append(i == 0 ? "" : ",").append(ids.get(i));
        return sb.toString();
    }
}
