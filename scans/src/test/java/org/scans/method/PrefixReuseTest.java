package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scans.engine.generate.BatchGenerator;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.GenerationConfig;
import org.scans.engine.generate.SharedPrefix;
import org.scans.eval.EvalFixture;
import org.scans.experiment.ScansContext;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * Generations that start from their query's classification pass (SCANS.md §11) give the answers
 * generated from scratch, steered either way and unsteered, on the bundled model with the
 * Llama-2 templates; they copy everything before p_end; the budget bounds what is kept; kept
 * caches are freed once the generations have taken them.
 */
class PrefixReuseTest {
    static ScansContext ctx;
    static HarmfulnessClassifier classifier;
    static SteeredGenerator generator;

    @BeforeAll
    static void open() {
        ctx = EvalFixture.shared();
        classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(), w -> {});
        generator = new SteeredGenerator(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), w -> {});
    }


    static final List<String> QUERIES = ClassificationGroupsTest.prompts(20);
    static final GenerationConfig CONFIG = SteeredGenerator.referenceConfig(24);

    /** Steered (signs alternating) and baseline generations of every query, from kept passes or from scratch. */
    static List<Generation> generate(Map<Integer, HarmfulnessClassifier.Classification> classified, PrefixReuse reuse, List<Integer> copied) {
        SteeringPlan plan = new SteeringPlan(ctx.preset().steeringLayers(), 3.5, 0);
        List<BatchGenerator.Request> requests = new ArrayList<>();
        for (int i = 0; i < QUERIES.size(); i++) {
            SteeredGenerator.Prepared steered = generator.prepare(QUERIES.get(i), plan, i % 2 == 0 ? 1 : -1);
            SteeredGenerator.Prepared base = generator.unsteered(steered.promptIds());
            SharedPrefix shared = reuse.share(classified.get(i), 2);
            for (SteeredGenerator.Prepared p : List.of(steered, base)) {
                BatchGenerator.Request r = reuse.request(shared, p, CONFIG, null, null);
                copied.add(r.prefixLength());
                requests.add(r);
            }
        }
        return new BatchGenerator(ctx.model(), 8).generate(requests);
    }

    @Test
    void generationsFromKeptPassesAreTheGenerationsFromScratch() {
        List<Integer> all = IntStream.range(0, QUERIES.size()).boxed().toList();
        List<Generation> fresh, reused;
        List<Integer> none = new ArrayList<>(), copied = new ArrayList<>();
        try (PrefixReuse off = new PrefixReuse(generator, QUERIES, 0)) {
            var classified = classifier.classifyInGroups(QUERIES, all, off.keeper());
            classified.values().forEach(c -> assertNull(c.cache(), "a budget of 0 keeps nothing"));
            fresh = generate(classified, off, none);
        }
        List<HarmfulnessClassifier.Classification> kept;
        try (PrefixReuse on = new PrefixReuse(generator, QUERIES, Long.MAX_VALUE)) {
            var classified = classifier.classifyInGroups(QUERIES, all, on.keeper());
            kept = List.copyOf(classified.values());
            Map<Integer, Verdict> plain = classifier.classifyInGroups(QUERIES, all);
            for (int i : all) {
                assertNotNull(classified.get(i).cache(), "query " + i + " kept");
                assertEquals(plain.get(i).score(), classified.get(i).verdict().score(), 0.0, "keeping does not change the verdict");
            }
            reused = generate(classified, on, copied);
        }
        MarkerFinder marker = MarkerFinder.of(ctx.tokenizer(), ctx.template());
        for (int i = 0; i < QUERIES.size(); i++) {
            int[] prompt = generator.promptIds(QUERIES.get(i));
            int pEnd = marker.lastEnd(prompt);
            assertEquals(prompt.length - 1, pEnd);
            assertEquals(0, none.get(2 * i));
            assertEquals(pEnd, copied.get(2 * i), "query " + i + ": steered, everything before p_end copied");
            assertEquals(pEnd, copied.get(2 * i + 1), "query " + i + ": baseline, all but the last prompt token copied");
            assertArrayEquals(fresh.get(2 * i).ids(), reused.get(2 * i).ids(), "query " + i + " steered");
            assertArrayEquals(fresh.get(2 * i + 1).ids(), reused.get(2 * i + 1).ids(), "query " + i + " baseline");
            assertEquals(0, kept.get(i).cache().cache().capacity(), "query " + i + ": the kept pass is freed");
        }
    }

    @Test
    void theBudgetBoundsWhatIsKept() {
        List<Integer> all = IntStream.range(0, 16).boxed().toList();
        long one;
        try (PrefixReuse probe = new PrefixReuse(generator, QUERIES, Long.MAX_VALUE)) {
            var c = classifier.classifyInGroups(QUERIES, List.of(0), probe.keeper()).get(0);
            one = c.cache().cache().bytes();
        }
        try (PrefixReuse reuse = new PrefixReuse(generator, QUERIES, 3 * one)) {
            var classified = classifier.classifyInGroups(QUERIES, all, reuse.keeper());
            long kept = classified.values().stream().filter(c -> c.cache() != null).count();
            org.junit.jupiter.api.Assertions.assertTrue(kept >= 1 && kept <= 3, kept + " kept within three first prompts' worth");
            List<HarmfulnessClassifier.Classification> held = classified.values().stream().filter(c -> c.cache() != null).toList();
            for (var c : held) reuse.share(c, 1);
            reuse.close();
            for (var c : held) assertEquals(0, c.cache().cache().capacity(), "closing frees what no generation took");
        }
    }
}
