package org.scans.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a SentencePiece {@code ModelProto} ({@code tokenizer.model}) that change how
 * text is encoded or decoded. Field numbers follow {@code sentencepiece_model.proto}; unknown
 * fields are skipped, as protobuf does.
 *
 * @param pieces     the vocabulary in id order
 * @param trainer    the {@code TrainerSpec} fields that matter at inference time
 * @param normalizer the {@code NormalizerSpec}
 * @param hasDenormalizerRules whether {@code denormalizer_spec} carries rules (unsupported)
 */
public record SentencePieceModel(List<Piece> pieces, TrainerSpec trainer, NormalizerSpec normalizer,
        boolean hasDenormalizerRules) {

    public record Piece(String piece, byte[] utf8, float score, PieceType type) {
    }

    /**
     * @param modelType             1 unigram, 2 BPE, 3 word, 4 char (proto default: unigram)
     * @param byteFallback          unknown characters become {@code <0xNN>} pieces
     * @param splitDigits           training-only for BPE, kept for display
     * @param treatWhitespaceAsSuffix the dummy {@code ▁} goes at the end instead of the front
     * @param unkSurface            what {@code decode} writes for {@code <unk>}
     */
    public record TrainerSpec(int modelType, int vocabSize, boolean byteFallback, boolean splitDigits,
            boolean treatWhitespaceAsSuffix, boolean allowWhitespaceOnlyPieces, String unkSurface,
            String unkPiece, String bosPiece, String eosPiece, String padPiece) {
        public static final String DEFAULT_UNK_SURFACE = " \u2047 ";
    }

    /**
     * @param name                  e.g. {@code identity}, {@code nmt_nfkc}
     * @param precompiledCharsmap   the compiled normalization rules, empty for identity
     * @param addDummyPrefix        prepend {@code ▁} ("world" and "hello world" share "▁world")
     * @param removeExtraWhitespaces drop leading and trailing spaces and fold runs into one
     * @param escapeWhitespaces     write spaces as {@code ▁}
     */
    public record NormalizerSpec(String name, byte[] precompiledCharsmap, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    }

    /** Parses a serialized {@code ModelProto}; {@code source} names the file in error messages. */
    public static SentencePieceModel parse(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new TokenizerException(source + ": empty file, not a SentencePiece model");
        }
        ProtoReader r = new ProtoReader(bytes, 0, bytes.length, source);
        List<Piece> pieces = new ArrayList<>();
        TrainerSpec trainer = null;
        NormalizerSpec normalizer = null;
        boolean denormRules = false;
        while (r.hasMore()) {
            int field = r.nextField();
            switch (field) {
                case 1 -> {
                    if (r.wireType() != ProtoReader.LEN) {
                        throw r.corrupt("piece field has wire type " + r.wireType());
                    }
                    pieces.add(parsePiece(r.message(), pieces.size(), source));
                }
                case 2 -> {
                    if (r.wireType() != ProtoReader.LEN) {
                        throw r.corrupt("trainer_spec has wire type " + r.wireType());
                    }
                    trainer = parseTrainer(r.message());
                }
                case 3 -> {
                    if (r.wireType() != ProtoReader.LEN) {
                        throw r.corrupt("normalizer_spec has wire type " + r.wireType());
                    }
                    normalizer = parseNormalizer(r.message());
                }
                case 5 -> {
                    if (r.wireType() != ProtoReader.LEN) {
                        throw r.corrupt("denormalizer_spec has wire type " + r.wireType());
                    }
                    NormalizerSpec d = parseNormalizer(r.message());
                    denormRules = d.precompiledCharsmap().length > 0;
                }
                default -> r.skip();
            }
        }
        if (trainer == null) {
            trainer = parseTrainer(new ProtoReader(new byte[0], 0, 0, source));
        }
        if (normalizer == null) {
            normalizer = parseNormalizer(new ProtoReader(new byte[0], 0, 0, source));
        }
        return new SentencePieceModel(List.copyOf(pieces), trainer, normalizer, denormRules);
    }

    private static Piece parsePiece(ProtoReader r, int id, String source) {
        byte[] utf8 = null;
        float score = 0f;
        int type = PieceType.NORMAL.wire();
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 1 -> utf8 = r.bytes();
                case 2 -> score = r.float32();
                case 3 -> type = r.int32();
                default -> r.skip();
            }
        }
        if (utf8 == null) {
            throw new TokenizerException(source + ": corrupt SentencePiece model: piece " + id + " has no text");
        }
        PieceType t = PieceType.ofWire(type);
        if (t == null) {
            throw new TokenizerException(source + ": corrupt SentencePiece model: piece " + id
                    + " has unknown type " + type);
        }
        return new Piece(new String(utf8, java.nio.charset.StandardCharsets.UTF_8), utf8, score, t);
    }

    private static TrainerSpec parseTrainer(ProtoReader r) {
        int modelType = 1;
        int vocabSize = 8000;
        boolean byteFallback = false;
        boolean splitDigits = false;
        boolean suffix = false;
        boolean wsOnly = false;
        String unkSurface = TrainerSpec.DEFAULT_UNK_SURFACE;
        String unk = "<unk>";
        String bos = "<s>";
        String eos = "</s>";
        String pad = "<pad>";
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 3 -> modelType = r.int32();
                case 4 -> vocabSize = r.int32();
                case 35 -> byteFallback = r.bool();
                case 25 -> splitDigits = r.bool();
                case 24 -> suffix = r.bool();
                case 26 -> wsOnly = r.bool();
                case 44 -> unkSurface = r.string();
                case 45 -> unk = r.string();
                case 46 -> bos = r.string();
                case 47 -> eos = r.string();
                case 48 -> pad = r.string();
                default -> r.skip();
            }
        }
        return new TrainerSpec(modelType, vocabSize, byteFallback, splitDigits, suffix, wsOnly, unkSurface, unk,
                bos, eos, pad);
    }

    private static NormalizerSpec parseNormalizer(ProtoReader r) {
        String name = "";
        byte[] charsmap = new byte[0];
        boolean dummy = true;
        boolean removeExtra = true;
        boolean escape = true;
        while (r.hasMore()) {
            switch (r.nextField()) {
                case 1 -> name = r.string();
                case 2 -> charsmap = r.bytes();
                case 3 -> dummy = r.bool();
                case 4 -> removeExtra = r.bool();
                case 5 -> escape = r.bool();
                default -> r.skip();
            }
        }
        return new NormalizerSpec(name, charsmap, dummy, removeExtra, escape);
    }
}
