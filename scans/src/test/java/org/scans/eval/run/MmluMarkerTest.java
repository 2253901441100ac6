package org.scans.eval.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.data.Mmlu;
import org.scans.data.MmluQuestion;
import org.scans.data.TestData;
import org.scans.engine.model.Sequence;
import org.scans.eval.EvalFixture;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.SteeringHook;
import org.scans.method.SteeringPlan;
import org.scans.tokenizer.Tokenizer;
import org.scans.tokenizer.template.MarkerFinder;

/**
 * The reference's MMLU marker, {@code encode("\nAnswer:")[1:]}, starts with a lone {@code ▁}: it is
 * missing from most prompts (every position is steered) but present where a choice D ends in a
 * space, and there the reference steers from it on.
 */
class MmluMarkerTest {
    static final Path LLAMA2 = Path.of("..", "tokenizer", "src", "test", "resources", "models", "llama2", "tokenizer.model");

    @TempDir
    static Path tmp;

    static int[] fitted(Tokenizer tok, Mmlu mmlu, String subject, int row) {
        MmluQuestion q = mmlu.test(subject).get(row);
        String p = Mmlu.fit(subject, mmlu.dev(subject), 5, q, 2048, s -> tok.encode(s, true, false).length).prompt();
        return tok.encode(p, true, false);
    }

    /** Llama-2 ids on the bundled MMLU files, one prompt of each kind. */
    @Test
    void theMarkerMatchesWhereAChoiceEndsInASpace() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(LLAMA2), "the Llama-2 tokenizer fixture is not in this checkout");
        Tokenizer tok = Tokenizer.load(LLAMA2);
        MarkerFinder marker = MarkerFinder.of(tok, MmluEval.REFERENCE_MARKER);
        assertArrayEquals(new int[] {29871, 13, 22550, 29901}, marker.markerIds());
        Mmlu mmlu = Mmlu.of(TestData.datasets());

        int[] plain = fitted(tok, mmlu, "abstract_algebra", 0);
        assertEquals(-1, MmluEval.SteerFrom.MARKER.from(plain, marker, false), "no marker: every position");
        assertEquals(plain.length - 1, MmluEval.SteerFrom.MARKER.from(plain, marker, true), "--fix steer-last-if-no-marker");

        // Choice D of this test question is "… " : the marker is the prompt's end.
        assertTrue(mmlu.test("elementary_mathematics").get(70).choices().get(3).endsWith(" "));
        int[] last = fitted(tok, mmlu, "elementary_mathematics", 70);
        assertEquals(last.length - 1, MmluEval.SteerFrom.MARKER.from(last, marker, false));

        // An exemplar of professional_law has such a choice D: steering starts at its "Answer:".
        int[] law = fitted(tok, mmlu, "professional_law", 0);
        int from = MmluEval.SteerFrom.MARKER.from(law, marker, false);
        assertTrue(from > 0 && from < law.length - 10, "from " + from + " of " + law.length);
        assertArrayEquals(marker.markerIds(), Arrays.copyOfRange(law, from - 3, from + 1));

        assertEquals(-1, MmluEval.SteerFrom.ALL.from(last, marker, true));
        assertEquals(plain.length - 1, MmluEval.SteerFrom.PROMPT_END.from(plain, marker, false));
    }

    /** The eval on the bundled model: the SCANS pass steers from the marker, as a whole steered pass would. */
    @Test
    void theEvalSteersFromTheMarker() throws Exception {
        ScansContext ctx = EvalFixture.shared();
        String subject = "toy_facts";
        Path root = tmp.resolve("mmlu");
        Files.createDirectories(root.resolve("mmlu_dev"));
        Files.createDirectories(root.resolve("mmlu_test"));
        // The second exemplar's choice D ends in a space; the second test question's too.
        Files.writeString(root.resolve("mmlu_dev").resolve(subject + "_dev.csv"), """
                What color is the sky?,green,blue,red,black,B
                How many legs does a cat have?,two,six,eight,four ,D
                """);
        Files.writeString(root.resolve("mmlu_test").resolve(subject + "_test.csv"), """
                What does a dog say?,woof,meow,quack,moo,A
                Where do fish live?,in trees,in sand,in the sky,in water ,D
                """);
        MmluEval.Settings s = new MmluEval.Settings(List.of(subject), 0, 2, 490, ctx.preset().classifier(),
                new SteeringPlan(ctx.preset().steeringLayers(), MmluEval.REFERENCE_ALPHA, 0), MmluEval.SteerFrom.MARKER, 8);
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        EvalFolder folder = EvalFolder.prepare(dir, s.toJson(ctx, "test"), false);
        new MmluEval(ctx, s, new Mmlu(root), new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).run(folder);

        Mmlu mmlu = new Mmlu(root);
        MarkerFinder marker = MarkerFinder.of(ctx.tokenizer(), MmluEval.REFERENCE_MARKER);
        List<JsonNode> lines = SampleLog.read(dir);
        assertEquals(2, lines.size());
        for (int i = 0; i < 2; i++) {
            String prompt = Mmlu.prompt(subject, mmlu.dev(subject), 2, mmlu.test(subject).get(i));
            int[] ids = ctx.tokenizer().encode(prompt, true, false);
            int from = marker.lastEnd(ids);
            assertTrue(from > 0, "the toy prompts hold the marker");
            assertEquals(from, lines.get(i).get("steer_from").asInt());
            Sequence seq = ctx.model().newSequence();
            seq.addHook(new SteeringHook(ctx.vectors(), ctx.preset().steeringLayers(), 4.0, lines.get(i).get("steer_sign").asInt(), from));
            float[] logits = ctx.model().prefill(seq, ids);
            float[] letters = MmluEvalTest.letterLogits(logits);
            assertArrayEquals(letters, MmluEvalTest.floats(lines.get(i).get("scans").get("logits")), 1e-4f);
        }
        assertEquals(ctx.tokenizer().encode(Mmlu.prompt(subject, mmlu.dev(subject), 2, mmlu.test(subject).get(1)), true, false).length - 1,
                lines.get(1).get("steer_from").asInt(), "its own choice D: only the last token");
        assertTrue(lines.get(0).get("steer_from").asInt() < lines.get(0).get("prompt_tokens").asInt() - 1, "the exemplar's: from inside the prompt");
    }
}
