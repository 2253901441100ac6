package org.scans.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The pieces of a tokenizer in id order, with their scores and types, and the lookups that
 * SentencePiece performs on them. Immutable and safe to share between threads.
 */
public final class Vocabulary {
    private final String[] pieces;
    private final byte[][] utf8;
    private final float[] scores;
    private final PieceType[] types;
    private final PieceIndex index;
    private final int[] byteIds = new int[256];
    private final int[] byteValue; // id -> byte value for BYTE pieces, else -1
    private final int unkId;
    private final int bosId;
    private final int eosId;
    private final int padId;
    private final boolean hasUnused;
    private final boolean hasUserDefined;

    /**
     * @param source    names the file in error messages
     * @param unkPiece  SentencePiece's trainer_spec names for the special pieces; bos/eos/pad
     *                  ids are -1 when the named piece is not a control piece (as in
     *                  {@code SentencePieceProcessor::bos_id})
     */
    Vocabulary(List<SentencePieceModel.Piece> list, String unkPiece, String bosPiece, String eosPiece,
            String padPiece, boolean byteFallback, String source) {
        int n = list.size();
        if (n == 0) {
            throw new TokenizerException(source + ": the vocabulary is empty (no pieces)");
        }
        pieces = new String[n];
        utf8 = new byte[n][];
        scores = new float[n];
        types = new PieceType[n];
        byteValue = new int[n];
        index = new PieceIndex(n);
        int unk = -1;
        boolean unused = false;
        boolean userDefined = false;
        for (int id = 0; id < n; id++) {
            SentencePieceModel.Piece p = list.get(id);
            pieces[id] = p.piece();
            utf8[id] = p.utf8();
            scores[id] = p.score();
            types[id] = p.type();
            byteValue[id] = -1;
            if (p.utf8().length == 0) {
                throw new TokenizerException(source + ": piece " + id + " is empty");
            }
            int e = index.intern(p.utf8());
            if (p.type().mergeable()) {
                if (index.mergeableId(e) >= 0) {
                    throw new TokenizerException(source + ": piece '" + p.piece() + "' is defined twice (ids "
                            + index.mergeableId(e) + " and " + id + ")");
                }
                index.setMergeableId(e, id);
            } else {
                if (index.reservedId(e) >= 0) {
                    throw new TokenizerException(source + ": piece '" + p.piece() + "' is defined twice (ids "
                            + index.reservedId(e) + " and " + id + ")");
                }
                index.setReservedId(e, id);
            }
            switch (p.type()) {
                case UNKNOWN -> {
                    if (unk >= 0) {
                        throw new TokenizerException(source + ": more than one unknown piece (ids " + unk + " and "
                                + id + ")");
                    }
                    unk = id;
                }
                case BYTE -> {
                    if (!byteFallback) {
                        throw new TokenizerException(source + ": byte piece " + p.piece()
                                + " found although byte_fallback is off");
                    }
                    int b = pieceToByte(p.piece());
                    if (b < 0) {
                        throw new TokenizerException(source + ": " + p.piece() + " (id " + id
                                + ") is not a valid byte piece");
                    }
                    byteValue[id] = b;
                }
                case UNUSED -> unused = true;
                case USER_DEFINED -> userDefined = true;
                default -> {
                }
            }
        }
        if (unk < 0) {
            throw new TokenizerException(source + ": the vocabulary has no unknown piece (" + unkPiece + ")");
        }
        unkId = unk;
        hasUnused = unused;
        hasUserDefined = userDefined;
        for (int b = 0; b < 256; b++) {
            byteIds[b] = pieceToId(byteToPiece(b));
        }
        bosId = controlId(bosPiece);
        eosId = controlId(eosPiece);
        padId = controlId(padPiece);
    }

    private int controlId(String piece) {
        int id = pieceToId(piece);
        return types[id] == PieceType.CONTROL ? id : -1;
    }

    private static final String HEX = "0123456789ABCDEF";

    static String byteToPiece(int b) {
        return String.format("<0x%02X>", b);
    }

    /** SentencePiece's {@code PieceToByte}: {@code <0xNN>} with exactly two upper-case hex digits. */
    static int pieceToByte(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int hi = HEX.indexOf(piece.charAt(3));
        int lo = HEX.indexOf(piece.charAt(4));
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    public int size() {
        return pieces.length;
    }

    public String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    public float score(int id) {
        checkId(id);
        return scores[id];
    }

    public PieceType type(int id) {
        checkId(id);
        return types[id];
    }

    /**
     * SentencePiece's {@code PieceToId}: the reserved (unknown, control, byte) id first, then the
     * normal one, else the unknown id.
     */
    public int pieceToId(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        return pieceToId(b, 0, b.length);
    }

    int pieceToId(byte[] buf, int off, int len) {
        int e = index.find(buf, off, len);
        if (e < 0) {
            return unkId;
        }
        int r = index.reservedId(e);
        return r >= 0 ? r : index.mergeableId(e);
    }

    /** The id of the piece among those BPE may build (normal, user-defined, unused), or -1. */
    int mergeableId(byte[] buf, int off, int len) {
        int e = index.find(buf, off, len);
        return e < 0 ? -1 : index.mergeableId(e);
    }

    /** The id of the exact string among all pieces, reserved first, or -1 (no unknown fallback). */
    public int find(String piece) {
        byte[] b = piece.getBytes(StandardCharsets.UTF_8);
        int e = index.find(b, 0, b.length);
        if (e < 0) {
            return -1;
        }
        int r = index.reservedId(e);
        return r >= 0 ? r : index.mergeableId(e);
    }

    /** Like {@link #find(String)} over a byte range. */
    int find(byte[] buf, int off, int len) {
        int e = index.find(buf, off, len);
        if (e < 0) {
            return -1;
        }
        int r = index.reservedId(e);
        return r >= 0 ? r : index.mergeableId(e);
    }

    /** Id emitted for one byte under byte fallback ({@code <0xNN>}, or unk if that piece is missing). */
    int byteId(int b) {
        return byteIds[b];
    }

    /** The byte a BYTE piece stands for, or -1. */
    int byteValue(int id) {
        return byteValue[id];
    }

    byte[] utf8(int id) {
        return utf8[id];
    }

    float scoreUnchecked(int id) {
        return scores[id];
    }

    PieceType typeUnchecked(int id) {
        return types[id];
    }

    public int unkId() {
        return unkId;
    }

    /** The BOS id, or -1 if the model has none. */
    public int bosId() {
        return bosId;
    }

    /** The EOS id, or -1 if the model has none. */
    public int eosId() {
        return eosId;
    }

    /** The padding id, or -1 (Llama-2 has none). */
    public int padId() {
        return padId;
    }

    boolean hasUnused() {
        return hasUnused;
    }

    boolean hasUserDefined() {
        return hasUserDefined;
    }

    void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new TokenizerException("token id " + id + " is out of range: the vocabulary has " + pieces.length
                    + " pieces (0.." + (pieces.length - 1) + ")");
        }
    }
}
