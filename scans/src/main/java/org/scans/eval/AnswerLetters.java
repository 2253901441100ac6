package org.scans.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.scans.tokenizer.Tokenizer;

/**
 * The four token ids whose next-token logits MMLU compares (SCANS.md §10). The reference takes
 * {@code tokenizer("A").input_ids[-1]}: the last id of the letter encoded with SentencePiece's
 * dummy prefix, which on Llama-2 is {@code ▁A ▁B ▁C ▁D = 319 350 315 360}. The same rule is
 * applied to any tokenizer, never constants. A vocabulary without a {@code ▁A} piece (the bundled
 * stories260K has {@code ▁B} but not {@code ▁A ▁C ▁D}) then yields the bare letter piece; that is
 * reported as a warning, because the comparison is no longer between like tokens.
 *
 * @param ids    ids for A, B, C, D
 * @param pieces their vocabulary pieces, e.g. {@code ▁A}
 */
public record AnswerLetters(int[] ids, List<String> pieces) {
    public static final List<String> LETTERS = List.of("A", "B", "C", "D");

    public AnswerLetters {
        ids = ids.clone();
        pieces = List.copyOf(pieces);
        if (ids.length != 4 || pieces.size() != 4) throw new IllegalArgumentException("MMLU needs four answer letters");
        for (int i = 0; i < 4; i++) {
            for (int j = i + 1; j < 4; j++) {
                if (ids[i] == ids[j]) {
                    throw new IllegalArgumentException("answer letters " + LETTERS.get(i) + " and " + LETTERS.get(j)
                            + " resolve to the same token id " + ids[i] + "; this tokenizer cannot score MMLU");
                }
            }
        }
    }

    public static AnswerLetters resolve(Tokenizer tokenizer, Consumer<String> warnings) {
        int[] ids = new int[4];
        List<String> pieces = new ArrayList<>(4);
        List<String> odd = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String letter = LETTERS.get(i);
            int[] enc = tokenizer.encode(letter);
            if (enc.length == 0) throw new IllegalArgumentException("the tokenizer encodes the letter " + letter + " to nothing");
            ids[i] = enc[enc.length - 1];
            String piece = tokenizer.piece(ids[i]);
            pieces.add(piece);
            if (!piece.equals("\u2581" + letter)) odd.add(letter + " → '" + piece + "' (id " + ids[i] + ")");
        }
        if (!odd.isEmpty()) {
            warnings.accept("this vocabulary has no single '\u2581X' token for some answer letters; by the reference's rule "
                    + "(last id of encode(letter)) they resolve to " + String.join(", ", odd)
                    + ", so MMLU compares unlike tokens on this model");
        }
        return new AnswerLetters(ids, pieces);
    }

    /** The logits of A, B, C, D out of a full next-token distribution. */
    public float[] pick(float[] logits, int offset) {
        float[] out = new float[4];
        for (int i = 0; i < 4; i++) out[i] = logits[offset + ids[i]];
        return out;
    }

    /** The reference's prediction: {@code argmax} of the softmax over the four logits (first maximum wins). */
    public static int predict(float[] letterLogits) {
        int best = 0;
        for (int i = 1; i < letterLogits.length; i++) if (letterLogits[i] > letterLogits[best]) best = i;
        return best;
    }

    /** Softmax over the four letter logits (the probabilities the reference saves). */
    public static double[] probabilities(float[] letterLogits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : letterLogits) max = Math.max(max, l);
        double[] p = new double[letterLogits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) sum += p[i] = Math.exp(letterLogits[i] - max);
        for (int i = 0; i < p.length; i++) p[i] /= sum;
        return p;
    }
}
