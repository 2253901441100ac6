package org.scans.method;

import java.util.Set;
import java.util.function.Consumer;
import org.scans.data.PythonText;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.SharedPrefix;
import org.scans.engine.generate.Generator;
import org.scans.engine.generate.TokenListener;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.Sequence;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.ChatTemplate;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * Generation from a query's generation prompt, steered or not (SCANS.md §6): greedy with the
 * repetition penalty 1.1 and 256 new tokens by default; the response is the decoded new tokens,
 * stripped. Steering state lives in a fresh sequence per query.
 */
public final class SteeredGenerator {
    /** The reference's generation settings. */
    public static GenerationConfig referenceConfig(int maxNewTokens) {
        return new GenerationConfig(maxNewTokens, 0f, 0, 1f, 1.1f, 0L, Set.of(), true);
    }

    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate template;
    private final MarkerFinder marker;
    private final ScansVectors vectors;
    private final Consumer<String> warnings;
    private final boolean lastIfNoMarker;

    public SteeredGenerator(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, ScansVectors vectors,
                            Consumer<String> warnings) {
        this(model, tokenizer, template, vectors, Fix.none(), warnings);
    }

    public SteeredGenerator(LlamaModel model, Tokenizer tokenizer, ChatTemplate template, ScansVectors vectors,
                            java.util.Set<Fix> fixes, Consumer<String> warnings) {
        this.lastIfNoMarker = fixes.contains(Fix.STEER_LAST_IF_NO_MARKER);
        this.model = model;
        this.tokenizer = tokenizer;
        this.template = template;
        this.marker = MarkerFinder.of(tokenizer, template);
        this.vectors = vectors;
        this.warnings = warnings;
    }

    /** One response: the text, the ids, and the position steering started from. */
    public record Response(String text, int[] promptIds, Generation generation, int steerFrom) {}

    /** The generation prompt's ids and p_end (−1 with a warning when the marker is missing). */
    public int[] promptIds(String query) {
        return template.generation(query).encode(tokenizer);
    }

    public int steerFrom(int[] promptIds, String query) {
        int p = marker.lastEnd(promptIds);
        if (p < 0 && lastIfNoMarker) {
            warnings.accept("end-of-instruction marker not found in the generation prompt of " + Quote.of(query)
                    + "; steering from the last prompt token (--fix steer-last-if-no-marker)");
            return promptIds.length - 1;
        }
        if (p < 0) warnings.accept("end-of-instruction marker not found in the generation prompt of " + Quote.of(query)
                + "; steering every position (as the reference does)");
        return p;
    }

    /** Generates for {@code query}; {@code sign} 0 means no steering. */
    public Response generate(String query, SteeringPlan plan, int sign, GenerationConfig config, TokenListener listener) {
        Prepared p = prepare(query, plan, sign);
        try (Sequence seq = p.sequence()) {
            Generation g = new Generator(model).generate(seq, p.promptIds(), config, listener);
            return new Response(responseText(g.ids()), p.promptIds(), g, p.steerFrom());
        }
    }

    /**
     * A fresh sequence for {@code query}'s generation, steered with {@code sign} (0: not steered),
     * and the position steering starts from (−1 when not steered or the marker is missing).
     */
    public record Prepared(int[] promptIds, Sequence sequence, int steerFrom) {}

    public Prepared prepare(String query, SteeringPlan plan, int sign) {
        int[] ids = promptIds(query);
        Sequence seq = model.newSequence();
        int from = -1;
        if (sign != 0 && plan != null && plan.alpha() != 0) {
            from = steerFrom(ids, query);
            seq.addHook(new SteeringHook(vectors, plan.layers(), plan.alpha(), sign, from));
        }
        return new Prepared(ids, seq, from);
    }

    /** A fresh, unsteered sequence for prompt ids already encoded (the baseline beside a steered answer). */
    public Prepared unsteered(int[] promptIds) {
        return new Prepared(promptIds, model.newSequence(), -1);
    }

    /**
     * How many leading positions of {@code p}'s prompt an unsteered pass over {@code cached}
     * left as this generation would compute them: the tokens the two share, up to where
     * steering starts (none when it steers every position), and never the last prompt token,
     * whose logits choose the first new token (SCANS.md §11).
     */
    public int reusable(SharedPrefix cached, Prepared p) {
        boolean steered = !p.sequence().hooks().isEmpty();
        int limit = steered ? Math.max(0, p.steerFrom()) : p.promptIds().length - 1;
        return Math.min(Math.min(cached.commonLength(p.promptIds()), limit), p.promptIds().length - 1);
    }

    /**
     * Decoded new tokens, stripped as the reference's Python {@code .strip()} strips them (an EOS
     * at the end decodes to nothing). Java's {@code strip()} would keep a no-break space, which
     * after a final "." is one more sentence, and one more word, to XSum's ROUGE.
     */
    public String responseText(int[] generated) {
        return PythonText.strip(tokenizer.decodeOutput(generated));
    }
}
