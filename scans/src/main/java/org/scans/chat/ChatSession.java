package org.scans.chat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.Generator;
import org.scans.engine.generate.StopReason;
import org.scans.engine.generate.TokenListener;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;
import org.scans.method.ClassifierSettings;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.ScansVectors;
import org.scans.method.SteeredGenerator;
import org.scans.method.SteeringHook;
import org.scans.method.Verdict;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.Message;

/**
 * A multi-turn conversation with SCANS steering, without any I/O. Each user message is classified
 * on its own (the classification template, as SCANS does for a query); the whole dialogue is then
 * rendered with the chat template and answered, steered on the steering layers from the last prompt
 * token (the end of the last instruction) on; the state is rebuilt each turn, so earlier turns are
 * never steered twice: a turn keeps its KV cache, and the next one runs only what comes after
 * the tokens the two dialogues share, up to where the last turn's steering began (the first turn
 * starts from its message's classification pass the same way). Generation is the
 * reference's: greedy, repetition penalty 1.1, stop at EOS (and at BOS, which small story models
 * emit between documents).
 */
public final class ChatSession {
    /** How the steering sign is chosen. */
    public enum Steer {
        /** SCANS: away from refusal for messages judged safe, toward it for unsafe ones. */
        AUTO,
        /** Always, with a fixed sign. */
        ON,
        /** Never. */
        OFF;

        public String id() {
            return org.scans.experiment.Json.id(this);
        }
    }

    /**
     * One exchange and how it was produced.
     *
     * @param cachedTokens prompt tokens taken from a kept KV cache (the previous turn's, or the
     *     message's classification pass) instead of being run again
     */
    public record Turn(String user, String assistant, Verdict verdict, String mode, int sign, double alpha, int[] layers,
                       int steerFrom, int promptTokens, int cachedTokens, int tokens, double seconds, double tokensPerSecond, String stop) {}

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final ScansVectors vectors;
    private final HarmfulnessClassifier classifier;
    private final String system;
    private final int maxNewTokens;
    private final Consumer<String> notes;
    private final List<Turn> turns = new ArrayList<>();
    private Steer steer = Steer.AUTO;
    private int fixedSign = -1;
    private double alpha;
    private int[] layers;
    private String lastUser;
    private Verdict lastVerdict;
    /**
     * The last turn's sequence, the ids its cache holds, and how many of its first positions are
     * unsteered: the next dialogue begins with the same tokens up to the last answer, so those
     * positions need not run again (each turn steers only from its own p_end, so positions
     * that the last turn steered are never reused).
     */
    private Sequence kept;
    private int[] keptIds;
    private int keptUnsteered;

    public ChatSession(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, ScansVectors vectors, ClassifierSettings classifier,
                       int[] layers, double alpha, String system, int maxNewTokens, Consumer<String> notes) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.vectors = vectors;
        this.classifier = new HarmfulnessClassifier(model, tokenizer, template, vectors, classifier, notes);
        this.layers = layers.clone();
        this.alpha = alpha;
        this.system = system;
        this.maxNewTokens = maxNewTokens;
        this.notes = notes;
    }

    /**
     * Answers {@code user}, streaming each generated id to {@code listener}. When the dialogue no
     * longer fits the context, the oldest exchanges are dropped first (with a note).
     */
    public Turn send(String user, TokenListener listener) {
        int context = model.config().maxPositions();
        int classification = template.classification(user).encode(tokenizer).length;
        if (classification > context) {
            // Refused before any pass: the session, and the dialogue kept so far, go on.
            throw new IllegalArgumentException("the message takes " + classification + " tokens in the classifier's input; the model's context is "
                    + context);
        }
        // With nothing kept from an earlier turn, the message's classification pass can start the
        // answer: without a system prompt its input is the dialogue's tokens plus "Sure".
        HarmfulnessClassifier.Classification classified = classifier.classifyInGroups(List.of(user), List.of(0),
                kept == null ? (q, ids, seq) -> true : HarmfulnessClassifier.CacheKeeper.NONE).get(0);
        Verdict v = classified.verdict();
        if (classified.cache() != null) keep(classified.cache(), classified.ids(), new int[0], -1); // unsteered throughout
        lastUser = user;
        lastVerdict = v;
        List<Message> dialogue = new ArrayList<>();
        for (Turn t : turns) {
            dialogue.add(Message.user(t.user()));
            dialogue.add(Message.assistant(t.assistant()));
        }
        dialogue.add(Message.user(user));
        int[] ids = template.render(system, dialogue).encode(tokenizer);
        int dropped = 0;
        // Room for a whole answer of --max-new-tokens (an exchange kept at its cost would cut the
        // answer short), up to half the context: beyond that, dropping would leave no dialogue.
        int reserve = Math.min(maxNewTokens, context / 2);
        while (ids.length + reserve > context && dialogue.size() > 1) {
            dialogue.subList(0, 2).clear();
            dropped++;
            ids = template.render(system, dialogue).encode(tokenizer);
        }
        if (dropped > 0) notes.accept("dropped the " + dropped + " oldest exchange" + (dropped == 1 ? "" : "s") + " to fit the model's context of "
                + context + " tokens");
        if (ids.length >= context) {
            throw new IllegalArgumentException("the message takes " + ids.length + " tokens; the model's context is " + context);
        }
        int sign = switch (steer) {
            case AUTO -> v.sigma();
            case ON -> fixedSign;
            case OFF -> 0;
        };
        int cached = reusable(ids);
        Sequence seq;
        if (cached > 0) {
            seq = kept;
            seq.truncate(cached);
            seq.clearHooks();
        } else {
            seq = model.newSequence();
            forget();
        }
        kept = null;
        int from = -1;
        if (sign != 0 && alpha != 0) {
            // p_end: the rendered dialogue ends with the last instruction's marker ("[/INST]", "ASSISTANT:"), so its
            // last token is where SCANS starts steering; Vicuna's rendered turns lack the "\n" of SCANS's marker.
            from = ids.length - 1;
            seq.addHook(new SteeringHook(vectors, layers, alpha, sign, from));
        }
        int budget = Math.min(maxNewTokens, context - ids.length);
        GenerationConfig config = SteeredGenerator.referenceConfig(budget)
                .withStopIds(tokenizer.bos() >= 0 ? Set.of(tokenizer.bos()) : Set.of());
        long t0 = System.nanoTime();
        Generation g;
        try {
            g = new Generator(model).generate(seq, ids, cached, config, listener);
        } catch (RuntimeException e) {
            seq.close();
            throw e;
        }
        keep(seq, ids, g.ids(), from);
        double seconds = (System.nanoTime() - t0) / 1e9;
        int[] answerIds = g.ids();
        if (answerIds.length > 0 && (answerIds[answerIds.length - 1] == tokenizer.eos() || answerIds[answerIds.length - 1] == tokenizer.bos())) {
            answerIds = Arrays.copyOf(answerIds, answerIds.length - 1);
        }
        String answer = tokenizer.decodeOutput(answerIds).strip();
        StopReason reason = g.reason();
        if (reason == StopReason.MAX_TOKENS && budget < maxNewTokens) {
            // The message alone leaves less than --max-new-tokens: the answer ended at the context.
            reason = StopReason.CONTEXT_LIMIT;
            notes.accept("the answer stopped at the model's context of " + context + " tokens: the dialogue took " + ids.length
                    + ", leaving " + budget + " of --max-new-tokens " + maxNewTokens);
        }
        Turn turn = new Turn(user, answer, v, steer.id(), sign, alpha, layers.clone(), from, ids.length, cached, g.ids().length, seconds,
                g.decodeTokensPerSecond() > 0 ? g.decodeTokensPerSecond() : g.ids().length / Math.max(seconds, 1e-9),
                org.scans.experiment.Json.id(reason));
        turns.add(turn);
        return turn;
    }

    /** How many of {@code ids}' first tokens the kept sequence holds unsteered; never the last one. */
    private int reusable(int[] ids) {
        if (kept == null) return 0;
        int common = Arrays.mismatch(keptIds, ids);
        if (common < 0) common = ids.length;
        return Math.min(Math.min(common, keptUnsteered), ids.length - 1);
    }

    /**
     * Keeps a sequence for the next dialogue to start from: it holds {@code prompt} and every
     * {@code generated} id but the last (never fed back).
     */
    private void keep(Sequence seq, int[] prompt, int[] generated, int steerFrom) {
        int[] held = Arrays.copyOf(prompt, seq.length());
        System.arraycopy(generated, 0, held, prompt.length, seq.length() - prompt.length);
        kept = seq;
        keptIds = held;
        keptUnsteered = steerFrom >= 0 ? steerFrom : held.length;
    }

    /** Frees the kept sequence's KV cache. */
    private void forget() {
        if (kept != null) kept.close();
        kept = null;
    }

    /** c(q) and σ of the last user message, or null before the first one. */
    public Verdict lastVerdict() {
        return lastVerdict;
    }

    public String lastUser() {
        return lastUser;
    }

    public void reset() {
        forget();
        turns.clear();
        lastUser = null;
        lastVerdict = null;
    }

    public List<Turn> turns() {
        return List.copyOf(turns);
    }

    public Steer steer() {
        return steer;
    }

    /** @param sign used by {@link Steer#ON}: +1 toward refusal, −1 away from it */
    public void steer(Steer mode, int sign) {
        if (sign != 1 && sign != -1) throw new IllegalArgumentException("the steering sign must be +1 or -1");
        this.steer = mode;
        this.fixedSign = sign;
    }

    public int fixedSign() {
        return fixedSign;
    }

    public double alpha() {
        return alpha;
    }

    public void alpha(double a) {
        if (!Double.isFinite(a)) throw new IllegalArgumentException("α must be a number");
        this.alpha = a;
    }

    public int[] layers() {
        return layers.clone();
    }

    public void layers(int[] l) {
        if (l.length == 0) throw new IllegalArgumentException("give at least one steering layer");
        this.layers = l.clone();
    }

    public ClassifierSettings classifier() {
        return classifier.settings();
    }

    public String system() {
        return system;
    }

    public ChatTemplate template() {
        return template;
    }

    public int layerCount() {
        return model.config().numLayers();
    }
}
