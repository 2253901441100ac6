package org.scans.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.eval.PerplexityWindows.Window;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.Llama2ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;
import org.scans.tokenizer.template.VicunaChatTemplate;

/** Window cutting and the reference's [INST] rebuild, checked position by position. */
class PerplexityWindowsTest {
    static final Tokenizer TOK = EvalFixture.tokenizer();
    static final PerplexityCorpus STORY = new PerplexityCorpus("story", List.of(EvalFixture.storyText()), true, false, null);
    static final MarkerFinder MARKER = MarkerFinder.of(TOK, new Llama2ChatTemplate());

    static int[] body() {
        int[] ids = TOK.encode(EvalFixture.storyText(), true, false);
        assertEquals(TOK.bos(), ids[0]);
        return Arrays.copyOfRange(ids, 1, ids.length);
    }

    @Test
    void chatWindowIsStartFirstHalfEndSecondHalf() {
        int[] start = TOK.encode("<s>[INST] ", false, true), end = TOK.encode(" [/INST] ", false, false), body = body();
        assertEquals(TOK.bos(), start[0]);
        int len = 41, text = len - start.length - end.length;
        List<Window> ws = PerplexityWindows.chat(STORY, TOK, PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), STORY), MARKER, len, 3, 0);
        assertEquals(3, ws.size());
        for (Window w : ws) {
            int[] ids = w.ids();
            assertEquals(len, ids.length);
            int half = text / 2;    // the second half takes the odd token, as Python's batch[-len//2:] does
            int[] expected = new int[len];
            System.arraycopy(start, 0, expected, 0, start.length);
            System.arraycopy(body, w.start(), expected, start.length, half);
            System.arraycopy(end, 0, expected, start.length + half, end.length);
            System.arraycopy(body, w.start() + half, expected, start.length + half + end.length, text - half);
            assertArrayEquals(expected, ids);
            // Steering starts at the ']' of the inserted [/INST].
            assertEquals(start.length + half + MARKER.lastEnd(end), w.steerFrom());
            assertEquals("]", TOK.piece(ids[w.steerFrom()]));
            assertEquals(1, w.firstTarget());
            assertTrue(w.start() >= 0 && w.start() + text < body.length);
        }
    }

    /**
     * The reference's C4 loader ({@code process_c4data}) inserts {@code " [/INST]"}, its WikiText-2
     * loader {@code " [/INST] "}: on Llama-2 a document window has no space token after the ']' and
     * one more text token, and still steers from that ']'. (stories260K's tokenizer drops the
     * trailing space itself, so the Llama-2 one shows the difference.)
     */
    @Test
    void documentWindowsUseTheReferencesC4Wrapper() {
        java.nio.file.Path model = java.nio.file.Path.of("..", "tokenizer", "src", "test", "resources", "models", "llama2", "tokenizer.model");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(model), "the Llama-2 tokenizer fixture is not in this checkout");
        Tokenizer tok = Tokenizer.load(model);
        MarkerFinder marker = MarkerFinder.of(tok, new Llama2ChatTemplate());
        PerplexityCorpus docs = new PerplexityCorpus("docs.jsonl", List.of(EvalFixture.storyText()), false, false, null);
        int[] start = tok.encode("<s>[INST] ", false, true), end = tok.encode(" [/INST]", false, false);
        int[] ids = tok.encode(EvalFixture.storyText(), true, false), body = Arrays.copyOfRange(ids, 1, ids.length);
        assertArrayEquals(new int[] {29871, 518, 29914, 25580, 29962}, end);
        assertArrayEquals(new int[] {29871, 518, 29914, 25580, 29962, 29871}, tok.encode(" [/INST] ", false, false));
        int len = 41, text = len - start.length - end.length, half = text / 2;
        List<Window> ws = PerplexityWindows.chat(docs, tok, PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), docs), marker, len, 2, 0);
        for (Window w : ws) {
            int[] expected = new int[len];
            System.arraycopy(start, 0, expected, 0, start.length);
            System.arraycopy(body, w.start(), expected, start.length, half);
            System.arraycopy(end, 0, expected, start.length + half, end.length);
            System.arraycopy(body, w.start() + half, expected, start.length + half + end.length, text - half);
            assertArrayEquals(expected, w.ids());
            assertEquals(start.length + half + end.length - 1, w.steerFrom());
        }
        assertEquals(" [/INST] ", PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), STORY).end(), "a running text: WikiText-2's");
        assertEquals(" \nASSISTANT: ", PerplexityWindows.ChatWrap.of(VicunaChatTemplate.scansReference(), docs).end());
    }

    @Test
    void randomWindowsDependOnlyOnTheSeed() {
        var wrap = PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), STORY);
        List<Window> a = PerplexityWindows.chat(STORY, TOK, wrap, MARKER, 40, 5, 0);
        List<Window> b = PerplexityWindows.chat(STORY, TOK, wrap, MARKER, 40, 5, 0);
        List<Window> c = PerplexityWindows.chat(STORY, TOK, wrap, MARKER, 40, 5, 1);
        assertEquals(a.stream().map(Window::start).toList(), b.stream().map(Window::start).toList());
        assertNotEquals(a.stream().map(Window::start).toList(), c.stream().map(Window::start).toList());
        assertEquals(List.of("w0000", "w0001", "w0002", "w0003", "w0004"), a.stream().map(Window::id).toList());
    }

    @Test
    void documentWindowsAreDrawnAsTheReferencesSeededLoop() {
        // CPython 3.11, the reference's process_c4data loop over documents of these token counts:
        //   random.seed(0); for _ in range(6): (draw i = randint(0, 9) until lens[i] > 30), s = randint(0, lens[i] - 31)
        int[] lengths = {5, 50, 3, 80, 20, 100, 7, 60, 9, 40};
        List<int[]> docs = java.util.Arrays.stream(lengths).mapToObj(int[]::new).toList();
        PerplexityCorpus corpus = new PerplexityCorpus("docs.jsonl", List.of("x"), false, false, null);
        List<int[]> picks = PerplexityWindows.picks(corpus, docs, 30, 6, 0);
        assertEquals(List.of("7:12", "7:11", "9:3", "1:19", "9:2", "1:2"), picks.stream().map(p -> p[0] + ":" + p[1]).toList());
    }

    @Test
    void allChatWindowsAreConsecutive() {
        var wrap = PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), STORY);
        int len = 40, text = len - TOK.encode("<s>[INST] ", false, true).length - TOK.encode(" [/INST] ", false, false).length;
        List<Window> ws = PerplexityWindows.chat(STORY, TOK, wrap, MARKER, len, 0, 0);
        assertEquals(body().length / text, ws.size());
        for (int k = 0; k < ws.size(); k++) assertEquals(k * text, ws.get(k).start());
    }

    @Test
    void vicunaWrapperWhoseMarkerDoesNotMatchSteersEveryPosition() {
        var vicuna = VicunaChatTemplate.scansReference();
        List<Window> ws = PerplexityWindows.chat(STORY, TOK, PerplexityWindows.ChatWrap.of(vicuna, STORY), MarkerFinder.of(TOK, vicuna), 48, 1, 0);
        int expected = MarkerFinder.of(TOK, vicuna).lastEnd(ws.get(0).ids());
        assertEquals(expected, ws.get(0).steerFrom());
    }

    @Test
    void plainNonOverlappingWindowsDropTheTail() {
        int[] ids = TOK.encode(EvalFixture.storyText(), true, false);
        List<Window> ws = PerplexityWindows.plain(STORY, TOK, 50, 50, 0, 0);
        assertEquals(ids.length / 50, ws.size());
        for (int k = 0; k < ws.size(); k++) {
            assertArrayEquals(Arrays.copyOfRange(ids, 50 * k, 50 * k + 50), ws.get(k).ids());
            assertEquals(1, ws.get(k).firstTarget());
            assertEquals(-1, ws.get(k).steerFrom());
        }
        assertEquals(TOK.bos(), ws.get(0).ids()[0], "the first window keeps the text's BOS");
    }

    @Test
    void slidingWindowsScoreEveryTokenOnce() {
        int[] ids = TOK.encode(EvalFixture.storyText(), true, false);
        List<Window> ws = PerplexityWindows.plain(STORY, TOK, 50, 20, 0, 0);
        int scored = 0;
        int covered = 1;        // position 0 (BOS) is never a target
        for (Window w : ws) {
            int n = w.ids().length - w.firstTarget();
            scored += n;
            // the scored targets are exactly the next unscored positions of the text
            assertEquals(covered, w.start() + w.firstTarget());
            covered += n;
        }
        assertEquals(ids.length - 1, scored);
        assertEquals(20, ws.get(1).start());
        assertEquals(50 - 20, ws.get(1).firstTarget());
    }

    @Test
    void tooLongWindowsAndDocumentCorporaAreExplained() {
        var wrap = PerplexityWindows.ChatWrap.of(new Llama2ChatTemplate(), STORY);
        var e = assertThrows(IllegalArgumentException.class, () -> PerplexityWindows.chat(STORY, TOK, wrap, MARKER, 100_000, 1, 0));
        assertTrue(e.getMessage().contains("smaller --window-len"), e.getMessage());
        PerplexityCorpus docs = new PerplexityCorpus("docs.jsonl", List.of("a b c", "d e f"), false, false, null);
        e = assertThrows(IllegalArgumentException.class, () -> PerplexityWindows.plain(docs, TOK, 4, 4, 0, 0));
        assertTrue(e.getMessage().contains("separate documents"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PerplexityWindows.chat(STORY, TOK, wrap, MARKER, 12, 1, 0));
        assertTrue(e.getMessage().contains("no room"), e.getMessage());
    }

    @Test
    void aTextOfExactlyWholeWindowsKeepsItsLastWindow() {
        int n = TOK.encode(EvalFixture.storyText(), true, false).length; // with its BOS, as the windows cut it
        List<Window> one = PerplexityWindows.plain(STORY, TOK, n, n, 0, 0);
        assertEquals(1, one.size(), "a window as long as the text is the whole text");
        assertEquals(0, one.get(0).start());
        var e = assertThrows(IllegalArgumentException.class, () -> PerplexityWindows.plain(STORY, TOK, n + 1, n + 1, 0, 0));
        assertTrue(e.getMessage().contains("no text is longer than " + (n + 1) + " tokens"), e.getMessage());
        // A random window needs a text longer than it (a start drawn from 0 .. length − size − 1).
        e = assertThrows(IllegalArgumentException.class, () -> PerplexityWindows.plain(STORY, TOK, n, n, 3, 0));
        assertTrue(e.getMessage().contains("no text is longer than " + n + " tokens"), e.getMessage());
    }
}
