package org.scans.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SamplerTest {
    static GenerationConfig sampling(float temperature, int topK, float topP, long seed) {
        return new GenerationConfig(10, temperature, topK, topP, 1f, seed, Set.of(), true);
    }

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeLogitsOfSeenIds() {
        Sampler s = new Sampler(GenerationConfig.greedy(1).withRepetitionPenalty(2f), 4);
        s.observe(new int[] {0, 1, 1, 3});
        float[] logits = {2f, -2f, 1f, 0f};
        s.applyRepetitionPenalty(logits, 2f);
        // Each id once, however often it occurred; 0 stays 0; unseen id 2 untouched.
        assertArrayEquals(new float[] {1f, -4f, 1f, 0f}, logits);
    }

    @Test
    void penaltyCanChangeTheGreedyChoice() {
        Sampler s = new Sampler(GenerationConfig.greedy(1).withRepetitionPenalty(1.1f), 3);
        s.observe(0);
        // 1.05 / 1.1 < 1.0, so id 1 wins once id 0 is penalised.
        assertEquals(1, s.sample(new float[] {1.05f, 1.0f, -3f}));
    }

    @Test
    void greedyBreaksTiesTowardTheLowestId() {
        assertEquals(1, Sampler.argmax(new float[] {0f, 5f, 5f, 1f}));
        assertEquals(2, new Sampler(sampling(0.7f, 1, 1f, 1), 4).sample(new float[] {0f, 1f, 5f, 5f}));
    }

    @Test
    void samplingIsReproducibleFromTheSeed() {
        float[] logits = {1f, 2f, 3f, 0.5f, 2.5f};
        int[] a = new int[50], b = new int[50];
        Sampler s1 = new Sampler(sampling(1f, 0, 1f, 123), 5), s2 = new Sampler(sampling(1f, 0, 1f, 123), 5);
        for (int i = 0; i < 50; i++) {
            a[i] = s1.sample(logits.clone());
            b[i] = s2.sample(logits.clone());
        }
        assertArrayEquals(a, b);
    }

    @Test
    void temperatureSamplingFollowsTheSoftmax() {
        // p = (1/4, 3/4); 20000 draws with a fixed seed.
        Sampler s = new Sampler(sampling(1f, 0, 1f, 7), 2);
        int ones = 0;
        for (int i = 0; i < 20000; i++) ones += s.sample(new float[] {0f, (float) Math.log(3)});
        double f = ones / 20000.0;
        assertTrue(f > 0.74 && f < 0.76, "fraction " + f);
    }

    @Test
    void topKAndTopPRestrictTheCandidates() {
        float[] logits = {3f, 2.9f, 0f, -1f, -5f};
        Sampler k2 = new Sampler(sampling(5f, 2, 1f, 1), 5);
        for (int i = 0; i < 200; i++) assertTrue(k2.sample(logits.clone()) <= 1);
        // probabilities ≈ (.50, .45, .03, .01, ...): top-p 0.5 keeps the first token only.
        Sampler p = new Sampler(sampling(1f, 0, 0.5f, 1), 5);
        for (int i = 0; i < 200; i++) assertEquals(0, p.sample(logits.clone()));
        // top-p 0.9 keeps the first two.
        Sampler p9 = new Sampler(sampling(1f, 0, 0.9f, 1), 5);
        boolean sawOne = false;
        for (int i = 0; i < 200; i++) {
            int id = p9.sample(logits.clone());
            assertTrue(id <= 1);
            sawOne |= id == 1;
        }
        assertTrue(sawOne);
    }

    /** A temperature near 0 is the greedy limit, even where logit / T overflows float. */
    @Test
    void aTinyTemperaturePicksTheLargestLogit() {
        for (float t : new float[] {Float.MIN_VALUE, 1e-45f, 1e-38f, 1e-30f}) {
            for (long seed = 0; seed < 20; seed++) {
                assertEquals(1, new Sampler(sampling(t, 0, 1f, seed), 5).sample(new float[] {0.5f, 3f, 1f, 2.9f, -1f}), "T " + t);
                assertEquals(2, new Sampler(sampling(t, 0, 1f, seed), 4).sample(new float[] {-3f, -1.5f, -1f, -2f}), "T " + t);
                assertEquals(0, new Sampler(sampling(t, 3, 0.9f, seed), 4).sample(new float[] {7f, 6.5f, -20f, 6.9f}), "T " + t);
            }
        }
    }

    /** Ordinary temperatures divide as before, so seeded samples do not move. */
    @Test
    void anOrdinaryTemperatureOnlyDivides() {
        float[] logits = {1.3f, -2.7f, 0.01f, 12.5f, -30f, 7f};
        for (float t : new float[] {0.1f, 0.7f, 1f, 1.5f, 100f}) {
            float[] scaled = logits.clone();
            Sampler.scale(scaled, t);
            for (int i = 0; i < logits.length; i++) assertEquals(logits[i] / t, scaled[i]);
        }
        // Overflowing: the largest maps to 0, the rest below it.
        float[] tiny = logits.clone();
        Sampler.scale(tiny, 1e-40f);
        assertEquals(0f, tiny[3]);
        for (int i = 0; i < tiny.length; i++) assertTrue(i == 3 || tiny[i] < 0, "index " + i + ": " + tiny[i]);
    }

    /** The ids a sampler draws from {@code logits} in 2000 draws. */
    static Set<Integer> support(GenerationConfig config, float[] logits) {
        Sampler s = new Sampler(config, logits.length);
        Set<Integer> ids = new TreeSet<>();
        for (int i = 0; i < 2000; i++) ids.add(s.sample(logits.clone()));
        return ids;
    }

    /**
     * Hugging Face's boundaries, which an audit against transformers' TopK/TopP warpers found we
     * share: a token survives top-k when its logit equals the k-th largest, and top-p drops a token
     * as soon as the mass before it reaches top-p exactly (HF removes cumulative ascending mass
     * {@code <= 1 - top_p}). Four equal logits hold 0.25 each, exactly.
     */
    @Test
    void topKKeepsTiesAndTopPCutsWhereTheMassBeforeReachesP() {
        assertEquals(Set.of(0, 1, 2, 4), support(sampling(1f, 2, 1f, 3), new float[] {3f, 2f, 2f, 1f, 2f}));
        float[] flat = {0f, 0f, 0f, 0f};
        assertEquals(2, support(sampling(1f, 0, 0.5f, 3), flat).size());
        assertEquals(3, support(sampling(1f, 0, 0.75f, 3), flat).size());
        assertEquals(4, support(sampling(1f, 0, 0.76f, 3), flat).size());
    }

    /**
     * Hugging Face's order: temperature, then top-k, then top-p on the distribution top-k
     * renormalised. Each case keeps one token only in that order and two in any other.
     */
    @Test
    void temperatureThenTopKThenTopPOnTheRenormalisedMass() {
        float[] fourThreeThree = {(float) Math.log(4), (float) Math.log(3), (float) Math.log(2.9)};
        // p = (.40, .30, .29); after top-k 2, (.57, .43): top-p .55 stops after the first.
        assertEquals(Set.of(0), support(sampling(1f, 2, 0.55f, 5), fourThreeThree));
        float[] threeToOne = {(float) Math.log(3), 0f};
        // p = (.75, .25) at T 1, keeps both under top-p .8; (.9, .1) at T .5 keeps the first.
        assertEquals(Set.of(0, 1), support(sampling(1f, 0, 0.8f, 5), threeToOne));
        assertEquals(Set.of(0), support(sampling(0.5f, 0, 0.8f, 5), threeToOne));
    }

    @Test
    void badSettingsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> sampling(-1f, 0, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> sampling(1f, -1, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> sampling(1f, 0, 0f, 0));
        assertThrows(IllegalArgumentException.class, () -> sampling(1f, 0, 1.5f, 0));
        assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(-1));
        assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).withRepetitionPenalty(0f));
    }
}
