package org.scans;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.scans.cli.Main;

/** Fixtures and helpers shared by the scans module's tests. */
public final class TestSupport {
    private TestSupport() {}

    /** The bundled model, relative to the module folder (surefire's working directory). */
    public static Path model() {
        return Path.of("..", "models", "stories260K");
    }

    public static Path resource(String name) {
        try {
            return Path.of(TestSupport.class.getClassLoader().getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource " + name + " missing", e);
        }
    }

    /**
     * Skips the calling test when {@code tool} is not installed, unless CI demands every external
     * tool ({@code SCANS_REQUIRE_EXTERNAL_TOOLS} set): then a missing tool fails the test.
     */
    public static void requireTool(boolean available, String tool) {
        if (System.getenv("SCANS_REQUIRE_EXTERNAL_TOOLS") != null) {
            if (!available) throw new AssertionError(tool + " is required (SCANS_REQUIRE_EXTERNAL_TOOLS is set) but missing");
        } else {
            assumeTrue(available, tool + " not installed; skipping");
        }
    }

    /** Whether /usr/bin/python3 can import the given modules. */
    public static boolean python(String... modules) {
        if (!Files.isExecutable(Path.of("/usr/bin/python3"))) return false;
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import " + String.join(", ", modules))
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The outcome of one in-process CLI invocation. */
    public record Cli(int exit, String out, String err) {}

    public static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8), e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream oldErr = System.err;
        System.setErr(e);
        try {
            int code = Main.run(args, o, e);
            return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(oldErr);
        }
    }

    /** {@code args} followed by {@code more}, as one command line. */
    public static String[] args(java.util.List<String> args, String... more) {
        java.util.List<String> all = new java.util.ArrayList<>(args);
        all.addAll(java.util.List.of(more));
        return all.toArray(String[]::new);
    }

    /**
     * Makes {@code to} the output folder of a job that was stopped after {@code lines} items:
     * {@code from}'s files, its sample log cut to its first {@code lines} lines, and without the
     * file {@code finished} that only a completed job writes.
     */
    public static void stoppedCopy(Path from, Path to, int lines, String finished) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (name.equals(org.scans.experiment.SampleLog.FILE)) Files.write(to.resolve(name), Files.readAllLines(f).subList(0, lines));
                else if (!name.equals(finished)) Files.copy(f, to.resolve(name));
            }
        }
    }
}
