package org.scans.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress line, with a clock the test moves by hand. */
class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    private long now = 1_000_000_000L;

    private Progress progress(int total, int alreadyDone, long tokensPerItem, boolean terminal) {
        return new Progress(err, total, alreadyDone, "run", tokensPerItem, terminal, () -> now);
    }

    private void at(double seconds) {
        now = 1_000_000_000L + (long) (seconds * 1e9);
    }

    private List<String> lines() {
        return bytes.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void aBatchStillDecodingMovesTheBarAndTheEta() {
        // 16 samples of at most 2 × 256 tokens, all 32 generations decoding together.
        Progress p = progress(16, 0, 512, false);
        at(10);
        for (int step = 0; step < 128; step++) p.generated(32);
        assertEquals(List.of(), lines(), "a plain log gets a line only every 30 s between finishes");
        assertEquals(0.5, p.overall(), 1e-12);
        at(31);
        p.generated(32); // 4128 tokens: 8.06 samples' worth
        List<String> l = lines();
        assertEquals(1, l.size());
        assertTrue(l.get(0).startsWith("run [############............] 0/16  ETA 31s  133.2 tok/s"), l.get(0));
    }

    @Test
    void finishingCountsAnItemInFullAndDropsItsTokensFromTheRunningShare() {
        Progress p = progress(4, 0, 100, false);
        at(5);
        p.generated(150); // two items running: 1.5 items' worth
        assertEquals(1.5 / 4, p.overall(), 1e-12);
        p.finished(30); // one stopped early, at EOS after 30 tokens
        assertEquals((1 + 1.2) / 4, p.overall(), 1e-12);
        p.generated(10_000); // more than the items left can take: capped
        assertEquals(1.0, p.overall(), 1e-12);
        for (int i = 0; i < 3; i++) p.finished(100);
        assertEquals(1.0, p.overall(), 1e-12);
        String last = lines().getLast();
        assertTrue(last.startsWith("run [########################] 4/4  ETA 0s"), last);
    }

    @Test
    void withoutATokenBudgetOnlyFinishedItemsCountAndTheFirstEtaIsUnknown() {
        Progress p = progress(10, 0, 0, false);
        at(3);
        p.generated(500);
        assertEquals(0.0, p.overall());
        p.step(0);
        at(30);
        p.step(0);
        assertEquals(0.2, p.overall(), 1e-12);
        List<String> l = lines();
        assertTrue(l.get(0).contains(" 1/10  ETA 27s "), l.get(0));
        assertTrue(l.get(1).contains(" 2/10  ETA 2m00s "), l.get(1));
    }

    @Test
    void aResumedRunFillsTheBarFromWhatWasDoneButTimesOnlyThisSession() {
        Progress p = progress(10, 5, 0, false);
        at(20);
        p.step(8);
        assertEquals(0.6, p.overall(), 1e-12);
        assertEquals(0.2, p.session(), 1e-12);
        String l = lines().getFirst();
        assertTrue(l.startsWith("run [##############..........] 6/10  ETA 1m20s  0.4 tok/s"), l);
    }

    /**
     * A chunk's classification passes move no item and no token for minutes on a large model;
     * the line names them while they run and drops the note when the last has ended.
     */
    @Test
    void classificationPassesShowAtTheEndOfTheLineUntilTheyEnd() {
        Progress p = progress(16, 0, 100, true);
        var passes = p.classifying();
        at(2);
        passes.passes(5, 16);
        at(4);
        passes.passes(16, 16);
        String[] draws = bytes.toString(StandardCharsets.UTF_8).split("\r");
        assertEquals(3, draws.length, String.join("|", draws));
        assertTrue(draws[1].startsWith("run [........................] 0/16  ETA ?  classifying 5/16"), draws[1]);
        assertFalse(draws[2].contains("classifying"), draws[2]);
        assertTrue(draws[2].isBlank() || draws[2].startsWith("run ["), draws[2]);

        bytes.reset();
        Progress log = progress(16, 0, 100, false);
        var logged = log.classifying();
        at(10);
        logged.passes(5, 16); // a log line only every 30 s
        at(35);
        logged.passes(9, 16);
        assertEquals(List.of("run [........................] 0/16  ETA ?  classifying 9/16"), lines());
    }

    @Test
    void onATerminalTokensRedrawAtMostOnceASecondOverTheWholeOldLine() {
        Progress p = progress(2, 0, 1000, true);
        at(0.5);
        p.generated(1);
        assertEquals("", bytes.toString(StandardCharsets.UTF_8), "no redraw within the first second");
        at(70);
        p.generated(1);
        p.generated(1); // the same instant: no second redraw
        String first = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, first.chars().filter(c -> c == '\r').count(), first);
        assertTrue(first.contains("ETA 19h"), first);
        at(71);
        p.finished(3);
        p.finished(0);
        String all = bytes.toString(StandardCharsets.UTF_8);
        String[] draws = all.split("\r");
        String wide = draws[1], last = draws[3];
        assertTrue(last.endsWith("\n"), last);
        assertTrue(last.startsWith("run [########################] 2/2  ETA 0s"), last);
        assertTrue(last.stripTrailing().length() < wide.length(), "the test needs a shorter last line");
        assertEquals(draws[2].length(), wide.length(), "a shorter line is padded over the longer one");
    }

    @Test
    void lineModeIsSilentForShortWorkAndLogsEvery30sForLongWork() {
        List<String> log = new ArrayList<>();
        Progress p = Progress.lines(log::add, 192, "extract", () -> now);
        at(2);
        p.items(10);
        assertEquals(List.of(), log, "no line before 30 s, nor at every tenth");
        at(31);
        p.items(22);
        at(40);
        p.items(32);
        at(62);
        p.items(32);
        at(200);
        p.items(96); // done: the caller says so itself
        assertEquals(List.of("extract [####....................] 32/192  ETA 2m35s",
                "extract [############............] 96/192  ETA 1m02s"), log);
    }

    @Test
    void durations() {
        assertEquals("59s", Progress.duration(59.4));
        assertEquals("1m00s", Progress.duration(59.6));
        assertEquals("2h05m", Progress.duration(7500));
    }
}
