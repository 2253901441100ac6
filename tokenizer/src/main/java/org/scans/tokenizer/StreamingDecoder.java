package org.scans.tokenizer;

/**
 * Decodes ids one at a time, for streaming generation, with exactly SentencePiece's
 * {@code Decode} semantics (full {@link Tokenizer#decode} is this class run to the end, so the
 * two cannot disagree):
 * <ul>
 * <li>control pieces ({@code <s>}, {@code </s>}) print nothing; {@code <unk>} prints the
 * model's unk surface ({@code " ⁇ "} by default);</li>
 * <li>{@code ▁} prints as a space, except that the first piece that starts the text (nothing
 * printed yet, nothing but control pieces before it) loses one leading {@code ▁}, which the
 * encoder's dummy prefix put there; with {@code remove_extra_whitespaces} the text keeps
 * dropping that leading {@code ▁} until something prints;</li>
 * <li>a run of byte pieces is UTF-8: each complete character prints once all its bytes have
 * arrived, and bytes that cannot form a character print U+FFFD each.</li>
 * </ul>
 * {@link #accept} returns only text that can no longer change; {@link #finish} flushes bytes
 * still waiting for the rest of their character. Not thread-safe; one per stream.
 */
public final class StreamingDecoder {
    private final Vocabulary vocab;
    private final DecodeRules rules;
    private byte[] pending = new byte[8];
    private int pendingSize;
    private boolean isBosWs = true;
    private boolean bosWsSeen;
    private boolean printedAnything;

    /** What decoding needs from the model besides the pieces. */
    record DecodeRules(boolean addDummyPrefix, boolean removeExtraWhitespaces, String unkSurface) {
    }

    /** Whether ids past the last piece decode to nothing instead of failing ({@link Tokenizer#outputDecoder}). */
    private final boolean skipPastVocabulary;

    StreamingDecoder(Vocabulary vocab, DecodeRules rules) {
        this(vocab, rules, false);
    }

    StreamingDecoder(Vocabulary vocab, DecodeRules rules, boolean skipPastVocabulary) {
        this.vocab = vocab;
        this.rules = rules;
        this.skipPastVocabulary = skipPastVocabulary;
    }

    /**
     * Feeds one id; returns the text it completes (often empty while a multi-byte character is
     * still arriving).
     *
     * @throws TokenizerException if the id is outside the vocabulary
     */
    public String accept(int id) {
        if (skipPastVocabulary && id >= vocab.size()) return "";
        vocab.checkId(id);
        StringBuilder out = new StringBuilder();
        int b = vocab.byteValue(id);
        if (b >= 0) {
            if (pendingSize == pending.length) {
                pending = java.util.Arrays.copyOf(pending, pendingSize * 2);
            }
            pending[pendingSize++] = (byte) b;
            drainBytes(false, out);
        } else {
            drainBytes(true, out);
            if (bosWsSeen || printedAnything || !out.isEmpty()) {
                isBosWs = false;
            }
            bosWsSeen = decodePiece(id, out);
        }
        if (!out.isEmpty()) {
            printedAnything = true;
        }
        return out.toString();
    }

    /** Feeds several ids; returns the text they complete. */
    public String accept(int... ids) {
        StringBuilder out = new StringBuilder();
        for (int id : ids) {
            out.append(accept(id));
        }
        return out.toString();
    }

    /** Ends the stream: bytes still waiting for the rest of a character print as U+FFFD. */
    public String finish() {
        StringBuilder out = new StringBuilder();
        drainBytes(true, out);
        if (!out.isEmpty()) {
            printedAnything = true;
        }
        return out.toString();
    }

    /** Whether bytes of an incomplete character are being held back. */
    public boolean hasPendingBytes() {
        return pendingSize > 0;
    }

    /** Appends the piece's text; returns whether it consumed the leading dummy-prefix {@code ▁}. */
    private boolean decodePiece(int id, StringBuilder out) {
        PieceType type = vocab.typeUnchecked(id);
        if (type == PieceType.CONTROL) {
            return false;
        }
        if (type == PieceType.UNKNOWN) {
            out.append(rules.unkSurface());
            return false;
        }
        String piece = vocab.piece(id);
        boolean consumed = false;
        if (isBosWs && (rules.addDummyPrefix() || rules.removeExtraWhitespaces())) {
            if (piece.startsWith("\u2581")) {
                piece = piece.substring(1);
                consumed = !rules.removeExtraWhitespaces();
            }
        }
        out.append(piece.replace('\u2581', ' '));
        return consumed;
    }

    /**
     * Prints the complete characters at the front of the pending bytes. With {@code end} (a
     * non-byte piece follows, or the stream ends) nothing more can arrive, so incomplete
     * characters are malformed; otherwise they wait.
     */
    private void drainBytes(boolean end, StringBuilder out) {
        int off = 0;
        while (off < pendingSize) {
            int need = Utf8.expectedLength(pending[off]);
            if (!end && pendingSize - off < need) {
                break;
            }
            int cp = Utf8.decode(pending, off, pendingSize);
            if (cp >= 0) {
                out.appendCodePoint(cp);
                off += need;
            } else {
                out.append('\uFFFD');
                off += 1;
            }
        }
        System.arraycopy(pending, off, pending, 0, pendingSize - off);
        pendingSize -= off;
    }
}
