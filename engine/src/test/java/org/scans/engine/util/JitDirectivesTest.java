package org.scans.engine.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JitDirectivesTest {

    @Test
    void theJvmTakesTheEnginesDirectives() {
        JitDirectives.start();
        assertTrue(JitDirectives.await(), "the JVM refused the compiler directives: " + JitDirectives.DIRECTIVES);
    }

    /**
     * A jlink image without jdk.jfr gives an MBean with no compiler commands: invoking one then
     * fails with a NoSuchMethodException inside a ReflectionException. The warning names the
     * missing command rather than the wrapper.
     */
    @Test
    void aMissingCommandIsNamed() {
        var wrapped = new javax.management.ReflectionException(new NoSuchMethodException("Method compilerDirectivesAdd with signature [[Ljava.lang.String;] not found"));
        assertEquals("this runtime's DiagnosticCommand MBean has no compilerDirectivesAdd", JitDirectives.refusal(wrapped));
        assertEquals("NoClassDefFoundError: javax/management/ObjectName", JitDirectives.refusal(new NoClassDefFoundError("javax/management/ObjectName")));
    }

    /**
     * A directive naming a method that no longer exists matches nothing and is accepted all the
     * same, so a renamed kernel would silently lose its protection from C1, or a renamed helper its
     * forced inlining: every class and method the directives name must exist, and be in them.
     */
    @Test
    void everyMethodTheDirectivesNameExists() throws ClassNotFoundException {
        List<String> named = new ArrayList<>(JitDirectives.C1_EXCLUDED);
        named.addAll(JitDirectives.FORCE_INLINED);
        for (String name : named) {
            int dot = name.lastIndexOf('.');
            Class<?> c = Class.forName(name.substring(0, dot).replace('/', '.'));
            String method = name.substring(dot + 1);
            assertTrue(java.util.Arrays.stream(c.getDeclaredMethods()).anyMatch(x -> x.getName().equals(method)),
                    c.getName() + " has no method " + method);
        }
        for (String name : JitDirectives.C1_EXCLUDED) assertTrue(JitDirectives.DIRECTIVES.contains("\"" + name + "\""), name);
        for (String name : JitDirectives.FORCE_INLINED) assertTrue(JitDirectives.DIRECTIVES.contains("\"+" + name + "\""), name);
        assertEquals(12, JitDirectives.C1_EXCLUDED.size());
        assertEquals(8, JitDirectives.FORCE_INLINED.size());
    }

    /** A JVM killed while installing leaves its file: later installs delete the old ones, and only those. */
    @Test
    void leftoverDirectiveFilesOverAnHourOldAreSwept(@TempDir Path dir) throws IOException {
        Instant now = Instant.parse("2026-11-30T12:00:00Z");
        Path old = Files.writeString(dir.resolve(JitDirectives.FILE_PREFIX + "123.json"), "[]");
        Path fresh = Files.writeString(dir.resolve(JitDirectives.FILE_PREFIX + "456.json"), "[]");
        Path unrelated = Files.writeString(dir.resolve("other-123.json"), "[]");
        Path folder = Files.createDirectory(dir.resolve(JitDirectives.FILE_PREFIX + "789.json"));
        FileTime twoHoursAgo = FileTime.from(now.minus(Duration.ofHours(2)));
        for (Path p : List.of(old, unrelated, folder)) Files.setLastModifiedTime(p, twoHoursAgo);
        Files.setLastModifiedTime(fresh, FileTime.from(now.minus(Duration.ofMinutes(5))));
        UserPrincipal me = Files.getOwner(old);

        assertEquals(1, JitDirectives.sweepStale(dir, me, now));
        assertFalse(Files.exists(old));
        assertTrue(Files.exists(fresh) && Files.exists(unrelated) && Files.isDirectory(folder));

        UserPrincipal someoneElse = () -> "someone-else";
        Files.setLastModifiedTime(fresh, twoHoursAgo);
        assertEquals(0, JitDirectives.sweepStale(dir, someoneElse, now), "another user's files are not ours to delete");
        assertTrue(Files.exists(fresh));
    }

    /** A malformed directive is refused, in the JVM's own words on one line, which the warning quotes. */
    @Test
    void aMalformedDirectiveIsReportedAsRefused() {
        String refusal = JitDirectives.install("[ { match: \"org/scans/Nothing.none\", c1: { NoSuchOption: true } } ]");
        assertTrue(refusal != null && refusal.startsWith("the JVM answered: ") && !refusal.contains("\n"), String.valueOf(refusal));
    }

    /**
     * What the directive is for: the batched-decoding kernels must reach C2 without ever being
     * compiled by C1 (bench/README.md, "JIT"). Without the directive, or with a directive that no
     * longer names a kernel (say, after a rename), {@code -XX:+PrintCompilation} shows a level-3
     * attempt ("COMPILE SKIPPED: out of virtual registers") or level-2 code for it; with the
     * directive renamed away, the exerciser alone took BF16Kernels.tile8x16 to level 2, had its
     * level-3 compile skipped and never got it compiled by C2 in 20,000 calls, in 5 runs of 5.
     */
    @Test
    void theBatchedKernelsAreCompiledByC2AndNeverByC1() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                "-XX:+PrintCompilation", "-cp", System.getProperty("java.class.path"), Tile8x16Exerciser.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exerciser did not finish");
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("exercised"), log);
        for (String kernel : List.of("BF16Kernels::tile8x16", "F16Kernels::tile8x16", "Q8Kernels::pairTile[48]x16")) {
            // (Q8_0's pair tile has 4 rows, or 8 where the cores have only 16 vector registers.)
            // A compile line: timestamp, compile id, flags (%, s, !, b, n), level, method.
            Pattern compile = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*([0-4])\\s+org\\.scans\\.engine\\.kernel\\." + kernel + "\\b");
            List<Integer> levels = new ArrayList<>();
            for (String line : log.split("\n")) {
                Matcher m = compile.matcher(line);
                if (m.find()) levels.add(Integer.parseInt(m.group(1)));
            }
            assertTrue(levels.contains(4), "no C2 compile of " + kernel + " in:\n" + log);
            assertTrue(levels.stream().allMatch(l -> l == 4), kernel + " compiled at levels " + levels);
        }
    }

    /**
     * The forced inlining, where it mattered: C2 compiling the exact F16 decode kernel (a matrix's
     * first and last rows) left its widenings as calls once (NodeCountInliningCutoff), and every
     * call boxed its vectors. With C2 alone (no tiers), every "force inline by CompileCommand" in
     * the log is C2's: without the directive the widenings read "inline (hot)", or fail.
     */
    @Test
    void c2InlinesTheWideningsOfTheExactF16Kernel() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector", "-XX:-TieredCompilation",
                "-XX:+UnlockDiagnosticVMOptions", "-XX:+PrintInlining", "-cp", System.getProperty("java.class.path"),
                Tile8x16Exerciser.class.getName(), "exact-f16"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "exerciser did not finish");
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("exercised"), log);
        for (String helper : List.of("even", "odd")) {
            assertTrue(Pattern.compile("F16Kernels::" + helper + " \\(\\d+ bytes\\)\\s+force inline by CompileCommand").matcher(log).find(),
                    "C2 did not inline F16Kernels." + helper + " by the directive:\n" + log);
            assertFalse(Pattern.compile("F16Kernels::" + helper + " \\(\\d+ bytes\\)\\s+failed to inline").matcher(log).find(),
                    "C2 left F16Kernels." + helper + " as a call:\n" + log);
        }
    }
}
