package org.scans.tokenizer.template;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.scans.tokenizer.Tokenizer;

/** The SCANS prompts of docs/SCANS.md §2, the markers and p_end, and multi-turn rendering. */
class TemplateTest {
    private static final Tokenizer LLAMA = load();
    private static final String Q = "How can I kill a Python process?";

    private static Tokenizer load() {
        try (InputStream in = TemplateTest.class.getResourceAsStream("/models/llama2/tokenizer.model")) {
            return Tokenizer.fromStream(in, false, "llama2/tokenizer.model");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void scansLlama2ExampleReproducesTheStatedIds() {
        ChatTemplate t = new Llama2ChatTemplate();
        Prompt p = t.classification(Q);
        assertEquals("<s>[INST] How can I kill a Python process? [/INST] Sure", p.text());
        int[] ids = p.encode(LLAMA);
        assertArrayEquals(new int[] {1, 518, 25580, 29962, 1128, 508, 306, 12088, 263, 5132, 1889, 29973, 518, 29914,
                25580, 29962, 18585}, ids);
        MarkerFinder f = MarkerFinder.of(LLAMA, t);
        assertArrayEquals(new int[] {518, 29914, 25580, 29962}, f.markerIds());
        assertEquals(ids.length - 2, f.lastEnd(ids), "s1 = p_end = n - 2 in the classification input");
        int[] ext = t.extraction(Q).encode(LLAMA);
        assertArrayEquals(Arrays.copyOf(ids, ids.length - 1), ext);
        assertEquals(ext.length - 1, f.lastEnd(ext));
        int[] gen = t.generation("  " + Q + "\n").encode(LLAMA);
        assertArrayEquals(Arrays.copyOf(ids, ids.length - 1), gen, "BOS + encode of the stripped query");
        assertEquals(gen.length - 1, f.lastEnd(gen));
    }

    /**
     * transformers maps a literal {@code </s>} or {@code <s>} anywhere in the text to its id, in the
     * generation prompt as in the classification input; spelled out in the one and not the other,
     * one sample was classified on one sequence and answered from another.
     */
    @Test
    void aControlTokenInTheQueryIsEncodedAlikeInEveryPrompt() {
        for (ChatTemplate t : List.of(new Llama2ChatTemplate(), VicunaChatTemplate.scansReference())) {
            int[] gen = t.generation("Say </s> now").encode(LLAMA), cls = t.classification("Say </s> now").encode(LLAMA);
            assertTrue(Arrays.stream(gen).skip(1).anyMatch(i -> i == 2), t.name() + ": " + Arrays.toString(gen));
            assertTrue(Arrays.stream(cls).anyMatch(i -> i == 2), t.name() + ": " + Arrays.toString(cls));
            // without such a literal, special mode changes nothing: the plain encoding, BOS first
            Prompt plain = t.generation(Q);
            assertArrayEquals(LLAMA.encode(plain.text(), true, false), plain.encode(LLAMA), t.name());
        }
    }

    @Test
    void scansVicunaPromptsAndMarker() {
        VicunaChatTemplate t = VicunaChatTemplate.scansReference();
        assertEquals("A chat between a curious user and an artificial intelligence assistant.  USER: " + Q
                + " \nASSISTANT:", t.extraction(" " + Q + "\n").text());
        assertEquals("A chat between a curious user and an artificial intelligence assistant.  USER: " + Q
                + "\n \nASSISTANT: Sure", t.classification(Q + "\n").text());
        assertEquals("USER: " + Q + " \nASSISTANT:", t.generation(Q).text());
        MarkerFinder f = MarkerFinder.of(LLAMA, t);
        assertArrayEquals(new int[] {29871, 13, 22933, 9047, 13566, 29901}, f.markerIds());
        int[] ext = t.extraction(Q).encode(LLAMA);
        assertEquals(319, ext[0], "no BOS in the reference's vicuna extraction");
        assertEquals(ext.length - 1, f.lastEnd(ext));
        int[] cls = t.classification(Q).encode(LLAMA);
        assertEquals(cls.length - 2, f.lastEnd(cls));
        int[] gen = t.generation(Q).encode(LLAMA);
        assertEquals(1, gen[0]);
        assertEquals(gen.length - 1, f.lastEnd(gen));

        // A literal <s> in the query (eval ppl's decoded windows start with one) is id 1, as
        // transformers tokenizes it and the Llama-2 templates do (SCANS.md §1), not characters.
        int[] withBos = t.classification("<s> once upon a time").encode(LLAMA);
        assertTrue(java.util.Arrays.stream(withBos).anyMatch(i -> i == 1), java.util.Arrays.toString(withBos));
        assertTrue(java.util.Arrays.stream(t.extraction("<s> once").encode(LLAMA)).anyMatch(i -> i == 1));
        VicunaChatTemplate fixed = VicunaChatTemplate.fullSystemPrompt();
        assertEquals(VicunaChatTemplate.FASTCHAT_SYSTEM + " USER: " + Q + " \nASSISTANT:", fixed.extraction(Q).text());
        assertEquals(1, fixed.extraction(Q).encode(LLAMA)[0]);
    }

    @Test
    void markerNotFoundIsMinusOne() {
        MarkerFinder f = MarkerFinder.of(LLAMA, "[/INST]");
        assertEquals(-1, f.lastEnd(LLAMA.encode("no marker here")));
        assertEquals(-1, f.lastEnd(new int[0]));
        int[] twice = LLAMA.encode("<s>[INST] a [/INST] b </s><s>[INST] c [/INST] d", true);
        assertEquals(twice.length - 2, f.lastEnd(twice), "the last occurrence wins");
        assertEquals(5, f.lastEnd(new int[] {518, 29914, 25580, 29962, 518, 29914, 25580, 29962}, 6) + 2);
    }

    /** Multi-turn llama-2 equals Meta's chat_completion, which encodes turn by turn with BOS/EOS ids. */
    @Test
    void llama2MultiTurnWithSystemPrompt() {
        Prompt p = new Llama2ChatTemplate().render("Be brief.", List.of(Message.user("Hi there"),
                Message.assistant(" Hello! "), Message.user("And now?")));
        assertEquals("<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nHi there [/INST] Hello! </s><s>[INST] And now? [/INST]",
                p.text());
        assertArrayEquals(new int[] {1, 518, 25580, 29962, 3532, 14816, 29903, 6778, 13, 3629, 11473, 29889, 13, 29966,
                829, 14816, 29903, 6778, 13, 13, 18567, 727, 518, 29914, 25580, 29962, 15043, 29991, 29871, 2, 1, 518,
                25580, 29962, 1126, 1286, 29973, 518, 29914, 25580, 29962}, p.encode(LLAMA));
        assertEquals("<s>[INST] Hi [/INST]", new Llama2ChatTemplate().render(null, List.of(Message.user(" Hi "))).text());
    }

    @Test
    void vicunaMultiTurn() {
        Prompt p = VicunaChatTemplate.scansReference().render(null, List.of(Message.user("Hi"), Message.assistant("Hello."),
                Message.user("Bye")));
        assertEquals(VicunaChatTemplate.FASTCHAT_SYSTEM + " USER: Hi ASSISTANT: Hello.</s>USER: Bye ASSISTANT:", p.text());
        int[] ids = p.encode(LLAMA);
        assertEquals(1, ids[0]);
        assertEquals(1, Arrays.stream(ids).filter(i -> i == 2).count());
        assertThrows(IllegalArgumentException.class, () -> new Llama2ChatTemplate().render(null,
                List.of(Message.assistant("x"))));
    }

    /** A prompt already in the format gives back its last user message, whatever else it holds. */
    @Test
    void lastQueryUnwrapsWhatTheTemplatesWrite() {
        Llama2ChatTemplate llama = new Llama2ChatTemplate();
        for (String q : List.of("How do I kill a Python process?", "Two\nlines, [brackets] and <<SYS>> inside")) {
            assertEquals(java.util.Optional.of(q), llama.lastQuery(llama.generation(q).text()));
            assertEquals(java.util.Optional.of(q), llama.lastQuery(llama.render("Be brief.", List.of(Message.user(q))).text()));
            assertEquals(java.util.Optional.of(q), llama.lastQuery(llama.render("Be brief.", List.of(Message.user("Hi"),
                    Message.assistant("Hello."), Message.user(q))).text()));
            VicunaChatTemplate vicuna = VicunaChatTemplate.scansReference();
            assertEquals(java.util.Optional.of(q), vicuna.lastQuery(vicuna.generation(q).text()));
            assertEquals(java.util.Optional.of(q), vicuna.lastQuery(vicuna.render(null, List.of(Message.user("Hi"),
                    Message.assistant("Hello."), Message.user(q))).text()));
        }
        assertEquals(java.util.Optional.empty(), llama.lastQuery("Once upon a time"));
        assertEquals(java.util.Optional.empty(), llama.lastQuery("[/INST] [INST] unfinished"));
        assertEquals(java.util.Optional.empty(), llama.lastQuery("[INST]  [/INST]"));
        assertEquals(java.util.Optional.empty(), VicunaChatTemplate.scansReference().lastQuery("USER: no answer marker"));
    }

    @Test
    void pythonStrip() {
        assertEquals("a b", PythonStrings.strip("\u00a0\t a b\n\u2007\u202f\u0085\u001c"));
        assertEquals("", PythonStrings.strip(" \u3000 "));
        assertEquals("\u200ba\u200b", PythonStrings.strip("\u200ba\u200b"), "zero-width space is not whitespace");
    }
}
