package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama.cpp control vector file for several layers, read back by {@link GgufFile} (the llama.cpp test loads a one-layer file; offsets and
 * alignment of more were unchecked, as mutation testing showed).
 */
class ControlVectorFileTest {
    @TempDir
    Path tmp;

    static final int DIM = 5;

    static ScansVectors vectors(int layers) {
        float[][] v = new float[layers][DIM], t = new float[layers][DIM];
        for (int l = 0; l < layers; l++) for (int i = 0; i < DIM; i++) v[l][i] = (l + 1) * 0.1f + i * 0.01f;
        return new ScansVectors(v, new float[layers], t, Map.of());
    }

    @Test
    void everyLayerSitsAtItsOwnAlignedOffsetScaledByAlphaAndSign() throws Exception {
        ScansVectors v = vectors(6);
        Path f = tmp.resolve("cv.gguf");
        int[] layers = {1, 2, 3, 5};
        ControlVectorExport.write(v, layers, 2.5, -1, f);
        GgufFile g = GgufFile.read(Files.readAllBytes(f));
        assertEquals("controlvector", g.kv().get("general.architecture"));
        assertEquals(6, ((Number) g.kv().get("controlvector.layer_count")).intValue());
        assertEquals(layers.length, g.tensors().size());
        assertEquals(layers.length, g.offsets().values().stream().distinct().count(), "no two directions share bytes");
        for (int l : layers) {
            float[] d = g.tensors().get("direction." + l);
            for (int i = 0; i < DIM; i++) assertEquals((float) (v.refusal(l)[i] * 2.5 * -1), d[i], 0f, "direction." + l + "[" + i + "]");
        }
    }

    @Test
    void layerZeroIsRefusedAndNothingIsWritten() {
        Path f = tmp.resolve("zero.gguf");
        assertThrows(IllegalArgumentException.class, () -> ControlVectorExport.write(vectors(3), new int[] {0, 1}, 1, 1, f));
        assertFalse(Files.exists(f));
    }

    /** Writes one tensor of a vectors file as given, the others and the metadata as they were. */
    interface TensorEdit {
        void write(org.scans.engine.io.SafetensorsWriter w, String name, byte[] data, long[] shape);
    }

    /** {@code from} copied to {@code to} with each tensor written by {@code edit}. */
    static Path copyEditing(Path from, Path to, TensorEdit edit) throws java.io.IOException {
        var w = new org.scans.engine.io.SafetensorsWriter();
        try (var arena = java.lang.foreign.Arena.ofConfined()) {
            var in = org.scans.engine.io.SafetensorsFile.open(from, arena);
            in.metadata().forEach(w::metadata);
            in.tensors().forEach((name, t) -> edit.write(w, name, t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), t.shape()));
        }
        w.write(to);
        return to;
    }

    @Test
    void aVectorsFileWithAnotherDtypeOrShapeIsRefusedNamingTheTensor() throws Exception {
        Path good = org.scans.eval.EvalFixture.vectors(); // real extracted vectors, with their metadata
        int dim = VectorsFile.read(good).dim();
        for (String bad : new String[] {"F16", "F32 [1, dim]"}) {
            Path f = copyEditing(good, tmp.resolve("bad-" + bad.hashCode() + ".safetensors"), (w, name, data, shape) -> {
                if (!name.equals("refusal.1")) w.addRaw(name, "F32", data, shape);
                else if (bad.equals("F16")) w.addRaw(name, "F16", java.util.Arrays.copyOf(data, 2 * dim), dim);
                else w.addRaw(name, "F32", data, 1, dim);
            });
            var e = assertThrows(IllegalArgumentException.class, () -> VectorsFile.read(f));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("tensor 'refusal.1' must be F32 [" + dim + "]"), e.getMessage());
        }
    }

    /** A NaN in a vector would make every classifier score 0 and every judgement "safe", with exit 0. */
    @Test
    void aVectorsFileHoldingNaNOrInfinityIsRefusedNamingTheTensor() throws Exception {
        Path good = org.scans.eval.EvalFixture.vectors();
        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
            Path f = copyEditing(good, tmp.resolve("nonfinite-" + bad + ".safetensors"), (w, name, data, shape) -> {
                if (name.equals("transition.2")) java.nio.ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(4 * 3, bad);
                w.addRaw(name, "F32", data, shape);
            });
            var e = assertThrows(IllegalArgumentException.class, () -> VectorsFile.read(f));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("tensor 'transition.2' holds " + bad + " at index 3"), e.getMessage());
        }
    }
}
