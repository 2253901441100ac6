package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The committed corpora: every SCANS data-set prompt, raw and in the six SCANS templates, plus
 * natural and adversarial text, with the ids and decoded text that SentencePiece 0.1.97 gives
 * (see tokenizer/fixtures/make_fixtures.py). Every entry must match to the id.
 */
class SentencePieceCorpusTest {

    private static void check(Tokenizer t, String corpus, int minEntries) {
        List<Fixtures.Entry> entries = Fixtures.corpus(corpus);
        assertTrue(entries.size() >= minEntries, corpus + " has only " + entries.size() + " entries");
        List<String> failures = new ArrayList<>();
        for (Fixtures.Entry e : entries) {
            int[] ids = t.encode(e.text(), e.bos(), e.special());
            if (!Arrays.equals(e.ids(), ids)) {
                failures.add("line " + e.line() + " " + Fixtures.JSON.valueToTree(e.text()) + (e.special() ? " special" : "")
                        + "\n  expected " + Arrays.toString(e.ids()) + "\n  actual   " + Arrays.toString(ids));
                continue;
            }
            String decoded = t.decode(ids);
            if (!e.decoded().equals(decoded)) {
                failures.add("line " + e.line() + " decode of " + Arrays.toString(ids) + "\n  expected "
                        + Fixtures.JSON.valueToTree(e.decoded()) + "\n  actual   " + Fixtures.JSON.valueToTree(decoded));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + entries.size() + " entries differ in " + corpus + ":\n"
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
    }

    @Test
    void llama2CorpusMatchesSentencePiece() {
        check(Fixtures.llama2(), "corpus/llama2_corpus.jsonl.gz", 3000);
    }

    @Test
    void stories260KCorpusMatchesSentencePiece() {
        check(Fixtures.stories(), "corpus/stories260K_corpus.jsonl.gz", 3000);
    }

    /** Edited stories260K: no dummy prefix, whitespace kept, unused and user-defined pieces. */
    @Test
    void variantCorpusMatchesSentencePiece() {
        check(Fixtures.variant(), "corpus/variant_corpus.jsonl.gz", 1000);
    }

    /** A model with nmt_nfkc rules: exercises the precompiled charsmap. */
    @Test
    void nfkcCorpusMatchesSentencePiece() {
        check(Fixtures.nfkc(), "corpus/nfkc_corpus.jsonl.gz", 1000);
    }

    /** The tokenizer.json path (HF BPE by merge rank) gives the same ids on the whole corpus. */
    @Test
    void llama2TokenizerJsonMatchesTokenizerModel() {
        Tokenizer json = Fixtures.llama2Json();
        List<Fixtures.Entry> entries = Fixtures.corpus("corpus/llama2_corpus.jsonl.gz");
        List<String> failures = new ArrayList<>();
        for (Fixtures.Entry e : entries) {
            int[] ids = json.encode(e.text(), e.bos(), e.special());
            if (!Arrays.equals(e.hfIds(), ids)) {
                failures.add("line " + e.line() + " " + Fixtures.JSON.valueToTree(e.text()) + "\n  expected "
                        + Arrays.toString(e.hfIds()) + "\n  actual   " + Arrays.toString(ids));
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + entries.size() + " differ:\n"
                + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        assertEquals(Fixtures.llama2().vocabSize(), json.vocabSize());
    }
}
