package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The same forward pass gives the same bits whichever JIT tier runs the kernels: interpreted and
 * C1-compiled code runs the Vector API's Java implementation, C2 its intrinsics. Until the lane
 * sums were written as a fixed tree ({@code Vectors.sum}), {@code reduceLanes(ADD)} added lane
 * after lane in the first and as a tree in the second, so scores and greedy answers differed in
 * their last bits between runs, and a resumed run from one that was never interrupted. Nor does
 * the number of threads change them: each matrix starts at a chunk boundary (CpuBackend.slot),
 * and element ranges split at multiples of every vector length (CpuBackend.ELEMENT_GRAIN).
 */
class TierDeterminismTest {
    private static final Pattern DIGEST = Pattern.compile("(?m)^(first|last) ([0-9a-f]{64})$");

    @Test
    void interpretedC1AndC2CodeAndAnyThreadCountGiveTheSameLogits() throws IOException, InterruptedException {
        // Default tiers, warmed up: the first pass runs mostly interpreted, the last compiled by C2.
        // Two threads: the 32-token prefill's MLP products (172 rows) are split between them.
        String tiered = probe(List.of("-XX:+PrintCompilation"), 150, 2);
        // C1 only: the Vector API's Java implementation throughout, never an intrinsic; one thread.
        String c1 = probe(List.of("-XX:TieredStopAtLevel=1"), 1, 1);
        Pattern c2Kernel = Pattern.compile("(?m)^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+org\\.scans\\.engine\\.kernel\\.\\w+::(matvec|rows8|rows4)");
        assertTrue(c2Kernel.matcher(tiered).find(), "no decode kernel reached C2 in the warmed-up probe:\n" + tiered);
        assertEquals(digest(tiered, "first"), digest(tiered, "last"), "cold and C2-compiled passes differ");
        assertEquals(digest(tiered, "last"), digest(c1, "first"), "C1-only on one thread and C2-compiled on two differ");
    }

    /** The probe's stdout (the compile log, if asked for) followed by its stderr (the digests). */
    private static String probe(List<String> flags, int reps, int threads) throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector"));
        // The build's 256-bit run (engine/pom.xml) passes its vector shape on to the probes.
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:UseAVX=") || arg.startsWith("-XX:MaxVectorSize=") || arg.startsWith("-Dscans.vectorRegisters=")) cmd.add(arg);
        }
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TierProbe.class.getName(), String.valueOf(reps), String.valueOf(threads)));
        // To files, not pipes: a hung probe then fails the test at the timeout instead of blocking a read.
        Path out = Files.createTempFile("tier-probe", ".out"), err = Files.createTempFile("tier-probe", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("probe did not finish in 120 s");
            }
            String text = Files.readString(out) + Files.readString(err);
            assertEquals(0, p.exitValue(), text);
            return text;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String digest(String out, String which) {
        Matcher m = DIGEST.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(which)) return m.group(2);
        }
        throw new AssertionError("no " + which + " digest in:\n" + out);
    }
}
