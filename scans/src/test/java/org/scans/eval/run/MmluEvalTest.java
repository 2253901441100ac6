package org.scans.eval.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.data.Mmlu;
import org.scans.data.MmluQuestion;
import org.scans.engine.model.Sequence;
import org.scans.eval.EvalFixture;
import org.scans.experiment.Json;
import org.scans.experiment.ScansContext;
import org.scans.experiment.SampleLog;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.SteeringHook;
import org.scans.method.SteeringPlan;
import org.scans.method.Verdict;

/**
 * MMLU on the bundled model: items whose right answer is set from logits computed here
 * independently (one correct, one not), the SCANS pass recomputed with its own hook, and the CLI
 * end to end with --resume.
 */
class MmluEvalTest {
    static final String SUBJECT = "toy_facts";
    static final List<String> LETTERS = List.of("A", "B", "C", "D");

    @TempDir
    static Path tmp;
    static final ScansContext ctx = EvalFixture.shared();

    static final String DEV = """
            What color is the sky on a clear day?,green,blue,red,black,B
            How many legs does a cat have?,two,six,four,eight,C
            What do bees make?,honey,milk,bread,salt,A
            Which animal says moo?,dog,cat,bird,cow,D
            What is frozen water called?,steam,ice,sand,smoke,B
            """;
    static final String[] QUESTIONS = {
        "What does a dog say?,woof,meow,quack,moo,",
        "Where do fish live?,in trees,in water,in the sky,in sand,"
    };

    /** The letter the plain model prefers for a question, from logits computed here. */
    static int argmax(float[] logits) {
        int[] ids = new int[4];
        for (int i = 0; i < 4; i++) {
            int[] e = ctx.tokenizer().encode(LETTERS.get(i));
            ids[i] = e[e.length - 1];
        }
        int best = 0;
        for (int i = 1; i < 4; i++) if (logits[ids[i]] > logits[ids[best]]) best = i;
        return best;
    }

    static float[] letterLogits(float[] logits) {
        float[] out = new float[4];
        for (int i = 0; i < 4; i++) {
            int[] e = ctx.tokenizer().encode(LETTERS.get(i));
            out[i] = logits[e[e.length - 1]];
        }
        return out;
    }

    static float[] logits(String prompt, SteeringHook hook) {
        Sequence seq = ctx.model().newSequence();
        if (hook != null) seq.addHook(hook);
        return ctx.model().prefill(seq, ctx.tokenizer().encode(prompt, true, false));
    }

    static ObjectNode run(Path root, Path dir, MmluEval.SteerFrom from) throws Exception {
        MmluEval.Settings s = new MmluEval.Settings(List.of(SUBJECT), 0, 5, 490, ctx.preset().classifier(),
                new SteeringPlan(ctx.preset().steeringLayers(), MmluEval.REFERENCE_ALPHA, 0), from, 8);
        Files.createDirectories(dir);
        EvalFolder folder = EvalFolder.prepare(dir, s.toJson(ctx, "test"), false);
        PrintStream err = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        return new MmluEval(ctx, s, new Mmlu(root), err).run(folder);
    }

    @Test
    void answersKnownFromTheLogitsScoreExactly() throws Exception {
        Path root = tmp.resolve("mmlu");
        Files.createDirectories(root.resolve("mmlu_dev"));
        Files.createDirectories(root.resolve("mmlu_test"));
        Files.writeString(root.resolve("mmlu_dev").resolve(SUBJECT + "_dev.csv"), DEV);
        Mmlu mmlu = new Mmlu(root);
        List<MmluQuestion> dev = mmlu.dev(SUBJECT);
        // The test answer is not part of the prompt, so the prompts (and the model's choice) are known before the file exists.
        String[] prompts = new String[2];
        int[] preferred = new int[2];
        for (int i = 0; i < 2; i++) {
            String[] f = QUESTIONS[i].split(",", -1);
            MmluQuestion q = new MmluQuestion(SUBJECT, i, f[0], List.of(f[1], f[2], f[3], f[4]), "A");
            prompts[i] = Mmlu.fit(SUBJECT, dev, 5, q, 490, p -> ctx.tokenizer().encode(p, true, false).length).prompt();
            preferred[i] = argmax(logits(prompts[i], null));
        }
        String right = LETTERS.get(preferred[0]), wrong = LETTERS.get((preferred[1] + 1) % 4);
        Files.writeString(root.resolve("mmlu_test").resolve(SUBJECT + "_test.csv"), QUESTIONS[0] + right + "\n" + QUESTIONS[1] + wrong + "\n");

        Path dir = tmp.resolve("out-all");
        ObjectNode r = run(root, dir, MmluEval.SteerFrom.ALL);
        List<JsonNode> lines = SampleLog.read(dir);
        assertEquals(2, lines.size());
        assertEquals(right, lines.get(0).get("baseline").get("pred").asText());
        assertTrue(lines.get(0).get("baseline").get("correct").asBoolean());
        assertFalse(lines.get(1).get("baseline").get("correct").asBoolean());
        assertEquals(1, r.get("accuracy").get("baseline").get("count").asInt());
        assertEquals(2, r.get("accuracy").get("baseline").get("total").asInt());
        assertEquals(0.5, r.get("accuracy").get("baseline").get("rate").asDouble(), 0.0);
        assertEquals(0.5, r.get("by_subject").get(SUBJECT).get("baseline").get("rate").asDouble(), 0.0);
        assertEquals(5.0, r.get("by_subject").get(SUBJECT).get("mean_shots").asDouble(), 0.0);
        assertEquals(Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile()), r);

        // The SCANS pass, recomputed: σ from the classifier on the prompt, α = 4 added at every position.
        HarmfulnessClassifier classifier = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(),
                ctx.preset().classifier(), w -> {});
        int scansCorrect = 0;
        for (int i = 0; i < 2; i++) {
            JsonNode l = lines.get(i);
            Verdict v = classifier.classify(prompts[i]);
            assertEquals(v.score(), l.get("score").asDouble(), 1e-9);
            assertEquals(v.sigma(), l.get("steer_sign").asInt());
            float[] base = letterLogits(logits(prompts[i], null));
            float[] steered = letterLogits(logits(prompts[i], new SteeringHook(ctx.vectors(), ctx.preset().steeringLayers(), 4.0, v.sigma(), -1)));
            assertArrayEquals(base, floats(l.get("baseline").get("logits")), 1e-4f);
            assertArrayEquals(steered, floats(l.get("scans").get("logits")), 1e-4f);
            int pred = argmax4(steered);
            assertEquals(LETTERS.get(pred), l.get("scans").get("pred").asText());
            double[] probs = new double[4];
            for (int k = 0; k < 4; k++) probs[k] = l.get("scans").get("probs").get(k).asDouble();
            assertEquals(1.0, probs[0] + probs[1] + probs[2] + probs[3], 1e-12);
            if (l.get("scans").get("correct").asBoolean()) scansCorrect++;
        }
        assertEquals(scansCorrect, r.get("accuracy").get("scans").get("count").asInt());

        // --steer-from prompt-end steers only the last prompt token: other logits than the reference's quirk.
        Path dir2 = tmp.resolve("out-end");
        run(root, dir2, MmluEval.SteerFrom.PROMPT_END);
        JsonNode first = SampleLog.read(dir2).get(0);
        int n = ctx.tokenizer().encode(prompts[0], true, false).length;
        float[] fromEnd = letterLogits(logits(prompts[0], new SteeringHook(ctx.vectors(), ctx.preset().steeringLayers(), 4.0,
                first.get("steer_sign").asInt(), n - 1)));
        assertArrayEquals(fromEnd, floats(first.get("scans").get("logits")), 1e-4f); // its last token run on a copy of the plain cache
        assertArrayEquals(letterLogits(logits(prompts[0], null)), floats(first.get("baseline").get("logits")), 1e-4f);
        assertNotEquals(lines.get(0).get("scans").get("logits"), first.get("scans").get("logits"));
        assertEquals(lines.get(0).get("baseline").get("pred"), first.get("baseline").get("pred"));
    }

    static float[] floats(JsonNode a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) a.get(i).asDouble();
        return out;
    }

    static int argmax4(float[] v) {
        int b = 0;
        for (int i = 1; i < 4; i++) if (v[i] > v[b]) b = i;
        return b;
    }

    @Test
    void cliRunsTheBundledSubjectsAndResumes() throws Exception {
        Path dir = tmp.resolve("cli");
        String[] args = {"eval", "mmlu", "--model", TestSupport.model().toString(), "--vectors", EvalFixture.vectors().toString(),
            "--subjects", "abstract_algebra,anatomy", "--limit-per-subject", "2", "--out", dir.toString()};
        TestSupport.Cli r = TestSupport.cli(args);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("abstract_algebra") && r.out().contains("all questions"), r.out());
        assertTrue(r.err().contains("compares unlike tokens"), "the stories260K letter warning: " + r.err());
        JsonNode first = Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile());
        assertEquals(4, first.get("scored").asInt());
        assertEquals(List.of("abstract_algebra", "anatomy"), iterable(first.get("by_subject").fieldNames()));
        assertEquals(2, first.get("by_subject").get("anatomy").get("scored").asInt());
        JsonNode recorded = Json.MAPPER.readTree(dir.resolve(EvalFolder.SETTINGS_FILE).toFile());
        assertEquals("mmlu", recorded.get("eval").asText());
        // The classifier's rule too: a preset's "safe if any layer below T" resumed as "mean at least T" would be another eval.
        assertEquals("mean_at_least", recorded.get("classifier_rule").asText());
        assertEquals("none", recorded.get("quantize").asText());
        assertTrue(Files.isRegularFile(dir.resolve("vectors.safetensors")));

        // The same folder again without --resume is refused.
        TestSupport.Cli again = TestSupport.cli(args);
        assertEquals(1, again.exit());
        assertTrue(again.err().contains("--resume"), again.err());

        // Interrupted after three questions: the fourth is redone, the rest kept.
        List<String> lines = Files.readAllLines(dir.resolve(SampleLog.FILE));
        Files.write(dir.resolve(SampleLog.FILE), lines.subList(0, 3));
        Files.delete(dir.resolve(EvalFolder.RESULTS_FILE));
        String[] resume = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--resume")).toArray(String[]::new);
        TestSupport.Cli resumed = TestSupport.cli(resume);
        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.err().contains("resuming: 3 of 4"), resumed.err());
        JsonNode second = Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile());
        assertEquals(first.get("accuracy"), second.get("accuracy"));
        assertEquals(first.get("by_subject"), second.get("by_subject"));
        assertEquals(4, Files.readAllLines(dir.resolve(SampleLog.FILE)).size());

        // Resuming with other settings is refused, naming the difference.
        String[] other = java.util.stream.Stream.concat(java.util.Arrays.stream(resume), java.util.stream.Stream.of("--alpha", "2")).toArray(String[]::new);
        TestSupport.Cli refused = TestSupport.cli(other);
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("alpha (was 4.0, now 2.0)"), refused.err());
        String[] half = java.util.stream.Stream.concat(java.util.Arrays.stream(resume), java.util.stream.Stream.of("--kv-cache", "f16")).toArray(String[]::new);
        TestSupport.Cli refusedHalf = TestSupport.cli(half);
        assertEquals(1, refusedHalf.exit());
        assertTrue(refusedHalf.err().contains("kv_cache (was \"f32\", now \"f16\")"), refusedHalf.err());
    }

    /**
     * Stopped after 3 of 8 questions and resumed, every question gets the uninterrupted eval's
     * score and letter logits, bit for bit: the forward groups are fixed by position in the whole
     * list, and a resume with another --batch (other groups) is refused.
     */
    @Test
    void aResumedEvalScoresEveryQuestionAsAnUninterruptedOne() throws Exception {
        Path whole = tmp.resolve("mmlu-whole"), resumed = tmp.resolve("mmlu-resumed");
        List<String> args = List.of("eval", "mmlu", "--model", TestSupport.model().toString(), "--vectors", EvalFixture.vectors().toString(),
                "--subjects", "abstract_algebra,anatomy", "--limit-per-subject", "4", "--shots", "1", "--batch", "3");
        TestSupport.Cli r = TestSupport.cli(TestSupport.args(args, "--out", whole.toString()));
        assertEquals(0, r.exit(), r.err());
        TestSupport.stoppedCopy(whole, resumed, 4, EvalFolder.RESULTS_FILE);
        TestSupport.Cli again = TestSupport.cli(TestSupport.args(args, "--out", resumed.toString(), "--resume"));
        assertEquals(0, again.exit(), again.err());
        java.util.Map<String, JsonNode> first = new java.util.HashMap<>();
        for (JsonNode l : SampleLog.read(whole)) first.put(l.get("id").asText(), l);
        List<JsonNode> lines = SampleLog.read(resumed);
        assertEquals(8, lines.size());
        int scored = 0;
        for (JsonNode l : lines) {
            assertEquals(first.get(l.get("id").asText()), l, "score, σ and the letter logits of both passes, to the last bit");
            if (!l.has("skipped")) scored++;
        }
        assertEquals(8, scored);

        TestSupport.stoppedCopy(whole, tmp.resolve("mmlu-other"), 4, EvalFolder.RESULTS_FILE);
        List<String> otherBatch = new java.util.ArrayList<>(args);
        otherBatch.set(otherBatch.size() - 1, "2");
        TestSupport.Cli refused = TestSupport.cli(TestSupport.args(otherBatch, "--out", tmp.resolve("mmlu-other").toString(), "--resume"));
        assertEquals(1, refused.exit());
        assertTrue(refused.err().contains("batch (was 3, now 2)"), refused.err());

        // A folder from before batch was recorded is refused too, saying so.
        Path older = tmp.resolve("mmlu-older");
        TestSupport.stoppedCopy(whole, older, 4, EvalFolder.RESULTS_FILE);
        ObjectNode settings = (ObjectNode) Json.MAPPER.readTree(older.resolve(EvalFolder.SETTINGS_FILE).toFile());
        settings.remove("batch");
        Json.MAPPER.writeValue(older.resolve(EvalFolder.SETTINGS_FILE).toFile(), settings);
        TestSupport.Cli unrecorded = TestSupport.cli(TestSupport.args(args, "--out", older.toString(), "--resume"));
        assertEquals(1, unrecorded.exit());
        assertTrue(unrecorded.err().contains("batch (not recorded, now 3)"), unrecorded.err());
    }

    @Test
    void unknownSubjectIsOneLine() {
        Path dir = tmp.resolve("bad");
        TestSupport.Cli r = TestSupport.cli("eval", "mmlu", "--model", TestSupport.model().toString(), "--subjects", "astrology",
                "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().strip().endsWith("the names of datasets/mmlu_test/*_test.csv)"), r.err());
        assertTrue(r.err().contains("no MMLU subject 'astrology'"), r.err());
        assertFalse(Files.exists(dir), "no folder is left behind");
    }

    static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new java.util.ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
