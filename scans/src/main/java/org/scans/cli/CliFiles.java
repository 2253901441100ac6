package org.scans.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.scans.method.Layers;

/** Checks on output paths and layer options made before any work starts. */
final class CliFiles {
    private CliFiles() {}

    /**
     * Fails now if {@code target} could not be created later: its nearest existing ancestor must be
     * a writable directory, and an existing target must not be a directory where a file is wanted.
     */
    static void checkWritable(Path target, String option) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.isDirectory(abs)) throw new UserException(option + " " + target + ": is a directory");
        checkCreatable(abs.getParent(), option + " " + target);
    }

    /** Fails now if directory {@code dir} does not exist and cannot be created. */
    static void checkCreatable(Path dir, String what) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null || !Files.isDirectory(p)) throw new UserException(what + ": " + p + " is not a directory");
        if (!Files.isWritable(p)) throw new UserException(what + ": cannot write in " + p + " (permission denied)");
    }

    static int[] layers(String text, int numLayers, String option) {
        try {
            return Layers.parse(text, numLayers, option);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }
}
