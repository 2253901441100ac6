package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.eval.EvalFixture;

/** One process at a time writes a run's or an eval's folder. */
class FolderLockTest {
    @TempDir
    Path tmp;

    @Test
    void aHeldFolderIsRefusedNamingTheHolderAndFreedOnClose() throws Exception {
        String pid = String.valueOf(ProcessHandle.current().pid());
        try (FolderLock held = FolderLock.acquire(tmp)) {
            var e = assertThrows(IllegalArgumentException.class, () -> FolderLock.acquire(tmp));
            assertTrue(e.getMessage().contains("another scans-engine process (pid " + pid + ") is writing this folder"), e.getMessage());
        }
        try (FolderLock again = FolderLock.acquire(tmp)) {
            assertEquals(pid, Files.readString(tmp.resolve(FolderLock.FILE)).strip());
        }
    }

    @Test
    void aResumeWhileTheRunStillWritesIsRefused() throws Exception {
        Path out = tmp.resolve("run");
        List<String> args = List.of("run", "--model", TestSupport.model().toString(), "--vectors", EvalFixture.vectors().toString(),
                "--dataset", "xstest", "--limit", "2", "--max-new-tokens", "4", "--out", out.toString());
        TestSupport.Cli first = TestSupport.cli(args.toArray(String[]::new));
        assertEquals(0, first.exit(), first.err());
        byte[] samples = Files.readAllBytes(out.resolve(SampleLog.FILE));
        try (FolderLock running = FolderLock.acquire(out)) { // as the first run holds it while it goes
            TestSupport.Cli resumed = TestSupport.cli(TestSupport.args(args, "--resume"));
            assertEquals(1, resumed.exit());
            assertTrue(resumed.err().contains("is writing this folder; wait for it to end, or choose another --out"), resumed.err());
            // The same command without --resume was told to pass --resume, which the lock then refused.
            TestSupport.Cli fresh = TestSupport.cli(args.toArray(String[]::new));
            assertEquals(1, fresh.exit());
            assertTrue(fresh.err().contains("is writing this folder") && !fresh.err().contains("pass --resume"), fresh.err());
            Path evalOut = tmp.resolve("eval");
            Files.createDirectories(evalOut);
            try (FolderLock evalRunning = FolderLock.acquire(evalOut)) {
                TestSupport.Cli eval = TestSupport.cli("eval", "classify", "--model", TestSupport.model().toString(), "--vectors",
                        EvalFixture.vectors().toString(), "--datasets", "xstest", "--limit", "2", "--out", evalOut.toString());
                assertEquals(1, eval.exit());
                assertTrue(eval.err().contains("is writing this folder"), eval.err());
            }
        }
        assertTrue(java.util.Arrays.equals(samples, Files.readAllBytes(out.resolve(SampleLog.FILE))), "the refused resume wrote nothing");
        TestSupport.Cli resumed = TestSupport.cli(TestSupport.args(args, "--resume"));
        assertEquals(0, resumed.exit(), resumed.err());
    }
}
