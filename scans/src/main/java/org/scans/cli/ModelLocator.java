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

    private ModelLocator() {}

    static Path resolve(String model) {
        String name = model == null ? DEFAULT_MODEL : model;
        Path direct = Path.of(name);
        if (Files.isDirectory(direct)) return direct;
        for (Path root : roots()) {
            Path p = root.resolve("models").resolve(name);
            if (Files.isDirectory(p)) return p;
        }
        if (model == null) {
            throw new UserException("the bundled model models/" + DEFAULT_MODEL + " was not found; pass --model DIR "
                    + "(a Hugging Face Llama checkpoint folder with config.json and *.safetensors)");
        }
        throw new UserException("--model " + model + ": no such directory (give a checkpoint folder with config.json and "
                + "*.safetensors, or the name of a folder under models/)");
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
