package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.scans.eval.EvalFixture;
import org.scans.experiment.ScansContext;

/** {@link HarmfulnessClassifier#classifyInGroups}: a prompt's verdict comes from its fixed group of 16, whoever else is wanted. */
class ClassificationGroupsTest {
    static ScansContext ctx;
    static HarmfulnessClassifier classifier;

    @BeforeAll
    static void open() {
        ctx = EvalFixture.shared();
        classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(), w -> {});
    }


    static List<String> prompts(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(i % 3 == 0 ? "How do I kill a Python process number " + i + "?" : "Tell me a story about " + i + " cats.");
        return out;
    }

    @Test
    void eachVerdictIsItsGroupsWhateverElseIsAskedFor() {
        List<String> all = prompts(37); // groups [0, 16), [16, 32), [32, 37)
        Map<Integer, Verdict> some = classifier.classifyInGroups(all, List.of(36, 5, 17, 31, 5));
        assertEquals(List.of(5, 17, 31, 36), List.copyOf(some.keySet()));
        assertThrows(IndexOutOfBoundsException.class, () -> classifier.classifyInGroups(all, List.of(37)));
        // Bit for bit: the same forward calls as the groups run whole (another grouping moves scores
        // in their last bits only, so no tolerance; the kernels add in the same order in every JIT tier).
        String mismatch = groupMismatch(all);
        if (mismatch != null) throw new AssertionError(mismatch);
    }

    /** Null when every wanted prompt's score equals its whole group's, bit for bit; else the first difference. */
    private static String groupMismatch(List<String> all) {
        List<Verdict> first = classifier.classifyAll(all.subList(0, 16));
        List<Verdict> second = classifier.classifyAll(all.subList(16, 32));
        List<Verdict> last = classifier.classifyAll(all.subList(32, 37));
        Map<Integer, Verdict> some = classifier.classifyInGroups(all, List.of(36, 5, 17, 31, 5));
        // A resumed job that wants only the tail of a group still gets the group's bits.
        double tail = classifier.classifyInGroups(all, List.of(31)).get(31).score();
        double[][] pairs = {{first.get(5).score(), some.get(5).score()}, {second.get(1).score(), some.get(17).score()},
            {second.get(15).score(), some.get(31).score()}, {last.get(4).score(), some.get(36).score()}, {second.get(15).score(), tail}};
        for (double[] p : pairs) {
            if (p[0] != p[1]) return "group score " + p[0] + " against " + p[1];
        }
        return null;
    }

    @Test
    void onlyTheCachesTheKeeperTakesAreKeptTheRestAreFreed() {
        List<String> all = prompts(6);
        java.util.Set<Integer> offered = new java.util.TreeSet<>();
        var out = classifier.classifyInGroups(all, List.of(0, 1, 2, 3, 4, 5), (query, ids, seq) -> {
            offered.add(query);
            return query % 2 == 0;
        });
        assertEquals(java.util.Set.of(0, 1, 2, 3, 4, 5), offered);
        for (var e : out.entrySet()) {
            var c = e.getValue();
            if (e.getKey() % 2 == 0) {
                org.junit.jupiter.api.Assertions.assertNotNull(c.cache(), "kept " + e.getKey());
                assertEquals(c.ids().length, c.cache().length(), "the kept cache holds the classification input");
                assertTrue(c.cache().hooks().isEmpty(), "its capture hooks are gone");
                c.cache().close();
            } else {
                org.junit.jupiter.api.Assertions.assertNull(c.cache(), "declined " + e.getKey());
            }
        }
        for (var c : classifier.classifyInGroups(all, List.of(0, 1), HarmfulnessClassifier.CacheKeeper.NONE).values()) {
            org.junit.jupiter.api.Assertions.assertNull(c.cache());
        }
    }
}
