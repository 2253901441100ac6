package org.scans.engine.util;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.management.ObjectName;

/**
 * Compiler directives that the engine adds to its own JVM, the way {@code jcmd <pid>
 * Compiler.directives_add} does, through the JVM's diagnostic-command MBean.
 *
 * <p>Why: the batched-decoding microkernels ({@code tile8x16} of BF16Kernels and F16Kernels,
 * {@code pairTile4x16} and {@code pairTile8x16} of Q8Kernels, the {@code tile4x16} of
 * BF16Kernels, F16Kernels and Q8Kernels, and the like) and the Q8_0 decode kernels for 256-bit and 128-bit vectors ({@code Q8Kernels.group4}, {@code group4Widened},
 * {@code group8}) are too large for C1's
 * profiling tier (level 3 gives up with "out of virtual registers in linear scan"), though not for
 * its limited-profile tier (level 2). When the method gets hot while C2's queue is long, as during
 * the load-time warm-up, the tiered policy compiles it at level 2; level 2 gathers no profile, level
 * 3 cannot be reached, so C2 is never asked, and the kernel stays in C1 code, where every vector
 * operation allocates: 64 steps of 16 sequences on the 1.1B model, 10 s when compiled, had not
 * finished after 10 minutes (2 of 10 runs, bench/README.md "JIT"). Keeping C1 off that method
 * leaves the path the JVM takes in the good runs: profiled in the interpreter, then compiled by C2.
 *
 * <p>The directives go in from a background thread started with the first {@link
 * org.scans.engine.backend.CpuBackend} (the MBean server costs about 0.3 s to start); the warm-up
 * and the first batched product wait for them. Where the JVM has no such MBean the engine runs
 * without them.
 *
 * <p>A runtime without the MBean's command (a jlink image that leaves out {@code jdk.jfr}: the MBean
 * then lists none of the compiler commands; or one without {@code jdk.management}) cannot take
 * them, and the engine says so once on standard error, since its batched decoding may then stall.
 *
 * <p>The command reads the directives from a file, written to the temporary folder and deleted
 * once the JVM has read it. A JVM killed in those milliseconds leaves its file behind, so each
 * install also deletes such leftovers of the same user that are over an hour old.
 */
public final class JitDirectives {
    /** The kernels C1 must leave alone (see above). */
    static final List<String> C1_EXCLUDED = List.of(
            "org/scans/engine/kernel/BF16Kernels.tile8x16", "org/scans/engine/kernel/F16Kernels.tile8x16",
            "org/scans/engine/kernel/F16Kernels.tile4x32", "org/scans/engine/kernel/BF16Kernels.tile4x32",
            "org/scans/engine/kernel/Q8Kernels.pairTile4x16", "org/scans/engine/kernel/Q8Kernels.pairTile8x16",
            "org/scans/engine/kernel/Q8Kernels.group4", "org/scans/engine/kernel/Q8Kernels.group4Widened",
            "org/scans/engine/kernel/Q8Kernels.group8", "org/scans/engine/kernel/BF16Kernels.tile4x16",
            "org/scans/engine/kernel/F16Kernels.tile4x16", "org/scans/engine/kernel/Q8Kernels.tile4x16");

    /**
     * Small helpers that take or return vectors, inlined into every caller C2 compiles whatever its
     * heuristics say. A vector passed to a call C2 does not inline is boxed, and the callee runs
     * the Vector API's Java fallback, hundreds of times slower. The heuristics can refuse: once a
     * compile passes NodeCountInliningCutoff, when the helper already has a large compiled body of
     * its own ("already compiled into a big method"), or when the call site looked cold. The first
     * happened: on the 1.1B F16 checkpoint, C2's compile of {@code F16Kernels.matvec} (the exact
     * kernel, which a matrix's first and last rows take) stopped at NodeCountInliningCutoff after
     * two of its six widenings and called {@code even} and {@code odd} boxed, 100 of the 7,052
     * samples of a {@code bench --batch 16} run, most in the first decode, which ran at 9.9 tok/s
     * against 20 in the timed ones (bench/README.md, round 37). That kernel now has two
     * widenings; the directive keeps such refusals from coming back in it or elsewhere.
     */
    static final List<String> FORCE_INLINED = List.of(
            "org/scans/engine/kernel/BF16Kernels.even", "org/scans/engine/kernel/BF16Kernels.odd",
            "org/scans/engine/kernel/F16Kernels.even", "org/scans/engine/kernel/F16Kernels.odd",
            "org/scans/engine/kernel/F16Kernels.widen", "org/scans/engine/kernel/Exp.exp", "org/scans/engine/kernel/Exp.k",
            "org/scans/engine/kernel/VectorOps.halves");

    /**
     * In the JVM's compiler-directives format (see {@code jcmd <pid> help Compiler.directives_add}).
     * A compile takes the first directive whose match fits it, so both carry the inlining, for C2
     * only: C1 code runs the Vector API's fallbacks whatever it inlines, and inlining more there
     * only lengthened the load-time warm-up's C1 phase.
     */
    static final String DIRECTIVES = "[ { match: " + quoted(C1_EXCLUDED, "") + ", c1: { Exclude: true }, c2: { inline: " + quoted(FORCE_INLINED, "+") + " } },\n"
            + "  { match: \"org/scans/*.*\", c2: { inline: " + quoted(FORCE_INLINED, "+") + " } } ]\n";

    private static String quoted(List<String> methods, String prefix) {
        return methods.stream().map(m -> "\"" + prefix + m + "\"").collect(Collectors.joining(", ", "[ ", " ]"));
    }

    static final String FILE_PREFIX = "scans-jit-directives";
    /** Far longer than an install takes (under a second), so no running JVM's file is swept. */
    static final Duration STALE_AFTER = Duration.ofHours(1);

    private static final Thread INSTALLER;
    private static volatile boolean installed;
    private static volatile boolean finished;
    private static volatile boolean gaveUp;

    static {
        INSTALLER = new Thread(() -> {
            String refusal = install(DIRECTIVES);
            installed = refusal == null;
            if (refusal != null) {
                System.err.println("warning: the engine's compiler directives were not added (" + refusal + "); batched decoding can stall"
                        + " in C1-compiled kernels. Run on a full JDK 25, or a runtime with the jdk.management and jdk.jfr modules.");
            }
            finished = true;
        }, "scans-jit-directives");
        INSTALLER.setDaemon(true);
        INSTALLER.start();
    }

    private JitDirectives() {}

    /** Starts adding the directives, once per JVM; returns at once. */
    public static void start() {
        // Loading this class started the installer.
    }

    /**
     * Waits for the directives, and returns whether the JVM took them. Once they are in, a
     * volatile read: cheap enough to call before every batched product. The first wait is at most
     * 10 s; should the command not have answered by then, later calls no longer wait.
     */
    public static boolean await() {
        if (finished || gaveUp) return installed;
        try {
            INSTALLER.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!finished) gaveUp = true;
        return installed;
    }

    /**
     * Adds {@code json} as compiler directives; null when the JVM took them, else why not, in a
     * few words (the command's answer, or what was missing).
     */
    static String install(String json) {
        Path file = null;
        try {
            file = Files.createTempFile(FILE_PREFIX, ".json");
            file.toFile().deleteOnExit(); // should the JVM exit while the command runs
            sweepStale(file.getParent(), Files.getOwner(file), Instant.now());
            Files.writeString(file, json);
            Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            // The command answers "N compiler directives added", or a parse error.
            if (reply instanceof String s && s.contains("directives added") && !s.startsWith("0 ")) return null;
            return "the JVM answered: " + String.valueOf(reply).strip().replaceAll("\\s+", " ");
        } catch (Exception | LinkageError e) {
            return refusal(e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** What an exception from the install says, from its root cause: a missing command or module, most often. */
    static String refusal(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) root = root.getCause(); // getCause() never returns the throwable itself
        if (root instanceof NoSuchMethodException) return "this runtime's DiagnosticCommand MBean has no compilerDirectivesAdd";
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message.strip().replaceAll("\\s+", " "));
    }

    /**
     * Deletes the directive files in {@code dir} that {@code owner} left over an hour before
     * {@code now}; the rest, and anything that cannot be read or deleted, stay. Returns how many went.
     */
    static int sweepStale(Path dir, UserPrincipal owner, Instant now) {
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, FILE_PREFIX + "*.json")) {
            for (Path f : files) {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    if (a.isRegularFile() && owner.equals(Files.getOwner(f, LinkOption.NOFOLLOW_LINKS))
                            && a.lastModifiedTime().toInstant().isBefore(now.minus(STALE_AFTER))
                            && Files.deleteIfExists(f)) {
                        deleted++;
                    }
                } catch (IOException | SecurityException e) {
                    // another user's file, or one deleted meanwhile: not ours to clean
                }
            }
        } catch (IOException | SecurityException e) {
            // an unreadable temporary folder: nothing to sweep
        }
        return deleted;
    }
}
