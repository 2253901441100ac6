package org.scans.data;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the {@code datasets/} folder. In order:
 * <ol>
 *   <li>the system property {@value #PROPERTY} ({@code -Dscans.datasets=/data/scans});</li>
 *   <li>the environment variable {@value #ENV};</li>
 *   <li>a {@code datasets/} folder beside the running jar, or one to three folders above it
 *       (so {@code target/scans-engine.jar} finds the repository's {@code datasets/});</li>
 *   <li>{@code datasets/} in the working directory;</li>
 *   <li>the copy bundled inside the jar, so a jar copied anywhere still runs every experiment.</li>
 * </ol>
 * A property or variable that is set must name an existing folder; it is an error, not a
 * fallback, when it does not, so a typo never silently reads other data. A folder found by the
 * search (beside or above the jar, or in the working directory) counts only when it holds
 * {@value #MARKER}, as the project's copy does: an unrelated {@code datasets/} folder (a user's
 * own, empty or half-copied) is passed over instead of hiding the data every command needs.
 */
public final class DatasetRoot {

    /** System property that overrides the data location. */
    public static final String PROPERTY = "scans.datasets";
    /** Environment variable that overrides the data location (after the property). */
    public static final String ENV = "SCANS_DATASETS";

    /** The file that marks a found folder as a copy of the project's data. */
    public static final String MARKER = "PROVENANCE.md";

    private DatasetRoot() {
    }

    /** The data folder, found as described in the class comment. */
    public static Path locate() {
        return locate(System.getProperty(PROPERTY), System.getenv(ENV), codeLocation(), Path.of(""), DatasetRoot::bundled);
    }

    /**
     * A data file's path for messages. A file of the copy packed in the jar lives in a zip file
     * system, where its path ({@code /datasets/xsum/dev.csv}) reads like a real one that does not
     * exist: it is named as the jar's entry instead.
     */
    public static String display(Path file) {
        if (file.getFileSystem() == java.nio.file.FileSystems.getDefault()) return file.toString();
        return file.toString().replaceFirst("^/", "") + " (in the jar)";
    }

    /** The datasets packed into the jar (read through a zip file system), or null when absent. */
    static Path bundled() {
        java.net.URL marker = DatasetRoot.class.getResource("/datasets/PROVENANCE.md");
        if (marker == null) return null;
        try {
            java.net.URI uri = marker.toURI();
            if (uri.getScheme().equals("jar")) {
                java.nio.file.FileSystem fs;
                try {
                    fs = java.nio.file.FileSystems.newFileSystem(uri, java.util.Map.of());
                } catch (java.nio.file.FileSystemAlreadyExistsException e) {
                    fs = java.nio.file.FileSystems.getFileSystem(uri);
                }
                return fs.getPath("/datasets");
            }
            return Path.of(uri).getParent();
        } catch (URISyntaxException | java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** The search on disk only, with every input explicit (tests use this). */
    static Path locate(String property, String env, Path codeLocation, Path workingDirectory) {
        return locate(property, env, codeLocation, workingDirectory, () -> null);
    }

    /** The search itself; {@code bundled} gives the packed copy (or null) when no folder is found. */
    static Path locate(String property, String env, Path codeLocation, Path workingDirectory, java.util.function.Supplier<Path> bundled) {
        if (property != null && !property.isBlank()) {
            return requireFolder(Path.of(property), "system property " + PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return requireFolder(Path.of(env), "environment variable " + ENV);
        }
        List<Path> tried = new ArrayList<>();
        if (codeLocation != null) {
            Path dir = Files.isRegularFile(codeLocation) ? codeLocation.toAbsolutePath().getParent() : codeLocation.toAbsolutePath();
            for (int up = 0; up <= 3 && dir != null; up++, dir = dir.getParent()) {
                Path candidate = dir.resolve("datasets");
                tried.add(candidate);
                if (Files.isRegularFile(candidate.resolve(MARKER))) {
                    return candidate;
                }
            }
        }
        Path local = workingDirectory.toAbsolutePath().resolve("datasets");
        tried.add(local);
        if (Files.isRegularFile(local.resolve(MARKER))) {
            return local;
        }
        Path packed = bundled.get();
        if (packed != null) {
            return packed;
        }
        throw new DatasetException("cannot find the datasets folder (one holding " + MARKER + "); looked in " + tried
                + "; set -D" + PROPERTY + "=DIR or " + ENV + "=DIR");
    }

    private static Path requireFolder(Path path, String origin) {
        if (!Files.isDirectory(path)) {
            throw new DatasetException(origin + " names " + path + ", which is not a folder");
        }
        return path;
    }

    /** The jar (or classes folder) this class was loaded from, or null where unknown. */
    private static Path codeLocation() {
        CodeSource source = DatasetRoot.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
