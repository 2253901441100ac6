package org.scans.eval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;
import org.scans.tokenizer.template.VicunaChatTemplate;

/**
 * Cuts a corpus into the token windows a perplexity is measured on.
 *
 * <p><b>Chat windows</b> (the reference's {@code eval/ppl_dataset.py} with {@code use_chat}):
 * the text is tokenized with BOS, the BOS dropped, and each window of
 * {@code L − |start| − |end|} text tokens is rebuilt as {@code start + first half + end + second
 * half} (the second half gets the odd token), so every window is exactly L tokens:
 * {@code "<s>[INST] " … " [/INST] " …} for Llama-2 ({@code " [/INST]"} between a document's halves, see
 * {@link ChatWrap#of}). Steering starts at the end of the inserted
 * marker. With {@code count = 0} a stream is cut into consecutive windows (the reference's
 * WikiText-2 rule). Random windows are drawn as the reference's C4 loader draws them, with
 * Python's generator ({@link PythonRandom}, seeded as {@code random.seed(seed)}): a document by
 * {@code randint} over all of them, again until one is longer than the window, then a start by
 * {@code randint} over the offsets that leave a whole window; a stream counts as one document.
 *
 * <p><b>Plain windows</b> (the GPTQ / Hugging Face perplexity that papers publish): the text is
 * tokenized once with BOS and not rebuilt. With {@code count = 0} and {@code stride = L}, it is cut
 * into consecutive L-token windows and the incomplete tail is dropped (GPTQ). With a smaller stride
 * the windows slide by {@code stride} and each scores only the tokens the previous one did not (the
 * Hugging Face "perplexity of fixed-length models" loop). Random windows are drawn as above.
 */
public final class PerplexityWindows {
    private PerplexityWindows() {}

    /**
     * One window.
     *
     * @param ids         the tokens fed to the model
     * @param firstTarget the first position whose token is scored (1 = all but the first)
     * @param steerFrom   chat windows: the position steering starts at (−1 = every position,
     *                    when the marker is not in the window); plain windows: −1
     * @param doc         the document it was cut from (0 for a stream)
     * @param start       the offset of its first text token in that document's token list
     */
    public record Window(String id, int[] ids, int firstTarget, int steerFrom, int doc, int start) {}

    /** The strings the reference inserts around a chat window's two halves. */
    public record ChatWrap(String start, String end) {
        /**
         * The reference's two loaders differ for Llama-2: its running-text one ({@code process_data},
         * WikiText-2) inserts {@code " [/INST] "}, its document one ({@code process_c4data}, C4) inserts
         * {@code " [/INST]"} without the trailing space, one token fewer and so one more text token per
         * window. Vicuna's {@code " \nASSISTANT: "} is the same in both.
         */
        public static ChatWrap of(ChatTemplate template, PerplexityCorpus corpus) {
            if (template instanceof VicunaChatTemplate) return new ChatWrap("<s>USER: ", " \nASSISTANT: ");
            return new ChatWrap("<s>[INST] ", corpus.stream() ? " [/INST] " : " [/INST]");
        }
    }

    /** Chat windows of {@code length} tokens; {@code count} random ones, or all consecutive ones (0, streams only). */
    public static List<Window> chat(PerplexityCorpus corpus, Tokenizer tokenizer, ChatWrap wrap, MarkerFinder marker,
                                    int length, int count, long seed) {
        int[] start = tokenizer.encode(wrap.start(), false, true);
        int[] end = tokenizer.encode(wrap.end(), false, false);
        int text = length - start.length - end.length;
        if (text < 2) {
            throw new IllegalArgumentException("--window-len " + length + " leaves no room for text between the "
                    + (start.length + end.length) + " tokens of the chat wrapper");
        }
        List<int[]> bodies = new ArrayList<>();
        for (String t : corpus.texts()) {
            int[] ids = tokenizer.encode(t, true, false);
            bodies.add(Arrays.copyOfRange(ids, 1, ids.length));      // the reference drops the <s>
        }
        List<Window> out = new ArrayList<>();
        for (int[] pick : picks(corpus, bodies, text, count, seed)) {
            int[] body = bodies.get(pick[0]);
            int half = text / 2;
            int[] w = new int[length];
            int p = 0;
            System.arraycopy(start, 0, w, p, start.length);
            p += start.length;
            System.arraycopy(body, pick[1], w, p, half);
            p += half;
            System.arraycopy(end, 0, w, p, end.length);
            p += end.length;
            System.arraycopy(body, pick[1] + half, w, p, text - half);
            out.add(new Window(id(out.size()), w, 1, marker.lastEnd(w), pick[0], pick[1]));
        }
        return out;
    }

    /** Plain windows of {@code length} tokens (see the class comment for {@code count} and {@code stride}). */
    public static List<Window> plain(PerplexityCorpus corpus, Tokenizer tokenizer, int length, int stride, int count, long seed) {
        if (length < 2) throw new IllegalArgumentException("--window-len must be at least 2, got " + length);
        if (stride < 1 || stride > length) throw new IllegalArgumentException("--stride must be in 1.." + length + ", got " + stride);
        List<int[]> docs = new ArrayList<>();
        for (String t : corpus.texts()) docs.add(tokenizer.encode(t, true, false));
        List<Window> out = new ArrayList<>();
        if (count == 0 && stride < length) {
            int[] ids = docs.get(0);
            int prevEnd = 0;
            for (int begin = 0; ; begin += stride) {
                int e = Math.min(begin + length, ids.length);
                int scored = e - prevEnd;
                int[] w = Arrays.copyOfRange(ids, begin, e);
                if (w.length >= 2) out.add(new Window(id(out.size()), w, Math.max(1, w.length - scored), -1, 0, begin));
                prevEnd = e;
                if (e == ids.length) break;
            }
            return out;
        }
        for (int[] pick : picks(corpus, docs, length, count, seed)) {
            int[] w = Arrays.copyOfRange(docs.get(pick[0]), pick[1], pick[1] + length);
            out.add(new Window(id(out.size()), w, 1, -1, pick[0], pick[1]));
        }
        return out;
    }

    /** Refuses {@code --windows all} (a count of 0) on documents: only a running text is cut into consecutive windows. */
    public static void checkCount(PerplexityCorpus corpus, int count) {
        if (count == 0 && !corpus.stream()) {
            throw new IllegalArgumentException("--windows all cuts one running text; " + corpus.name()
                    + " holds separate documents, so give a number of random windows");
        }
    }

    /** (document, start) pairs of windows of {@code size} tokens (see the class comment). */
    static List<int[]> picks(PerplexityCorpus corpus, List<int[]> docs, int size, int count, long seed) {
        List<int[]> out = new ArrayList<>();
        if (count == 0) {
            checkCount(corpus, count);
            int n = docs.get(0).length;
            for (int k = 0; (k + 1) * size <= n; k++) out.add(new int[] {0, k * size});
            if (out.isEmpty()) throw tooShort(corpus, size, n);
            return out;
        }
        int longest = 0;
        for (int[] d : docs) longest = Math.max(longest, d.length);
        if (longest <= size) throw tooShort(corpus, size, longest);   // the draw below would never end
        PythonRandom rnd = new PythonRandom(seed);
        for (int k = 0; k < count; k++) {
            int d;
            do d = rnd.randint(0, docs.size() - 1); while (docs.get(d).length <= size);
            out.add(new int[] {d, rnd.randint(0, docs.get(d).length - size - 1)});
        }
        return out;
    }

    private static IllegalArgumentException tooShort(PerplexityCorpus corpus, int size, int longest) {
        return new IllegalArgumentException(corpus.name() + ": no " + (corpus.stream() ? "text" : "document") + " is longer than "
                + size + " tokens (the longest has " + longest + "); use a smaller --window-len");
    }

    private static String id(int i) {
        return "w%04d".formatted(i);
    }
}
