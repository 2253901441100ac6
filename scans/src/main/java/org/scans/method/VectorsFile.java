package org.scans.method;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import org.scans.engine.io.SafetensorsFile;
import org.scans.engine.io.SafetensorsWriter;
import org.scans.engine.io.TensorEntry;
import org.scans.engine.model.LlamaConfig;

/**
 * SCANS vectors on disk: a safetensors file with {@code refusal.N} and {@code transition.N}
 * (F32, one per layer N) and string metadata saying which model, template and anchors made them.
 */
public final class VectorsFile {
    static final String NORMS = "refusal_norms";
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VectorsFile() {}

    public static void write(ScansVectors v, Path file) throws IOException {
        try (var staged = stage(v, file)) {
            staged.commit();
        }
    }

    /** The file written beside {@code file}, not yet in place (see {@code AtomicFiles.stage}). */
    public static org.scans.engine.io.AtomicFiles.Staged stage(ScansVectors v, Path file) throws IOException {
        // read() refuses such a file; refused here, it is never written (and --resume never meets it).
        for (int l = 0; l < v.layers(); l++) {
            for (float[] x : new float[][] {v.refusal(l), v.transition(l)}) {
                for (float f : x) {
                    if (!Float.isFinite(f)) {
                        throw new org.scans.engine.EngineException("the vectors of layer " + l + " hold " + f
                                + ": the model's hidden states are not finite (NaN or infinite weights in the checkpoint?); " + file + " not written");
                    }
                }
            }
        }
        SafetensorsWriter w = new SafetensorsWriter();
        Map<String, String> meta = new LinkedHashMap<>(v.metadata());
        StringJoiner norms = new StringJoiner(",");
        for (float n : v.refusalNorms()) norms.add(Float.toString(n));
        meta.put(NORMS, norms.toString());
        meta.forEach(w::metadata);
        for (int l = 0; l < v.layers(); l++) w.addF32("refusal." + l, v.refusal(l), v.dim());
        for (int l = 0; l < v.layers(); l++) w.addF32("transition." + l, v.transition(l), v.dim());
        return w.stage(file);
    }

    /** Reads and checks a vectors file on its own. */
    public static ScansVectors read(Path file) {
        try (Arena arena = Arena.ofConfined()) {
            SafetensorsFile f = SafetensorsFile.open(file, arena);
            Map<String, String> meta = f.metadata();
            if (!ScansVectors.FORMAT_VALUE.equals(meta.get(ScansVectors.FORMAT))) {
                throw new IllegalArgumentException(file + ": not a SCANS vectors file (metadata format is "
                        + meta.getOrDefault(ScansVectors.FORMAT, "missing") + ", expected " + ScansVectors.FORMAT_VALUE + ")");
            }
            int layers = intMeta(file, meta, ScansVectors.LAYERS);
            int dim = intMeta(file, meta, ScansVectors.HIDDEN_SIZE);
            // Two tensors a layer: a count past that is a damaged header, not a reason to allocate.
            if (layers < 1 || layers > f.tensors().size() / 2) {
                throw new IllegalArgumentException(file + ": metadata '" + ScansVectors.LAYERS + "' is " + layers
                        + ", but the file holds " + f.tensors().size() + " tensors (two a layer)");
            }
            float[][] refusal = new float[layers][], transition = new float[layers][];
            for (int l = 0; l < layers; l++) {
                refusal[l] = vector(file, f, "refusal." + l, dim);
                transition[l] = vector(file, f, "transition." + l, dim);
            }
            float[] norms = new float[layers];
            String[] parts = meta.getOrDefault(NORMS, "").split(",");
            if (parts.length == layers) {
                for (int l = 0; l < layers; l++) {
                    norms[l] = Float.parseFloat(parts[l]);
                    if (!Float.isFinite(norms[l])) throw new IllegalArgumentException(file + ": refusal_norms holds " + parts[l] + " for layer " + l);
                }
            }
            Map<String, String> rest = new LinkedHashMap<>(meta);
            rest.remove(NORMS);
            return new ScansVectors(refusal, norms, transition, rest);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": malformed refusal_norms metadata");
        }
    }

    /** Reads a vectors file and checks that it was made from a model of this architecture. */
    public static ScansVectors readFor(Path file, LlamaConfig config) {
        ScansVectors v = read(file);
        if (v.dim() != config.hiddenSize() || v.layers() != config.numLayers()) {
            throw new IllegalArgumentException(file + ": vectors are for " + v.layers() + " layers × " + v.dim()
                    + " but the model has " + config.numLayers() + " × " + config.hiddenSize() + " (a different model)");
        }
        String hash = v.metadata().get(ScansVectors.CONFIG_HASH);
        if (!config.hash().equals(hash)) {
            throw new IllegalArgumentException(file + ": vectors were extracted from a model with config hash " + hash
                    + ", this model's is " + config.hash() + " (a different model)");
        }
        return v;
    }

    private static int intMeta(Path file, Map<String, String> meta, String key) {
        try {
            return Integer.parseInt(meta.get(key));
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(file + ": metadata '" + key + "' missing or not a number");
        }
    }

    private static float[] vector(Path file, SafetensorsFile f, String name, int dim) {
        TensorEntry t = f.tensors().get(name);
        if (t == null) throw new IllegalArgumentException(file + ": tensor '" + name + "' is missing");
        if (!t.dtypeName().equals("F32") || t.shape().length != 1 || t.shape()[0] != dim) {
            throw new IllegalArgumentException(file + ": tensor '" + name + "' must be F32 [" + dim + "], is " + t.dtypeName() + " " + t.shapeString());
        }
        float[] out = new float[dim];
        for (int i = 0; i < dim; i++) {
            out[i] = t.data().get(FLOAT, 4L * i);
            // A NaN would turn every classifier score into 0 and every judgement into "safe", silently.
            if (!Float.isFinite(out[i])) throw new IllegalArgumentException(file + ": tensor '" + name + "' holds " + out[i] + " at index " + i);
        }
        return out;
    }
}
