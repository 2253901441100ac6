package org.scans.tokenizer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * A Llama tokenizer: SentencePiece BPE with byte fallback, loaded from a {@code tokenizer.model}
 * or a Hugging Face {@code tokenizer.json}. Encoding without {@code special} equals
 * SentencePiece's {@code sp.encode(text)} to the id; decoding equals {@code sp.decode(ids)}.
 * Immutable and thread-safe.
 *
 * <p>Two encoding modes:
 * <ul>
 * <li><b>plain</b> ({@link #encode(String)}): the text is only text; a literal {@code <s>}
 * becomes {@code ▁<}, {@code s}, {@code >};</li>
 * <li><b>special</b> ({@link #encode(String, boolean)} with {@code true}): the literals of
 * control pieces ({@code <s>}, {@code </s>}) and of {@code <unk>} map to their ids and the
 * text between them is encoded chunk by chunk, each chunk with its own dummy prefix, as HF's
 * {@code LlamaTokenizer} (legacy) does. SCANS's templates begin with a literal {@code <s>},
 * which then yields id 1 followed by {@code ▁[} (518).</li>
 * </ul>
 */
public final class Tokenizer {
    /** A literal that encodes as one id, split out of the text before BPE. */
    record Literal(String text, int id, boolean lstrip, boolean rstrip) {
    }

    private final Vocabulary vocab;
    private final TextEncoder encoder;
    private final StreamingDecoder.DecodeRules decodeRules;
    private final String source;
    private final Literal[] specialLiterals; // special mode: these and the always-literals
    private final Literal[] alwaysLiterals; // both modes (non-special added tokens of tokenizer.json)

    private Tokenizer(Vocabulary vocab, TextEncoder encoder, StreamingDecoder.DecodeRules rules, List<Literal> special,
            List<Literal> always, String source) {
        this.vocab = vocab;
        this.encoder = encoder;
        this.decodeRules = rules;
        this.source = source;
        Comparator<Literal> longestFirst = Comparator.comparingInt((Literal l) -> -l.text().length());
        List<Literal> both = new ArrayList<>(special);
        both.addAll(always);
        this.specialLiterals = both.stream().sorted(longestFirst).toArray(Literal[]::new);
        this.alwaysLiterals = always.stream().sorted(longestFirst).toArray(Literal[]::new);
    }

    // ------------------------------------------------------------------------------------ load

    /**
     * Loads a tokenizer from a checkpoint directory (holding {@code tokenizer.model} and/or
     * {@code tokenizer.json}) or from one of those files. When a directory holds both, the
     * SentencePiece model is used, after checking that the two agree on every piece; when
     * {@code tokenizer.json} only adds tokens after the model's pieces, it is used instead (as
     * transformers would); any other disagreement is an error that says where.
     */
    public static Tokenizer load(Path path) {
        if (Files.isDirectory(path)) {
            Path model = path.resolve("tokenizer.model");
            Path json = path.resolve("tokenizer.json");
            boolean hasModel = Files.isRegularFile(model);
            boolean hasJson = Files.isRegularFile(json);
            if (hasModel && hasJson) {
                Tokenizer sp = fromSentencePiece(read(model), model.toString());
                Tokenizer hf = fromHuggingFaceJson(read(json), json.toString());
                Optional<String> diff = compareVocabularies(sp, hf);
                if (diff.isEmpty()) return sp;
                // Tokens added on top of the SentencePiece model (a fine-tune's <pad>) live only in
                // tokenizer.json, which is what transformers' AutoTokenizer reads.
                if (hf.vocab.size() > sp.vocab.size() && firstMismatch(sp.vocab, hf.vocab) < 0) return hf;
                throw new TokenizerException(path + ": tokenizer.model and tokenizer.json disagree on the vocabulary: "
                        + diff.get());
            } else if (hasModel) {
                return fromSentencePiece(read(model), model.toString());
            } else if (hasJson) {
                return fromHuggingFaceJson(read(json), json.toString());
            }
            throw new TokenizerException(path + ": no tokenizer.model or tokenizer.json in this directory");
        }
        if (!Files.exists(path)) {
            throw new TokenizerException(path + ": no such file or directory");
        }
        byte[] bytes = read(path);
        if (path.getFileName().toString().endsWith(".json")) {
            return fromHuggingFaceJson(bytes, path.toString());
        }
        return fromSentencePiece(bytes, path.toString());
    }

    /** Parses a serialized SentencePiece {@code ModelProto}; {@code source} names it in errors. */
    public static Tokenizer fromSentencePiece(byte[] bytes, String source) {
        SentencePieceModel model = SentencePieceModel.parse(bytes, source);
        SentencePieceModel.TrainerSpec t = model.trainer();
        if (t.modelType() != 2) {
            String name = switch (t.modelType()) {
                case 1 -> "unigram";
                case 3 -> "word";
                case 4 -> "char";
                default -> "type " + t.modelType();
            };
            throw new TokenizerException(source + ": SentencePiece model_type is " + name + "; only BPE is supported");
        }
        if (model.hasDenormalizerRules()) {
            throw new TokenizerException(source + ": denormalizer rules are not supported");
        }
        Vocabulary vocab = new Vocabulary(model.pieces(), t.unkPiece(), t.bosPiece(), t.eosPiece(), t.padPiece(),
                t.byteFallback(), source);
        SentencePieceBpe bpe = new SentencePieceBpe(vocab, model, source);
        List<Literal> special = new ArrayList<>();
        for (int id = 0; id < vocab.size(); id++) {
            PieceType type = vocab.typeUnchecked(id);
            if (type == PieceType.CONTROL || type == PieceType.UNKNOWN) {
                special.add(new Literal(vocab.piece(id), id, false, false));
            }
        }
        var rules = new StreamingDecoder.DecodeRules(model.normalizer().addDummyPrefix(),
                model.normalizer().removeExtraWhitespaces(), t.unkSurface());
        return new Tokenizer(vocab, bpe, rules, special, List.of(), source);
    }

    /** Parses a Hugging Face {@code tokenizer.json} (Llama-style BPE); {@code source} names it in errors. */
    public static Tokenizer fromHuggingFaceJson(byte[] bytes, String source) {
        HfTokenizerJson.Loaded l = HfTokenizerJson.parse(bytes, source);
        var rules = new StreamingDecoder.DecodeRules(l.addDummyPrefix(), false,
                SentencePieceModel.TrainerSpec.DEFAULT_UNK_SURFACE);
        return new Tokenizer(l.vocab(), l.encoder(), rules, l.special(), l.always(), source);
    }

    /** Reads a stream fully and parses it as {@code tokenizer.model} or {@code tokenizer.json}. */
    public static Tokenizer fromStream(InputStream in, boolean json, String source) {
        try {
            byte[] bytes = in.readAllBytes();
            return json ? fromHuggingFaceJson(bytes, source) : fromSentencePiece(bytes, source);
        } catch (IOException e) {
            throw new TokenizerException(source + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.AccessDeniedException e) {
            // The JDK's message for it is the path alone.
            throw new TokenizerException(p + ": permission denied", e);
        } catch (IOException e) {
            throw new TokenizerException(p + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Where two tokenizers' vocabularies first differ, or empty when they agree. */
    public static Optional<String> compareVocabularies(Tokenizer a, Tokenizer b) {
        Vocabulary va = a.vocab;
        Vocabulary vb = b.vocab;
        int n = Math.min(va.size(), vb.size());
        int id = firstMismatch(va, vb);
        if (id >= 0) {
            return Optional.of("id " + id + " is '" + va.piece(id) + "' in " + a.source + " but '" + vb.piece(id)
                    + "' in " + b.source);
        }
        if (va.size() != vb.size()) {
            Tokenizer longer = va.size() > vb.size() ? a : b;
            return Optional.of(a.source + " has " + va.size() + " pieces, " + b.source + " has " + vb.size()
                    + " (first extra: id " + n + " '" + longer.vocab.piece(n) + "')");
        }
        return Optional.empty();
    }

    /** The first id below both sizes whose pieces differ, or -1. */
    private static int firstMismatch(Vocabulary va, Vocabulary vb) {
        int n = Math.min(va.size(), vb.size());
        for (int id = 0; id < n; id++) {
            if (!va.piece(id).equals(vb.piece(id))) return id;
        }
        return -1;
    }

    // ---------------------------------------------------------------------------------- encode

    /** {@code sp.encode(text)}: plain mode, no BOS. */
    public int[] encode(String text) {
        return encode(text, false, false);
    }

    /** Plain ({@code special = false}) or special mode, no BOS. */
    public int[] encode(String text, boolean special) {
        return encode(text, false, special);
    }

    /**
     * @param bos     put the BOS id first
     * @param special map control-token literals in the text to their ids
     * @throws TokenizerException if the text holds an unpaired surrogate (it is not Unicode)
     */
    public int[] encode(String text, boolean bos, boolean special) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (bos) {
            if (vocab.bosId() < 0) {
                throw new TokenizerException(source + ": this tokenizer has no BOS piece");
            }
            out.add(vocab.bosId());
        }
        Literal[] literals = special ? specialLiterals : alwaysLiterals;
        if (literals.length == 0) {
            encodeChunk(text, true, out);
        } else {
            encodeWithLiterals(text, literals, out);
        }
        return out.toArray();
    }

    /** Encodes UTF-8 bytes; malformed UTF-8 is an error naming the offset. */
    public int[] encodeUtf8(byte[] utf8, boolean bos, boolean special) {
        return encode(Utf8.decodeStrict(utf8, "input"), bos, special);
    }

    private void encodeChunk(String chunk, boolean atStart, IntList out) {
        if (!chunk.isEmpty()) {
            encoder.encode(Utf8.encode(chunk), atStart, out);
        }
    }

    /** Splits out the literals (leftmost, then longest) and encodes the text between them. */
    private void encodeWithLiterals(String text, Literal[] literals, IntList out) {
        int chunkStart = 0;
        int i = 0;
        boolean stripNext = false;
        while (i < text.length()) {
            Literal hit = null;
            for (Literal l : literals) {
                if (text.startsWith(l.text(), i)) {
                    hit = l;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            int chunkEnd = i;
            if (hit.lstrip()) {
                while (chunkEnd > chunkStart && isRustWhitespace(text.charAt(chunkEnd - 1))) {
                    chunkEnd--;
                }
            }
            int from = stripNext ? skipWhitespace(text, chunkStart, chunkEnd) : chunkStart;
            encodeChunk(text.substring(from, chunkEnd), from == 0, out);
            out.add(hit.id());
            i += hit.text().length();
            chunkStart = i;
            stripNext = hit.rstrip();
        }
        int from = stripNext ? skipWhitespace(text, chunkStart, text.length()) : chunkStart;
        encodeChunk(text.substring(from), from == 0, out);
    }

    private static int skipWhitespace(String s, int from, int to) {
        while (from < to && isRustWhitespace(s.charAt(from))) {
            from++;
        }
        return from;
    }

    /** Unicode White_Space, which HF's lstrip/rstrip use (Rust's {@code char::is_whitespace}). */
    private static boolean isRustWhitespace(char c) {
        return (c >= '\t' && c <= '\r') || c == ' ' || c == '\u0085' || c == '\u00A0' || c == '\u1680'
                || (c >= '\u2000' && c <= '\u200A') || c == '\u2028' || c == '\u2029' || c == '\u202F'
                || c == '\u205F' || c == '\u3000';
    }

    // ---------------------------------------------------------------------------------- decode

    /** {@code sp.decode(ids)}. */
    public String decode(int... ids) {
        return decodeAll(streamingDecoder(), ids);
    }

    private static String decodeAll(StreamingDecoder d, int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.accept(id));
        }
        return sb.append(d.finish()).toString();
    }

    /** A fresh decoder for one stream of ids (e.g. the tokens of one generated answer). */
    public StreamingDecoder streamingDecoder() {
        return new StreamingDecoder(vocab, decodeRules);
    }

    /**
     * A decoder for ids a model produced: as {@link #streamingDecoder}, except that an id past the
     * last piece gives no text. A checkpoint may pad its embedding beyond its tokenizer
     * ({@code vocab_size} 32064 over 32000 pieces, say), and its model can then pick ids that no
     * piece spells; transformers' fast tokenizers skip them too. {@link #decode} stays strict.
     */
    public StreamingDecoder outputDecoder() {
        return new StreamingDecoder(vocab, decodeRules, true);
    }

    /** {@link #decode} for ids a model produced (see {@link #outputDecoder}). */
    public String decodeOutput(int... ids) {
        return decodeAll(outputDecoder(), ids);
    }

    /** The piece of an id as stored ({@code ▁} included), e.g. {@code "▁Sure"}. */
    public String piece(int id) {
        return vocab.piece(id);
    }

    /** The pieces of the ids, in order. */
    public List<String> pieces(int... ids) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            out.add(vocab.piece(id));
        }
        return out;
    }

    /** BOS id (1 for Llama), or -1 if the model has none. */
    public int bos() {
        return vocab.bosId();
    }

    /** EOS id (2 for Llama), or -1 if the model has none. */
    public int eos() {
        return vocab.eosId();
    }

    public int unk() {
        return vocab.unkId();
    }

    public int vocabSize() {
        return vocab.size();
    }

    public Vocabulary vocabulary() {
        return vocab;
    }

    /** The file this tokenizer was loaded from, as given to the loader. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return "Tokenizer[" + source + ", " + vocab.size() + " pieces]";
    }
}
