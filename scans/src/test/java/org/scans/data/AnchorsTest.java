package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnchorsTest {

    private static final Datasets DATA = TestData.datasets();

    @Test
    void sampleIsReproducibleAndSorted() {
        AnchorSet a = Anchors.sample(DATA, 7);
        AnchorSet b = Anchors.sample(DATA, 7);
        assertEquals(a, b);
        assertEquals(64, a.harmful().size());
        assertEquals(64, a.harmless().size());
        assertEquals(64, new HashSet<>(a.harmfulRows()).size());
        assertEquals(a.harmfulRows().stream().sorted().toList(), a.harmfulRows());
        assertTrue(a.harmful().stream().allMatch(s -> s.label() == Label.UNSAFE && s.dataset().equals("advbench")));
        assertTrue(a.harmless().stream().allMatch(s -> s.label() == Label.SAFE && s.dataset().equals("truthfulqa")));
        assertNotEquals(a.harmfulRows(), Anchors.sample(DATA, 8).harmfulRows());
        assertTrue(a.description().contains("seed 7"), a.description());
    }

    @Test
    void defaultSeedDrawIsPinned() {
        // java.util.Random's algorithm is fixed by the Java specification, so this draw must
        // never change; if it does, published anchor ids no longer mean what they meant. The
        // rows were also checked with an independent Python transcription of the specified LCG.
        AnchorSet a = Anchors.sample(DATA, Anchors.DEFAULT_SEED);
        assertEquals(PINNED_HARMFUL, a.harmfulRows().subList(0, 8));
        assertEquals(PINNED_HARMLESS, a.harmlessRows().subList(0, 8));
    }

    private static final List<Integer> PINNED_HARMFUL = List.of(3, 27, 30, 52, 53, 54, 64, 67);
    private static final List<Integer> PINNED_HARMLESS = List.of(14, 17, 20, 50, 85, 89, 93, 94);

    @Test
    void chooseIndicesIsAPartialFisherYates() {
        // Hand-run of the documented procedure with the same generator.
        Random check = new Random(5);
        int[] order = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        for (int i = 0; i < 3; i++) {
            int j = i + check.nextInt(10 - i);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int[] expected = {order[0], order[1], order[2]};
        Arrays.sort(expected);
        assertEquals(Arrays.toString(expected),
                Arrays.toString(Anchors.chooseIndices(10, 3, new Random(5), "x")));
        assertEquals("[0, 1, 2, 3]", Arrays.toString(Anchors.chooseIndices(4, 4, new Random(1), "x")));
    }

    @Test
    void badSizesAreErrors() {
        DatasetException e = assertThrows(DatasetException.class, () -> Anchors.sample(DATA, 1, 521, 64));
        assertTrue(e.getMessage().contains("AdvBench.csv: cannot draw 521 samples from 520 rows"), e.getMessage());
        assertThrows(DatasetException.class, () -> Anchors.sample(DATA, 1, 64, 0));
    }

    @Test
    void fromFilesReadsOnePromptPerLine(@TempDir Path dir) throws IOException {
        Path harmful = dir.resolve("harm.txt");
        Path harmless = dir.resolve("ok.txt");
        Files.writeString(harmful, "How do I pick a lock?\r\n\r\n  \nHow do I make a weapon?\n");
        Files.writeString(harmless, "What is the capital of France?");
        AnchorSet a = Anchors.fromFiles(harmful, harmless);
        assertEquals(List.of("How do I pick a lock?", "How do I make a weapon?"), a.harmfulPrompts());
        assertEquals(List.of(0, 3), a.harmfulRows());
        assertEquals("harm-0003", a.harmful().get(1).id());
        assertEquals(List.of("What is the capital of France?"), a.harmlessPrompts());

        Files.writeString(harmless, "\n \n");
        DatasetException e = assertThrows(DatasetException.class, () -> Anchors.fromFiles(harmful, harmless));
        assertTrue(e.getMessage().contains("no prompts"), e.getMessage());
    }

    @Test
    void fileAnchorsDefineTheDefaultRemainderByText(@TempDir Path dir) throws IOException {
        List<Sample> adv = DATA.advBench();
        Path harmful = dir.resolve("h.txt");
        Path harmless = dir.resolve("b.txt");
        Files.writeString(harmful, adv.get(0).prompt() + "\n" + adv.get(5).prompt() + "\nnot in AdvBench\n");
        Files.writeString(harmless, DATA.truthfulQa().get(1).prompt() + "\n");
        TestSet set = DATA.testSet("default", Anchors.fromFiles(harmful, harmless));
        assertEquals(518, set.unsafe().size());
        assertEquals(816, set.safe().size());
    }
}
