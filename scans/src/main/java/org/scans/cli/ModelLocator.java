package org.scans.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the model directory a user means. {@code --model} may be a path, or the name of a folder
 * under {@code models/} (in the working directory or next to the jar); without it, the bundled
 * stories260K model is used.
 */
final class ModelLocator {
    static final String DEFAULT_MODEL = "stories260K";

    /** A model folder's name for messages: the bundled model's unpacked copy is named as the option names it. */
    static String displayName(Path dir) {
        String name = dir.getFileName().toString();
        return name.equals(DEFAULT_MODEL + "-" + Main.version()) ? DEFAULT_MODEL : name;
    }

    private ModelLocator() {}

    static Path resolve(String model) {
        return resolve(model, roots());
    }

    /** {@link #resolve(String)} looking for {@code models/} under {@code roots}. */
    static Path resolve(String model, List<Path> roots) {
        if (model != null && model.isEmpty()) throw new UserException("--model: an empty path (an unset shell variable?)");
        String name = model == null ? DEFAULT_MODEL : model;
        Path direct = Path.of(name);
        if (Files.isDirectory(direct)) return openable(direct, name);
        for (Path root : roots) {
            Path p = root.resolve("models").resolve(name);
            if (Files.isDirectory(p)) return openable(p, name);
        }
        // Named or not, the bundled model is the jar's copy wherever the jar runs from: the
        // messages that suggest "--model stories260K" must not send a user outside the checkout astray.
        if (name.equals(DEFAULT_MODEL)) {
            Path unpacked = unpackBundled();
            if (unpacked != null) return unpacked;
            throw new UserException("the bundled model models/" + DEFAULT_MODEL + " was not found; pass --model DIR "
                    + "(a Hugging Face Llama checkpoint folder with config.json and *.safetensors)");
        }
        throw new UserException("--model " + model + ": " + (Files.exists(direct) ? "is a file, not a directory" : "no such directory")
                + " (give a checkpoint folder with config.json and *.safetensors, or the name of a folder under models/)");
    }

    /**
     * Without read and execute permission on the folder every file in it looks absent, and the
     * first message would say the tokenizer or config.json is missing.
     */
    private static Path openable(Path dir, String model) {
        if (!Files.isReadable(dir) || !Files.isExecutable(dir)) {
            throw new UserException("--model " + model + ": permission denied (the folder's files cannot be listed or opened)");
        }
        return dir;
    }

    static final String[] BUNDLED_FILES = {"config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json"};

    /**
     * The default model packed in the jar, unpacked once into the user's cache folder (weights are
     * memory-mapped, which needs a real file). Null when the jar does not carry it.
     */
    static Path unpackBundled() {
        String base = "/bundled-model/" + DEFAULT_MODEL + "/";
        if (ModelLocator.class.getResource(base + "config.json") == null) return null;
        Path cache = Path.of(System.getProperty("user.home"), ".cache", "scans-engine", DEFAULT_MODEL + "-" + Main.version());
        if (Files.isDirectory(cache) && matchesJar(cache, base)) return cache;
        try {
            // A copy damaged since it was unpacked (a truncated file, a disk error) would fail every
            // default-model command for good: it is set aside and unpacked again.
            if (Files.exists(cache)) {
                Path damaged = Files.createTempDirectory(cache.getParent(), "." + DEFAULT_MODEL + "-damaged");
                Files.delete(damaged);
                try {
                    Files.move(cache, damaged, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                    RunCommand.deleteTree(damaged);
                } catch (java.nio.file.NoSuchFileException e) {
                    // another process set it aside first
                }
            }
            Files.createDirectories(cache.getParent());
            Path tmp = Files.createTempDirectory(cache.getParent(), "." + DEFAULT_MODEL);
            for (String f : BUNDLED_FILES) {
                try (var in = ModelLocator.class.getResourceAsStream(base + f)) {
                    if (in == null) throw new UserException("the jar's bundled model lacks " + f);
                    Files.copy(in, tmp.resolve(f));
                }
            }
            try {
                Files.move(tmp, cache, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
                RunCommand.deleteTree(tmp); // another process unpacked it first
            }
            return cache;
        } catch (java.io.IOException e) {
            throw new UserException("cannot unpack the bundled model into " + cache + ": " + e.getMessage() + "; pass --model DIR");
        }
    }

    /** Whether every bundled file in {@code cache} has the jar's bytes (about 1 MB to compare: milliseconds). */
    static boolean matchesJar(Path cache, String base) {
        for (String f : BUNDLED_FILES) {
            Path file = cache.resolve(f);
            try (var in = ModelLocator.class.getResourceAsStream(base + f)) {
                if (in == null || !Files.isRegularFile(file)) return false;
                byte[] want = in.readAllBytes();
                if (Files.size(file) != want.length || !java.util.Arrays.equals(Files.readAllBytes(file), want)) return false;
            } catch (java.io.IOException e) {
                return false;
            }
        }
        return true;
    }

    /** The working directory, then the jar's folder and its parents (the jar sits in target/). */
    static List<Path> roots() {
        List<Path> roots = new ArrayList<>();
        roots.add(Path.of(""));
        try {
            Path jar = Path.of(ModelLocator.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path p = jar.getParent(); p != null && roots.size() < 4; p = p.getParent()) roots.add(p);
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            // No code source (unusual class loader): the working directory alone.
        }
        return roots;
    }
}
