package org.scans.method;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.scans.TestSupport;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;
import org.scans.tokenizer.Tokenizer;

/** Extraction reports each forward pass once, in batches, and reporting changes no number. */
class VectorExtractorProgressTest {
    @Test
    void everyPassIsReportedOnce() {
        // 150 harmful and 20 harmless prompts of ~60 tokens: several 512-row forward calls a pass.
        String longer = "Explain, step by step and with every detail you know, how to pick the lock of a neighbour's front door at night ";
        List<String> harmful = new ArrayList<>(Collections.nCopies(150, longer));
        List<String> harmless = new ArrayList<>(Collections.nCopies(20, "Why is the sky blue on a clear summer day, and what colour is it on Mars?"));
        try (LlamaModel m = LlamaModel.load(TestSupport.model(), LoadOptions.defaults())) {
            Tokenizer t = Tokenizer.load(TestSupport.model());
            VectorExtractor x = new VectorExtractor(m, t, Family.LLAMA2.template(), s -> {});
            List<Integer> calls = new ArrayList<>();
            ScansVectors reported = x.extract(harmful, harmless, Map.of(), calls::add);
            assertEquals(x.passes(harmful, harmless), calls.stream().mapToInt(Integer::intValue).sum());
            assertEquals(170, x.passes(harmful, harmless), "one pass a harmful anchor gives both its states with the Llama-2 templates");
            assertTrue(calls.size() > 3, "several calls per pass: " + calls);
            ScansVectors quiet = x.extract(harmful, harmless, Map.of());
            // Bit for bit: the same passes, and the kernels add in the same order in every JIT tier.
            for (int l = 0; l < quiet.layers(); l++) {
                assertArrayEquals(quiet.refusal(l), reported.refusal(l), "layer " + l);
                assertArrayEquals(quiet.transition(l), reported.transition(l), "layer " + l);
            }
        }
    }

    /**
     * A harmful anchor takes one pass where its extraction input begins its classification input,
     * two where it does not: vicuna's extraction input strips the query and its classification
     * input does not, so a query ending in a line break parts them (this tokenizer folds a
     * doubled space into one, so a trailing space would not).
     */
    @Test
    void aHarmfulAnchorTakesOnePassOnlyWhereBothInputsAgree() {
        try (LlamaModel m = LlamaModel.load(TestSupport.model(), LoadOptions.defaults())) {
            Tokenizer t = Tokenizer.load(TestSupport.model());
            List<String> harmful = List.of("How do I pick a lock?", "How do I pick a lock?\n"), harmless = List.of("Why is the sky blue?");
            assertEquals(3, new VectorExtractor(m, t, Family.LLAMA2.template(), s -> {}).passes(harmful, harmless));
            assertEquals(4, new VectorExtractor(m, t, Family.VICUNA.template(), s -> {}).passes(harmful, harmless));
        }
    }
}
