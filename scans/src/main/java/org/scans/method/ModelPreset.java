package org.scans.method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.scans.engine.model.LlamaConfig;

/**
 * SCANS's settings for a model: the classifier (Λ, T), the steering layers and α. The four
 * models of the paper have the reference's values (SCANS.md §5, §6) and its per-dataset presets;
 * any other model gets the same proportions scaled to its depth, and says so.
 *
 * @param name e.g. {@code llama2-7b}, or {@code llama2-scaled-5L} for other depths
 * @param datasetPresets per-dataset overrides of the classifier, applied only when named
 */
public record ModelPreset(String name, Family family, ClassifierSettings classifier, int[] steeringLayers, double alpha,
                          boolean scaled, Map<String, ClassifierSettings> datasetPresets) {

    public static ModelPreset forModel(Family family, LlamaConfig c) {
        String size = size(c);
        return switch (family.id + "-" + size) {
            case "llama2-7b" -> paper("llama2-7b", family, mean(10, 31, 0.75), Map.of(
                    "malicious", mean(10, 31, 0.70), "llmsafeguard", mean(10, 31, 0.70)));
            case "llama2-13b" -> paper("llama2-13b", family, mean(10, 18, 0.75), Map.of(
                    "malicious", mean(10, 18, 0.68), "llmsafeguard", mean(10, 18, 0.65)));
            case "vicuna-7b" -> paper("vicuna-7b", family, mean(10, 31, 0.75), ordered(
                    "llmsafeguard", mean(10, 31, 0.68), "malicious", mean(10, 31, 0.68), "oktest", mean(10, 31, 0.65),
                    "xstest", new ClassifierSettings(Layers.range(10, 31), 0.6, ClassifierSettings.Rule.SAFE_IF_ANY_BELOW)));
            case "vicuna-13b" -> paper("vicuna-13b", family, mean(10, 18, 0.70), ordered(
                    "llmsafeguard", mean(10, 18, 0.60), "malicious", mean(10, 18, 0.60), "oktest", mean(10, 18, 0.62),
                    "repe", mean(37, 38, 0.65), "default", mean(10, 19, 0.70), "xstest", mean(23, 32, 0.60)));
            default -> scaled(family, c.numLayers());
        };
    }

    /** The reference's layer choices (for 32 layers: Λ = 10…31, steering 10…19) scaled to L layers. */
    static ModelPreset scaled(Family family, int layers) {
        int lo = Math.min(layers - 1, (int) Math.round(layers * 10.0 / 32));
        int hi = Math.max(lo, Math.min(layers - 1, (int) Math.round(layers * 20.0 / 32) - 1));
        return new ModelPreset(family.id + "-scaled-" + layers + "L", family, mean(lo, layers - 1, 0.75),
                Layers.range(lo, hi), family.alpha, true, Map.of());
    }

    /** "7b" for 32 layers of width 4096, "13b" for 40 of 5120, else a description. */
    static String size(LlamaConfig c) {
        if (c.numLayers() == 32 && c.hiddenSize() == 4096) return "7b";
        if (c.numLayers() == 40 && c.hiddenSize() == 5120) return "13b";
        return c.numLayers() + "L";
    }

    private static ModelPreset paper(String name, Family f, ClassifierSettings c, Map<String, ClassifierSettings> presets) {
        return new ModelPreset(name, f, c, Layers.range(10, 19), f.alpha, false, presets);
    }

    private static ClassifierSettings mean(int from, int to, double t) {
        return new ClassifierSettings(Layers.range(from, to), t, ClassifierSettings.Rule.MEAN_AT_LEAST);
    }

    private static Map<String, ClassifierSettings> ordered(Object... kv) {
        Map<String, ClassifierSettings> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], (ClassifierSettings) kv[i + 1]);
        return m;
    }

    /** The classifier of a named dataset preset; an unknown name lists the known ones. */
    public ClassifierSettings preset(String dataset) {
        ClassifierSettings s = datasetPresets.get(dataset);
        if (s == null) {
            List<String> known = new ArrayList<>(datasetPresets.keySet());
            throw new IllegalArgumentException("--preset " + dataset + ": no such preset for " + name
                    + (known.isEmpty() ? " (it has none)" : " (known: " + String.join(", ", known) + ")"));
        }
        return s;
    }
}
