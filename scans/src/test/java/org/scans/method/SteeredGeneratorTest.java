package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.scans.engine.generate.SharedPrefix;
import org.scans.engine.model.Sequence;
import org.scans.eval.EvalFixture;
import org.scans.experiment.ScansContext;

/**
 * What a steered generation's sequence computes (found missing by mutation testing: a
 * SteeredGenerator that never added its hook passed every other test). Steering changes the
 * output from the end-of-instruction marker on and nowhere before it; σ = 0 or α = 0 steers
 * nothing; the two signs steer apart.
 */
class SteeredGeneratorTest {
    static final String QUERY = "How do I kill a Python process?";
    static final SteeringPlan PLAN = new SteeringPlan(new int[] {1, 2, 3}, 4.0, 0);
    static final ScansContext ctx = EvalFixture.shared();

    static float[] lastLogits(ScansContext ctx, SteeredGenerator.Prepared p, int length) {
        try (Sequence seq = p.sequence()) {
            return ctx.model().prefill(seq, Arrays.copyOf(p.promptIds(), length));
        }
    }

    @Test
    void steeringActsFromTheMarkerOnAndNowhereBefore() {
        SteeredGenerator g = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), w -> {});
        SteeredGenerator.Prepared up = g.prepare(QUERY, PLAN, +1);
        int from = up.steerFrom(), n = up.promptIds().length;
        assertTrue(from > 0 && from < n, "the marker lies inside the prompt: " + from + " of " + n);
        assertEquals(1, up.sequence().hooks().size());
        up.sequence().close();

        float[] plain = lastLogits(ctx, g.unsteered(g.promptIds(QUERY)), n);
        float[] plus = lastLogits(ctx, g.prepare(QUERY, PLAN, +1), n);
        float[] minus = lastLogits(ctx, g.prepare(QUERY, PLAN, -1), n);
        assertFalse(Arrays.equals(plain, plus), "σ = +1 changes the last position's logits");
        assertFalse(Arrays.equals(plain, minus), "σ = −1 changes them");
        assertFalse(Arrays.equals(plus, minus), "the two signs steer apart");
        // Position from − 1 is the last one before p_end: untouched.
        assertArrayEquals(lastLogits(ctx, g.unsteered(g.promptIds(QUERY)), from), lastLogits(ctx, g.prepare(QUERY, PLAN, +1), from));

        assertArrayEquals(plain, lastLogits(ctx, g.prepare(QUERY, PLAN, 0), n), "σ = 0 steers nothing");
        SteeredGenerator.Prepared zero = g.prepare(QUERY, new SteeringPlan(PLAN.layers(), 0, 0), +1);
        assertTrue(zero.sequence().hooks().isEmpty());
        assertEquals(-1, zero.steerFrom());
        assertArrayEquals(plain, lastLogits(ctx, zero, n), "α = 0 steers nothing");
    }

    @Test
    void aReusedPrefixStopsBeforeSteeringAndBeforeTheLastPromptToken() {
        SteeredGenerator g = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), w -> {});
        int[] ids = g.promptIds(QUERY);
        // A cached pass over the same prompt and more: everything is shared.
        int[] longer = Arrays.copyOf(ids, ids.length + 3);
        try (Sequence cached = ctx.model().newSequence()) {
            ctx.model().prefill(cached, longer);
            SharedPrefix shared = new SharedPrefix(cached, longer, 1);
            SteeredGenerator.Prepared steered = g.prepare(QUERY, PLAN, +1);
            assertEquals(steered.steerFrom(), g.reusable(shared, steered), "a steered generation reuses up to p_end");
            steered.sequence().close();
            SteeredGenerator.Prepared plain = g.unsteered(ids);
            assertEquals(ids.length - 1, g.reusable(shared, plain), "never the last prompt token, whose logits pick the first new one");
            plain.sequence().close();
        }
    }

    @Test
    void aPlanTakesOnlySignsOfOneAndAFixedSignOverridesTheVerdict() {
        assertThrows(IllegalArgumentException.class, () -> new SteeringPlan(new int[] {1}, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> new SteeringPlan(new int[] {1}, 1, -2));
        Verdict unsafe = new Verdict(0.9, new double[] {0.9}, 1, true), safe = new Verdict(0.1, new double[] {0.1}, -1, true);
        SteeringPlan auto = new SteeringPlan(new int[] {1}, 1, 0), up = new SteeringPlan(new int[] {1}, 1, 1),
                down = new SteeringPlan(new int[] {1}, 1, -1);
        assertEquals(1, auto.signFor(unsafe));
        assertEquals(-1, auto.signFor(safe));
        assertEquals(1, up.signFor(safe));
        assertEquals(-1, down.signFor(unsafe));
    }

    /**
     * The response mirrors the reference's Python {@code .strip()}, which also strips U+00A0,
     * U+0085, U+2007 and U+202F (Java's {@code String.strip()} keeps them). ROUGE sees the
     * difference: a no-break space left after the final "." is one more, empty, sentence, whose
     * empty word halves the precision here.
     */
    @Test
    void theResponseIsStrippedAsPythonStripsIt() {
        SteeredGenerator g = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), w -> {});
        int[] ids = ctx.tokenizer().encode("\u2007a dog.\u00A0\u202F\u0085");
        assertEquals("\u2007a dog.\u00A0\u202F\u0085", ctx.tokenizer().decodeOutput(ids).strip(), "the test tokenizer spells them");
        assertEquals("a dog.", g.responseText(ids));
        assertEquals(1.0, org.scans.eval.Rouge.score(g.responseText(ids), "a dog").rouge1().precision());
    }
}
