package org.scans.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The tensors of a Hugging Face checkpoint directory: either one {@code model.safetensors}, or
 * shards listed by {@code model.safetensors.index.json}. Every file is mapped once into a shared
 * arena that lives as long as the checkpoint.
 */
public final class Checkpoint implements AutoCloseable {
    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";

    private final Arena arena;
    private final Path source;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorEntry> tensors;

    private Checkpoint(Arena arena, Path source, List<SafetensorsFile> files, Map<String, TensorEntry> tensors) {
        this.arena = arena;
        this.source = source;
        this.files = files;
        this.tensors = tensors;
    }

    /**
     * The file that says which tensors the checkpoint has: its {@code model.safetensors}, or the
     * index of its shards. Messages about a tensor that is missing or too many name it.
     */
    public Path source() {
        return source;
    }

    /**
     * What else the folder holds that a user may have downloaded instead: PyTorch pickles
     * (Llama-2-7b-chat-hf ships both kinds) or a GGUF, neither of which is read.
     */
    private static String otherFormats(Path dir) {
        try (var files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            if (names.stream().anyMatch(n -> n.endsWith(".bin") || n.endsWith(".pt") || n.endsWith(".pth"))) {
                return "; this folder holds PyTorch weights (*.bin), which are not read: fetch the model's *.safetensors files too";
            }
            if (names.stream().anyMatch(n -> n.endsWith(".gguf"))) return "; GGUF files are not read";
        } catch (java.io.IOException e) {
            // The message without the hint.
        }
        return "";
    }

    public static Checkpoint open(Path dir) {
        Arena arena = Arena.ofShared();
        try {
            // As transformers' from_pretrained looks: the single file first, then the index.
            Path single = dir.resolve(SINGLE_FILE);
            Path index = dir.resolve(INDEX_FILE);
            if (!Files.exists(single) && Files.exists(index)) return openSharded(dir, index, arena);
            if (!Files.exists(single)) {
                throw new ModelFormatException(dir + ": no " + SINGLE_FILE + " or " + INDEX_FILE
                        + " (a Hugging Face checkpoint in safetensors format is needed" + otherFormats(dir) + ")");
            }
            SafetensorsFile f = SafetensorsFile.open(single, arena);
            return new Checkpoint(arena, single, List.of(f), f.tensors());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Checkpoint openSharded(Path dir, Path index, Arena arena) {
        JsonNode root = ModelFiles.readJson(index);
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new ModelFormatException(index + ": no 'weight_map' object");
        if (map.isEmpty()) throw new ModelFormatException(index + ": 'weight_map' names no tensors");
        Map<String, SafetensorsFile> byName = new TreeMap<>();
        Map<String, TensorEntry> tensors = new LinkedHashMap<>();
        for (var it = map.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(index + ": weight_map gives tensor '" + e.getKey() + "' the shard " + e.getValue()
                        + ", not a file name");
            }
            String shardName = e.getValue().asText();
            if (shardName.contains("/") || shardName.contains("\\") || shardName.equals("..")) {
                throw new ModelFormatException(index + ": shard name '" + shardName + "' must be a file in " + dir);
            }
            SafetensorsFile shard = byName.get(shardName);
            if (shard == null) {
                Path p = dir.resolve(shardName);
                if (!Files.exists(p)) {
                    throw new ModelFormatException(index + ": shard '" + shardName + "' (for tensor '" + e.getKey() + "') does not exist");
                }
                shard = SafetensorsFile.open(p, arena);
                byName.put(shardName, shard);
            }
            TensorEntry t = shard.tensors().get(e.getKey());
            if (t == null) {
                // A RoPE table that older saves listed but did not store is not needed.
                if (isRopeTable(e.getKey())) continue;
                throw new ModelFormatException(index + ": tensor '" + e.getKey() + "' is mapped to " + shardName + ", which does not contain it");
            }
            tensors.put(e.getKey(), t);
        }
        // transformers loads every tensor of every shard the index names, so one stored in a shard
        // but absent from the index is read as well.
        for (SafetensorsFile f : byName.values()) {
            f.tensors().forEach(tensors::putIfAbsent);
        }
        refuseDuplicates(index, byName.values());
        return new Checkpoint(arena, index, List.copyOf(byName.values()), Collections.unmodifiableMap(tensors));
    }

    /**
     * A tensor stored in two shards is one of two different weights: transformers loads the shards
     * one after the other and keeps the copy it loads last, while the index names one of them. No
     * save writes both, so which one is meant cannot be known.
     */
    private static void refuseDuplicates(Path index, Iterable<SafetensorsFile> shards) {
        Map<String, SafetensorsFile> holder = new java.util.HashMap<>();
        for (SafetensorsFile shard : shards) {
            for (String name : shard.tensors().keySet()) {
                SafetensorsFile first = holder.putIfAbsent(name, shard);
                if (first != null) {
                    throw new ModelFormatException(index + ": tensor '" + name + "' is stored in two shards, "
                            + first.path().getFileName() + " and " + shard.path().getFileName() + " (which copy is meant is unclear)");
                }
            }
        }
    }

    /**
     * Whether {@code name} is a RoPE table older transformers saved ({@code rotary_emb.inv_freq},
     * {@code cos_cached}): the config determines it, so it is never needed.
     */
    public static boolean isRopeTable(String name) {
        return name.contains(".rotary_emb.");
    }

    public Optional<TensorEntry> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public Map<String, TensorEntry> tensors() {
        return tensors;
    }

    public List<SafetensorsFile> files() {
        return files;
    }

    /**
     * Reads one byte of every 4 KiB page of every tensor, so that the mapping holds all of them
     * (from the page cache, or read from disk); returns their sum, which is meaningless but keeps
     * the reads from being optimised away.
     */
    public long touchPages() {
        long sum = 0;
        for (TensorEntry t : tensors.values()) {
            java.lang.foreign.MemorySegment d = t.data();
            for (long o = 0; o < d.byteSize(); o += 4096) sum += d.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o);
        }
        return sum;
    }

    /** Total bytes of tensor data over all files. */
    public long dataBytes() {
        return tensors.values().stream().mapToLong(t -> t.data().byteSize()).sum();
    }

    @Override
    public void close() {
        arena.close();
    }

    /**
     * {@code dir} is a folder whose files can be listed and opened. Without read and execute
     * permission every file in it looks absent, and a message would say config.json is missing.
     */
    public static void requireDirectory(Path dir) {
        if (!Files.exists(dir)) throw new ModelFormatException(dir + ": model directory does not exist");
        if (!Files.isDirectory(dir)) throw new ModelFormatException(dir + ": not a directory (pass the checkpoint folder)");
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new ModelFormatException(dir + ": permission denied (the folder's files cannot be listed or opened)");
        }
    }

}
