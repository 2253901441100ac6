package org.scans.engine.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.scans.engine.TestModels;
import org.scans.engine.model.LlamaModel;
import org.scans.engine.model.LoadOptions;

class GeneratorTest {
    @Test
    void streamsEachTokenAndStopsAtMaxTokens() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            List<Integer> streamed = new ArrayList<>();
            Generation g = new Generator(m).generate(m.newSequence(), new int[] {1, 403}, GenerationConfig.greedy(7), streamed::add);
            assertEquals(7, g.ids().length);
            assertEquals(StopReason.MAX_TOKENS, g.reason());
            assertArrayEquals(g.ids(), streamed.stream().mapToInt(Integer::intValue).toArray());
            assertEquals(6, g.decodeSteps());
        }
    }

    @Test
    void endsAtTheContextLimitWithoutGoingPastIt() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] prompt = new int[510];
            java.util.Arrays.fill(prompt, 261);
            prompt[0] = 1;
            Generation g = new Generator(m).generate(m.newSequence(), prompt, GenerationConfig.greedy(100).withStopIds(Set.of()), id -> {});
            assertEquals(StopReason.CONTEXT_LIMIT, g.reason());
            // positions 510 and 511 take two fed-back tokens; the third choice has nowhere to go.
            assertEquals(3, g.ids().length);
        }
    }

    @Test
    void stopsOnTheIdsOfGenerationConfig(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws java.io.IOException {
        int[] prompt = {1, 403};
        int[] free;
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            free = new Generator(m).generate(m.newSequence(), prompt, GenerationConfig.greedy(8), TokenListener.NONE).ids();
        }
        // A copy of the model whose generation_config.json makes the fourth greedy token a stop id.
        java.nio.file.Path dir = org.scans.engine.io.CheckpointFixtures.copy(tmp);
        int stop = free[3];
        assertEquals(-1, java.util.Arrays.stream(free, 0, 3).filter(id -> id == stop).findFirst().orElse(-1), "the stop id is new at step 4");
        java.nio.file.Files.writeString(dir.resolve("generation_config.json"), "{\"eos_token_id\": [2, " + stop + "]}");
        try (LlamaModel m = LlamaModel.load(dir, LoadOptions.defaults())) {
            Generation g = new Generator(m).generate(m.newSequence(), prompt, GenerationConfig.greedy(8), TokenListener.NONE);
            assertEquals(StopReason.EOS, g.reason());
            assertArrayEquals(java.util.Arrays.copyOf(free, 4), g.ids());
        }
    }

    @Test
    void repetitionPenaltyChangesGreedyOutput() {
        try (LlamaModel m = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults())) {
            int[] prompt = {1, 403, 407, 261, 378};
            int[] plain = new Generator(m).generate(m.newSequence(), prompt, GenerationConfig.greedy(60), TokenListener.NONE).ids();
            int[] penal = new Generator(m).generate(m.newSequence(), prompt, GenerationConfig.greedy(60).withRepetitionPenalty(1.3f),
                    TokenListener.NONE).ids();
            org.junit.jupiter.api.Assertions.assertFalse(java.util.Arrays.equals(plain, penal));
        }
    }
}
