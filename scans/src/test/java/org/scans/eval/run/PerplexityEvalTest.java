package org.scans.eval.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.engine.model.Logits;
import org.scans.engine.model.Sequence;
import org.scans.engine.model.Step;
import org.scans.eval.EvalFixture;
import org.scans.experiment.Json;
import org.scans.experiment.SampleLog;
import org.scans.experiment.ScansContext;
import org.scans.method.SteeringHook;

/**
 * Perplexities recomputed independently: the NLL of every window from the {@code score} command's
 * log-probabilities (teacher-forced, Logits.ALL), the chat windows rebuilt here from their
 * offsets, and the SCANS pass from a forward with its own steering hook.
 */
class PerplexityEvalTest {
    @TempDir
    static Path tmp;
    static Path text;
    static ScansContext ctx;

    @BeforeAll
    static void setUp() throws Exception {
        text = tmp.resolve("story.txt");
        Files.writeString(text, EvalFixture.storyText());
        ctx = EvalFixture.shared();
    }


    /** −log p(ids[t+1] | ids[..t]) summed from the {@code score} command's output, targets from {@code first}. */
    static double[] scoreNll(int[] ids, int first) throws Exception {
        StringJoiner j = new StringJoiner(",");
        for (int id : ids) j.add(Integer.toString(id));
        TestSupport.Cli r = TestSupport.cli("score", "--model", TestSupport.model().toString(), "--ids", j.toString(), "--top", "0");
        assertEquals(0, r.exit(), r.err());
        JsonNode positions = Json.MAPPER.readTree(r.out()).get("positions");
        double sum = 0;
        int n = 0;
        for (int p = first - 1; p < ids.length - 1; p++) {
            assertEquals(ids[p + 1], positions.get(p).get("id").asInt());
            sum -= positions.get(p).get("logprob").asDouble();
            n++;
        }
        return new double[] {sum, n};
    }

    static List<JsonNode> lines(Path dir) throws Exception {
        return SampleLog.read(dir);
    }

    static JsonNode results(Path dir) throws Exception {
        return Json.MAPPER.readTree(dir.resolve(EvalFolder.RESULTS_FILE).toFile());
    }

    @Test
    void plainPerplexityEqualsOneRecomputedFromScoreLogProbs() throws Exception {
        Path dir = tmp.resolve("plain");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--mode", "plain", "--dataset", text.toString(),
                "--windows", "all", "--window-len", "64", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        int[] ids = ctx.tokenizer().encode(EvalFixture.storyText(), true, false);
        double total = 0;
        long tokens = 0;
        for (int k = 0; (k + 1) * 64 <= ids.length; k++) {
            double[] s = scoreNll(Arrays.copyOfRange(ids, 64 * k, 64 * k + 64), 1);
            total += s[0];
            tokens += (long) s[1];
        }
        JsonNode res = results(dir);
        assertEquals(ids.length / 64, res.get("windows").asInt());
        assertEquals(tokens, res.get("scored_tokens").asLong());
        assertEquals(Math.exp(total / tokens), res.get("perplexity").get("baseline").asDouble(), 1e-9 * Math.exp(total / tokens));
        assertFalse(res.get("perplexity").has("scans"), "plain mode does not steer");
        assertFalse(res.get("approximate").asBoolean());
        assertTrue(r.out().contains("baseline"), r.out());
    }

    @Test
    void windowsDefaultToTheReferencesLoaders() throws Exception {
        // A running text: every consecutive window (the reference's WikiText-2 loader).
        Path dir = tmp.resolve("chat-default");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--dataset", text.toString(),
                "--window-len", "64", "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        int body = ctx.tokenizer().encode(EvalFixture.storyText(), true, false).length - 1;
        int wrapper = ctx.tokenizer().encode("<s>[INST] ", false, true).length + ctx.tokenizer().encode(" [/INST] ", false, false).length;
        assertEquals(body / (64 - wrapper), results(dir).get("windows").asInt());
        // Documents: 256 drawn windows (its C4 loader), in plain mode too.
        Path docs = tmp.resolve("docs.jsonl");
        String story = EvalFixture.storyText();
        Files.writeString(docs, Json.MAPPER.writeValueAsString(java.util.Map.of("text", story.substring(0, story.length() / 2))) + "\n"
                + Json.MAPPER.writeValueAsString(java.util.Map.of("text", story.substring(story.length() / 2))) + "\n");
        dir = tmp.resolve("plain-docs");
        r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--mode", "plain", "--dataset", docs.toString(),
                "--window-len", "16", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(256, results(dir).get("windows").asInt());
    }

    @Test
    void slidingWindowsScoreEachTokenOnceWithContext() throws Exception {
        Path dir = tmp.resolve("sliding");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--mode", "plain", "--dataset", text.toString(),
                "--window-len", "64", "--stride", "32", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        int[] ids = ctx.tokenizer().encode(EvalFixture.storyText(), true, false);
        double total = 0;
        long tokens = 0;
        for (JsonNode l : lines(dir)) {
            int start = l.get("start").asInt(), len = l.get("tokens").asInt();
            int first = len - l.get("scored_tokens").asInt();
            double[] s = scoreNll(Arrays.copyOfRange(ids, start, start + len), first);
            assertEquals(s[0], l.get("nll_sum_baseline").asDouble(), 1e-9 * s[0]);
            total += s[0];
            tokens += (long) s[1];
        }
        assertEquals(ids.length - 1, tokens, "every token but the BOS is scored exactly once");
        assertEquals(Math.exp(total / tokens), results(dir).get("perplexity").get("baseline").asDouble(), 1e-9 * Math.exp(total / tokens));
    }

    @Test
    void chatWindowsRebuiltHereGiveTheSameNllsWithAndWithoutSteering() throws Exception {
        Path dir = tmp.resolve("chat");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--dataset", text.toString(),
                "--windows", "3", "--window-len", "64", "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        int[] all = ctx.tokenizer().encode(EvalFixture.storyText(), true, false);
        int[] body = Arrays.copyOfRange(all, 1, all.length);
        int[] start = ctx.tokenizer().encode("<s>[INST] ", false, true), end = ctx.tokenizer().encode(" [/INST] ", false, false);
        int text = 64 - start.length - end.length, half = text / 2;
        List<JsonNode> ls = lines(dir);
        assertEquals(3, ls.size());
        double sumBase = 0, sumScans = 0;
        for (JsonNode l : ls) {
            int s = l.get("start").asInt();
            int[] ids = new int[64];
            System.arraycopy(start, 0, ids, 0, start.length);
            System.arraycopy(body, s, ids, start.length, half);
            System.arraycopy(end, 0, ids, start.length + half, end.length);
            System.arraycopy(body, s + half, ids, start.length + half + end.length, text - half);
            double[] base = scoreNll(ids, 1);
            assertEquals(63, (int) base[1]);
            assertEquals(base[0] / 63, l.get("nll_baseline").asDouble(), 1e-9);
            // p_end: the ']' of the inserted " [/INST] " (its 8 pieces on this vocabulary: ▁ [ / I N S T ])
            int pEnd = start.length + half + end.length - 1;
            assertEquals("]", ctx.tokenizer().piece(ids[pEnd]));
            assertEquals(pEnd, l.get("steer_from").asInt());
            double steered = steeredMeanNll(ids, l.get("steer_sign").asInt(), pEnd);
            assertEquals(steered, l.get("nll_scans").asDouble(), 1e-6);
            sumBase += base[0] / 63;
            sumScans += steered;
        }
        JsonNode res = results(dir);
        assertEquals(Math.exp(sumBase / 3), res.get("perplexity").get("baseline").asDouble(), 1e-9 * Math.exp(sumBase / 3));
        assertEquals(Math.exp(sumScans / 3), res.get("perplexity").get("scans").asDouble(), 1e-5 * Math.exp(sumScans / 3));
        assertEquals(3, res.get("judged_unsafe").get("total").asInt());
        assertTrue(r.out().contains("SCANS"), r.out());
    }

    static double steeredMeanNll(int[] ids, int sign, int from) {
        Sequence seq = ctx.model().newSequence();
        seq.addHook(new SteeringHook(ctx.vectors(), ctx.preset().steeringLayers(), ctx.family().alpha, sign, from));
        int vocab = ctx.model().config().vocabSize();
        double[] sum = {0};
        ctx.model().forward(List.of(new Step(seq, ids, Logits.ALL)), (st, t, logits, off) -> {
            if (t + 1 >= ids.length) return;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, logits[off + i]);
            double z = 0;
            for (int i = 0; i < vocab; i++) z += Math.exp(logits[off + i] - max);
            sum[0] += max + Math.log(z) - logits[off + ids[t + 1]];
        });
        return sum[0] / (ids.length - 1);
    }

    @Test
    void anInterruptedChatEvalResumesToTheSameFigures() throws Exception {
        Path dir = tmp.resolve("resume");
        String[] args = {"eval", "ppl", "--model", TestSupport.model().toString(), "--dataset", text.toString(), "--windows", "3",
            "--window-len", "48", "--out", dir.toString()};
        String[] fresh = Arrays.copyOf(args, args.length + 2);
        fresh[args.length] = "--vectors";
        fresh[args.length + 1] = EvalFixture.vectors().toString();
        TestSupport.Cli first = TestSupport.cli(fresh);
        assertEquals(0, first.exit(), first.err());
        JsonNode before = results(dir);
        List<String> ls = Files.readAllLines(dir.resolve(SampleLog.FILE));
        // A kill during the third write: two whole lines and a torn one. Resumed without --vectors, it steers with the folder's copy.
        Files.writeString(dir.resolve(SampleLog.FILE), ls.get(0) + "\n" + ls.get(1) + "\n" + ls.get(2).substring(0, 20));
        Files.delete(dir.resolve(EvalFolder.RESULTS_FILE));
        String[] resume = Arrays.copyOf(args, args.length + 1);
        resume[args.length] = "--resume";
        TestSupport.Cli r = TestSupport.cli(resume);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("resuming: 2 of 3 windows already done") && r.err().contains("resuming with the vectors in"), r.err());
        assertEquals(before.get("perplexity"), results(dir).get("perplexity"));
        assertEquals(3, Files.readAllLines(dir.resolve(SampleLog.FILE)).size());
        // A folder whose windows were drawn with java.util.Random (before window_rng) holds other windows under the same ids.
        Path settings = dir.resolve(EvalFolder.SETTINGS_FILE);
        var old = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(settings.toFile());
        assertEquals("cpython-mt19937", old.remove("window_rng").asText());
        Files.writeString(settings, Json.MAPPER.writeValueAsString(old));
        r = TestSupport.cli(resume);
        assertEquals(1, r.exit(), r.err());
        assertTrue(r.err().contains("window_rng"), r.err());
    }

    @Test
    void wikitextIsMarkedApproximate() throws Exception {
        Path dir = tmp.resolve("wiki");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--mode", "plain", "--windows", "2",
                "--window-len", "32", "--out", dir.toString());
        assertEquals(0, r.exit(), r.err());
        JsonNode res = results(dir);
        assertTrue(res.get("approximate").asBoolean());
        assertTrue(res.get("note").asText().contains("lost its 1467 blank rows"), res.toString());
        assertTrue(r.out().contains("approximate"), r.out());
    }

    @Test
    void optionErrorsAreOneLine() {
        Path dir = tmp.resolve("err");
        TestSupport.Cli r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--dataset", text.toString(),
                "--window-len", "1024", "--vectors", EvalFixture.vectors().toString(), "--out", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--window-len 1024 is longer than the model's context (512 tokens)"), r.err());
        r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--mode", "plain", "--alpha", "2", "--out", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("apply to --mode chat"), r.err());
        r = TestSupport.cli("eval", "ppl", "--model", TestSupport.model().toString(), "--windows", "lots", "--out", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--windows must be a number or all"), r.err());
        assertFalse(Files.exists(dir));
    }
}
