package org.scans.engine.io;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.scans.engine.TestModels;

/** Copies of the bundled model with one thing broken, and a sharded rewrite of it. */
public final class CheckpointFixtures {
    private CheckpointFixtures() {}

    /** A tensor to write: dtype, shape and raw bytes. */
    public record Raw(String dtype, long[] shape, byte[] data) {}

    /** The bundled model's tensors as raw bytes, in file order. */
    public static Map<String, Raw> readAll(Path modelDir) {
        Map<String, Raw> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(modelDir)) {
            c.tensors().forEach((name, t) -> out.put(name, new Raw(t.dtypeName(), t.shape(), t.data().toArray(ValueLayout.JAVA_BYTE))));
        }
        return out;
    }

    /** Copies config.json and rewrites model.safetensors after {@code edit} changes the tensor map. */
    public static Path rewritten(Path tmp, Consumer<Map<String, Raw>> edit) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model"));
        Files.copy(TestModels.stories260K().resolve("config.json"), dir.resolve("config.json"));
        Map<String, Raw> tensors = readAll(TestModels.stories260K());
        edit.accept(tensors);
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach((name, r) -> w.addRaw(name, r.dtype(), r.data(), r.shape()));
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    /** A plain copy of the bundled model whose safetensors bytes can then be patched. */
    public static Path copy(Path tmp) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("copy"));
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(TestModels.stories260K().resolve(f), dir.resolve(f));
        }
        return dir;
    }

    /**
     * The bundled model split into {@code shards} files plus {@code model.safetensors.index.json},
     * the way save_pretrained splits (tensors in order, a new shard when the current one is full).
     */
    public static Path sharded(Path tmp, int shards) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("sharded"));
        Files.copy(TestModels.stories260K().resolve("config.json"), dir.resolve("config.json"));
        Map<String, Raw> tensors = readAll(TestModels.stories260K());
        long total = tensors.values().stream().mapToLong(r -> r.data().length).sum();
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": " + total + "}, \"weight_map\": {");
        SafetensorsWriter w = new SafetensorsWriter();
        int shard = 1;
        long before = 0;
        boolean first = true;
        for (var e : tensors.entrySet()) {
            // Tensors stay in order; shard i holds those starting in the i-th fraction of the bytes.
            int target = (int) Math.min(shards, 1 + before * shards / total);
            if (target != shard) {
                w.write(dir.resolve(shardName(shard, shards)));
                w = new SafetensorsWriter();
                shard = target;
            }
            w.addRaw(e.getKey(), e.getValue().dtype(), e.getValue().data(), e.getValue().shape());
            before += e.getValue().data().length;
            index.append(first ? "" : ", ").append('"').append(e.getKey()).append("\": \"").append(shardName(shard, shards)).append('"');
            first = false;
        }
        w.write(dir.resolve(shardName(shard, shards)));
        if (shard != shards) throw new IllegalStateException("made " + shard + " shards, wanted " + shards);
        index.append("}}");
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), index);
        return dir;
    }

    static String shardName(int i, int n) {
        return String.format("model-%05d-of-%05d.safetensors", i, n);
    }
}
