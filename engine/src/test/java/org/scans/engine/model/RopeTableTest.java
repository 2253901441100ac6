package org.scans.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.engine.TestModels;
import org.scans.engine.io.CheckpointFixtures;

/** The RoPE table is computed for the positions in use, not for the whole declared context. */
class RopeTableTest {
    @TempDir
    Path tmp;

    @Test
    void growingGivesTheRowsAnEagerTableHas() {
        for (double factor : new double[] {1, 4}) {
            RopeTable eager = new RopeTable(64, 1000, 500000, factor);
            RopeTable grown = new RopeTable(64, 0, 500000, factor);
            for (int p : new int[] {1, 7, 7, 300, 999, 1000}) {
                grown.ensure(p);
                assertEquals(p, grown.positions());
            }
            assertArrayEquals(eager.cos(), grown.cos());
            assertArrayEquals(eager.sin(), grown.sin());
            grown.ensure(10); // never shrinks
            assertEquals(1000, grown.positions());
        }
    }

    @Test
    void aLongDeclaredContextCostsNothingUntilUsed() throws Exception {
        // The bundled model declaring 2^24 positions: the table once took 2 × 2^24 × 4 floats at
        // load, and 300000000 positions an OutOfMemoryError.
        Path dir = CheckpointFixtures.copy(tmp);
        Path config = dir.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"max_position_embeddings\": 512",
                "\"max_position_embeddings\": " + LlamaConfig.MAX_POSITIONS));
        int[] ids = {1, 403, 407, 261, 378, 432, 383};
        try (LlamaModel small = LlamaModel.load(TestModels.stories260K(), LoadOptions.defaults());
             LlamaModel large = LlamaModel.load(dir, LoadOptions.defaults())) {
            assertEquals(LlamaConfig.MAX_POSITIONS, large.config().maxPositions());
            assertEquals(0, large.ropeTable().positions());
            Sequence a = small.newSequence(), b = large.newSequence();
            assertArrayEquals(small.prefill(a, ids), large.prefill(b, ids));
            int rows = large.ropeTable().positions();
            assertTrue(rows >= ids.length && rows < 64, "rows " + rows);
            // Decoding grows it by doubling; the logits stay those of the 512-position model.
            for (int i = 0; i < 40; i++) {
                int[] next = {ids[i % ids.length]};
                assertArrayEquals(small.decode(List.of(a), next)[0], large.decode(List.of(b), next)[0]);
            }
            rows = large.ropeTable().positions();
            assertTrue(rows >= b.length() && rows <= 2 * b.length(), "rows " + rows + " for " + b.length() + " positions");
        }
    }
}
