package org.scans.experiment;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.scans.engine.tensor.DType;
import org.scans.method.ClassifierSettings;
import org.scans.method.Layers;
import org.scans.method.SteeringPlan;

/**
 * What a run does, fixed before it starts and stored in {@code run.json}, so that {@code --resume}
 * can refuse to continue a run with different settings.
 *
 * @param preset the named dataset preset in use, or null
 * @param limit at most this many samples (balanced between unsafe and safe), or 0 for all
 * @param kvCache what the KV caches held, F32 or F16 (see {@link #putKvCache})
 * @param quantization what the weights were quantized to at load, or null (see {@link #putModelNumerics})
 */
public record RunSettings(String model, String configHash, String dataset, String family, String template,
                          ClassifierSettings classifier, String preset, SteeringPlan steering, boolean baseline,
                          int limit, int maxNewTokens, String vectorsSha256, String fixes, DType kvCache,
                          DType quantization, java.util.Map<String, String> inputDigests) {

    public RunSettings {
        inputDigests = java.util.Map.copyOf(inputDigests);
    }

    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", model);
        o.put("config_hash", configHash);
        o.put("dataset", dataset);
        o.put("family", family);
        o.put("template", template);
        putClassifier(o, classifier);
        if (preset != null) o.put("preset", preset);
        o.put("steering_layers", Layers.format(steering.layers()));
        o.put("alpha", steering.alpha());
        o.put("baseline", baseline);
        o.put("limit", limit);
        o.put("max_new_tokens", maxNewTokens);
        o.put("vectors_sha256", vectorsSha256);
        o.put("fixes", fixes);
        putModelNumerics(o, kvCache, quantization);
        putInputDigests(o, inputDigests);
        o.put("generation", "greedy, repetition penalty 1.1, stop at EOS");
        return o;
    }

    /**
     * The model folder as a run's or an eval's settings record it: absolute. Recorded as typed, a
     * relative path named another folder, or none, from any other working directory, and a
     * resume from there with the same command was refused as a change of model.
     */
    public static String modelPath(java.nio.file.Path dir) {
        return dir.toAbsolutePath().toString();
    }

    /** The settings' key for the SHA-256 of the input files named by path: see {@link #inputDigests}. */
    public static final String INPUT_DIGESTS = "inputs_sha256";

    /**
     * SHA-256 of each of {@code names} that is a file (a custom test set, eval xsum's --data),
     * by name: a resume refuses a file whose content changed since, which would mix two sets'
     * items in one result. Names of bundled sets are not files and are left out.
     */
    public static java.util.Map<String, String> inputDigests(java.util.Collection<String> names) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (String name : names) {
            java.nio.file.Path p;
            try {
                p = java.nio.file.Path.of(name);
            } catch (java.nio.file.InvalidPathException e) {
                continue;
            }
            if (!java.nio.file.Files.isRegularFile(p)) continue;
            try (var in = java.nio.file.Files.newInputStream(p)) {
                var sha = java.security.MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
                out.put(name, java.util.HexFormat.of().formatHex(sha.digest()));
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(name + ": cannot read: " + e.getMessage(), e);
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Writes {@link #inputDigests} into a run's or an eval's settings (nothing when there are none). */
    public static ObjectNode putInputDigests(ObjectNode settings, java.util.Map<String, String> digests) {
        if (!digests.isEmpty()) {
            ObjectNode d = settings.putObject(INPUT_DIGESTS);
            digests.forEach(d::put);
        }
        return settings;
    }

    /**
     * The classifier as a run's or an eval's settings record it: Λ, T and the rule (a preset's
     * "safe if any layer below T" or "mean at least T"), each of which changes the verdicts.
     */
    public static void putClassifier(ObjectNode settings, ClassifierSettings classifier) {
        settings.put("classifier_layers", Layers.format(classifier.layers()));
        settings.put("threshold", classifier.threshold());
        settings.put("classifier_rule", classifier.rule().name().toLowerCase(java.util.Locale.ROOT));
    }

    /** Settings written only when not at their default, with the default's name, for messages. */
    public static final java.util.Map<String, String> UNRECORDED_DEFAULTS = java.util.Map.of("kv_cache", "\"f32\"");

    /**
     * Settings that folders written before them lack, and whose value such a folder does not tell:
     * {@code quantize} was not recorded by versions that already had {@code --quantize}, nor the
     * classifier's rule by the evals (a preset's "safe if any layer below T" against "mean at least
     * T"), nor the digests of input files, so a folder without one may hold either, and resumes
     * whatever is given now.
     */
    public static final java.util.Set<String> UNKNOWN_IN_OLDER_FOLDERS = java.util.Set.of("quantize", "classifier_rule", INPUT_DIGESTS);

    /**
     * Records an F16 KV cache in a run's or an eval's settings as {@code "kv_cache": "f16"}: it
     * changes the numbers. A float32 cache is not recorded, so folders from before the option
     * still resume (the option has recorded F16 since it came, so a folder without it is F32).
     */
    public static void putKvCache(ObjectNode settings, DType kvCache) {
        if (kvCache == DType.F16) settings.put("kv_cache", "f16");
    }

    /**
     * Records what changes a run's or an eval's numbers besides the weights themselves: an F16 KV
     * cache ({@link #putKvCache}) and the weights' quantization at load, {@code "quantize": "q8_0"}
     * or {@code "none"} (Q8_0 moves scores in the third decimal). Always written, so that a folder
     * without it is known to come from a version that did not record it.
     */
    public static void putModelNumerics(ObjectNode settings, DType kvCache, DType quantization) {
        putKvCache(settings, kvCache);
        settings.put("quantize", quantization == null ? "none" : quantization.name().toLowerCase(java.util.Locale.ROOT));
    }
}
