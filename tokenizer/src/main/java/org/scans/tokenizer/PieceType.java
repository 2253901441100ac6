package org.scans.tokenizer;

/** SentencePiece's {@code ModelProto.SentencePiece.Type}, with its wire numbers. */
public enum PieceType {
    NORMAL(1),
    UNKNOWN(2),
    CONTROL(3),
    USER_DEFINED(4),
    UNUSED(5),
    BYTE(6);

    private final int wire;

    PieceType(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    /** The type for a wire number, or {@code null} if the number is not one SentencePiece defines. */
    static PieceType ofWire(int wire) {
        for (PieceType t : values()) {
            if (t.wire == wire) {
                return t;
            }
        }
        return null;
    }

    /**
     * Whether SentencePiece keeps this piece in its merge table ({@code pieces_}): BPE may build
     * it. UNKNOWN, CONTROL and BYTE pieces live in {@code reserved_id_map_} and are never merged.
     */
    boolean mergeable() {
        return this == NORMAL || this == USER_DEFINED || this == UNUSED;
    }
}
