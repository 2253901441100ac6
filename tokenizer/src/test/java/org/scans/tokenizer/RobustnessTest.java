package org.scans.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Bad input gets a clear {@link TokenizerException}, never another exception: random and
 * mutated model files, random text (including unpaired surrogates) and random ids.
 */
class RobustnessTest {

    @Test
    void randomBytesIntoTheProtobufReader() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 3000; i++) {
            byte[] b = new byte[rnd.nextInt(0, 300)];
            for (int k = 0; k < b.length; k++) {
                b[k] = (byte) rnd.nextInt(256);
            }
            exercise(b, rnd);
        }
    }

    /** Truncations, byte flips and spliced ranges of real models: either an error or a working tokenizer. */
    @Test
    void mutatedModels() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (String m : new String[] {"stories260K", "variant", "nfkc"}) {
            byte[] good = Fixtures.bytes("models/" + m + "/tokenizer.model");
            for (int i = 0; i < 250; i++) {
                byte[] b;
                switch (i % 3) {
                    case 0 -> b = Arrays.copyOf(good, rnd.nextInt(good.length));
                    case 1 -> {
                        b = good.clone();
                        for (int k = 0, n = rnd.nextInt(1, 20); k < n; k++) {
                            b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                        }
                    }
                    default -> {
                        b = good.clone();
                        int from = rnd.nextInt(b.length);
                        int to = rnd.nextInt(b.length);
                        int len = rnd.nextInt(Math.min(64, b.length - Math.max(from, to)) + 1);
                        System.arraycopy(good, from, b, to, len);
                    }
                }
                exercise(b, rnd);
            }
        }
    }

    private static void exercise(byte[] model, SplittableRandom rnd) {
        Tokenizer t;
        try {
            t = Tokenizer.fromSentencePiece(model, "fuzz.model");
        } catch (TokenizerException e) {
            assertTrue(e.getMessage().startsWith("fuzz.model"), e.getMessage());
            return;
        }
        for (int k = 0; k < 5; k++) {
            String text = randomText(rnd, 40);
            try {
                int[] ids = t.encode(text, rnd.nextBoolean(), rnd.nextBoolean());
                for (int id : ids) {
                    assertTrue(id >= 0 && id < t.vocabSize());
                }
                t.decode(ids);
            } catch (TokenizerException e) {
                // clean refusal, e.g. an unpaired surrogate or a model without BOS
            }
            int[] ids = rnd.ints(rnd.nextInt(8), -2, t.vocabSize() + 2).toArray();
            try {
                t.decode(ids);
            } catch (TokenizerException e) {
                // out-of-range id
            }
        }
    }

    static String randomText(SplittableRandom rnd, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0, n = rnd.nextInt(max); i < n; i++) {
            switch (rnd.nextInt(6)) {
                case 0 -> sb.append(' ');
                case 1 -> sb.append((char) rnd.nextInt(0x80));
                case 2 -> sb.append((char) rnd.nextInt(0x10000)); // may be an unpaired surrogate
                case 3 -> sb.appendCodePoint(rnd.nextInt(0x10000, 0x110000));
                case 4 -> sb.append(rnd.nextBoolean() ? "<s>" : "\u2581");
                default -> sb.append("abc de".charAt(rnd.nextInt(6)));
            }
        }
        return sb.toString();
    }

    @Test
    void randomTextIntoEncodeAndDecode() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (Tokenizer t : new Tokenizer[] {Fixtures.llama2(), Fixtures.stories(), Fixtures.llama2Json(),
                Fixtures.variant(), Fixtures.nfkc()}) {
            for (int i = 0; i < 400; i++) {
                String text = randomText(rnd, 60);
                try {
                    int[] ids = t.encode(text, rnd.nextBoolean(), rnd.nextBoolean());
                    assertEquals(t.decode(ids), t.decode(ids));
                } catch (TokenizerException e) {
                    assertTrue(e.getMessage().contains("surrogate"), e.getMessage());
                }
            }
        }
    }

    @Test
    void invalidUnicodeInputIsAClearError() {
        Tokenizer t = Fixtures.llama2();
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.encode("ab\uD800cd"));
        assertTrue(e.getMessage().contains("unpaired surrogate U+D800 at char index 2"), e.getMessage());
        assertThrows(TokenizerException.class, () -> t.encode("\uDC00"));
        e = assertThrows(TokenizerException.class,
                () -> t.encodeUtf8(new byte[] {'a', (byte) 0xC3, '(', 'b'}, false, false));
        assertTrue(e.getMessage().contains("not valid UTF-8") && e.getMessage().contains("offset 1"), e.getMessage());
        assertEquals(Arrays.toString(t.encode("caf\u00e9")),
                Arrays.toString(t.encodeUtf8("caf\u00e9".getBytes(StandardCharsets.UTF_8), false, false)));
    }

    /** No quadratic blow-up: a 2 MB run of one letter and 1 MB of mixed text encode quickly. */
    @Test
    void longInputsAreLinearithmic() {
        Tokenizer t = Fixtures.llama2();
        String a = "a".repeat(2_000_000);
        long t0 = System.nanoTime();
        int[] ids = t.encode(a);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(a, t.decode(ids));
        assertTrue(ms < 20_000, "2 MB took " + ms + " ms");
        String mixed = "The quick brown fox \u4e16\u754c \uD83D\uDE00 1234  \t\n".repeat(30_000);
        assertEquals(mixed, t.decode(t.encode(mixed)));
    }
}
