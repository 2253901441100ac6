package org.scans.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;
import org.scans.engine.generate.Generation;
import org.scans.engine.generate.Generator;
import org.scans.engine.model.Sequence;
import org.scans.eval.EvalFixture;
import org.scans.experiment.Json;
import org.scans.experiment.ScansContext;
import org.scans.method.HarmfulnessClassifier;
import org.scans.method.SteeredGenerator;
import org.scans.method.SteeringHook;
import org.scans.method.Verdict;
import org.scans.tokenizer.template.Message;

/** The chat REPL driven through stdin, its answers recomputed here turn by turn. */
class ChatTest {
    static final int MAX_NEW = 24;
    static final Pattern STATUS = Pattern.compile("\\[(\\d+) tokens, ([0-9.]+) tok/s, [0-9.]+ s · (steered (toward|away from) refusal \\(auto\\)"
            + ", α=3.5, layers 2|not steered \\(off\\)); c\\(q\\)=([0-9.-]+), σ=([+-]1) (unsafe|safe)]");

    @TempDir
    static Path tmp;
    static final ScansContext ctx = EvalFixture.shared();

    static TestSupport.Cli chat(String input, String... extra) {
        return chat(input.getBytes(StandardCharsets.UTF_8), extra);
    }

    static TestSupport.Cli chat(byte[] input, String... extra) {
        List<String> args = new ArrayList<>(List.of("chat", "--model", TestSupport.model().toString(), "--vectors", EvalFixture.vectors().toString()));
        if (!List.of(extra).contains("--max-new-tokens")) args.addAll(List.of("--max-new-tokens", String.valueOf(MAX_NEW)));
        args.addAll(List.of(extra));
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(input));
        try {
            return TestSupport.cli(args.toArray(String[]::new));
        } finally {
            System.setIn(old);
        }
    }

    /** The answer the session should give: the rendered dialogue, steered by σ from its last token. */
    static String expectedAnswer(List<Message> dialogue, String user) {
        HarmfulnessClassifier c = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(), w -> {});
        return answerFromScratch(dialogue, user, c.classify(user).sigma(), ctx.preset().alpha());
    }

    @Test
    void twoTurnsThenSteerOffThenScoreThenEof() {
        String first = "Hello there", second = "What is the cat doing?";
        TestSupport.Cli r = chat(first + "\n" + second + "\n/steer off\n/score\n");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(out.startsWith("chat with stories260K (llama-2 template), steering: auto (SCANS: sign from the classifier), α=3.5, layers 2"), out);

        // Both answers streamed, each followed by its token count, speed and steering; the text recomputed independently.
        Matcher m = STATUS.matcher(out);
        List<String> statuses = new ArrayList<>();
        while (m.find()) {
            statuses.add(m.group());
            assertTrue(Integer.parseInt(m.group(1)) >= 1 && Integer.parseInt(m.group(1)) <= MAX_NEW);
            assertTrue(Double.parseDouble(m.group(2)) > 0, "tok/s");
        }
        assertEquals(2, statuses.size(), out);
        String a1 = expectedAnswer(List.of(), first);
        String a2 = expectedAnswer(List.of(Message.user(first), Message.assistant(a1)), second);
        assertFalse(a1.isEmpty() || a2.isEmpty(), "the toy model says something");
        assertTrue(out.contains("> " + a1), "first answer '" + a1 + "' in:\n" + out);
        assertTrue(out.contains(a2), "second answer '" + a2 + "' in:\n" + out);
        assertTrue(out.indexOf(a1) < out.indexOf(statuses.get(0)) && out.indexOf(statuses.get(0)) < out.indexOf(a2));

        assertTrue(out.contains("> steering: off, α=3.5, layers 2"), out);
        HarmfulnessClassifier c = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(), w -> {});
        Verdict v = c.classify(second);
        String score = String.format(Locale.ROOT, "c(q) = %.4f over Λ=2-4 (T=0.75) → σ = %s for \"%s\"", v.score(),
                v.sigma() > 0 ? "+1 (unsafe)" : "-1 (safe)", second);
        assertTrue(out.contains(score), score + " in:\n" + out);
        assertTrue(out.stripTrailing().endsWith("bye"), "a clean goodbye at end of input:\n" + out);
    }

    /** The answer to {@code user} after {@code dialogue}, from scratch, steered with {@code sign} (0: not steered). */
    static String answerFromScratch(List<Message> dialogue, String user, int sign, double alpha) {
        List<Message> all = new ArrayList<>(dialogue);
        all.add(Message.user(user));
        int[] ids = ctx.template().render(null, all).encode(ctx.tokenizer());
        Sequence seq = ctx.model().newSequence();
        if (sign != 0) seq.addHook(new SteeringHook(ctx.vectors(), ctx.preset().steeringLayers(), alpha, sign, ids.length - 1));
        Generation g = new Generator(ctx.model()).generate(seq, ids, SteeredGenerator.referenceConfig(MAX_NEW).withStopIds(Set.of(ctx.tokenizer().bos())), id -> {});
        int[] out = g.ids();
        int last = out.length == 0 ? -1 : out[out.length - 1];
        if (last == ctx.tokenizer().eos() || last == ctx.tokenizer().bos()) out = Arrays.copyOf(out, out.length - 1);
        return ctx.tokenizer().decode(out).strip();
    }

    /**
     * Each turn after the first continues from the previous turn's KV cache, up to where that
     * turn's steering began, and answers as a pass over the whole dialogue from scratch does,
     * whatever the steering of either turn; the first turn, and the first after /reset, start
     * from the message's classification pass.
     */
    @Test
    void laterTurnsContinueFromTheLastTurnsCacheAndAnswerAsFromScratch() {
        ChatSession s = new ChatSession(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(),
                ctx.preset().steeringLayers(), ctx.preset().alpha(), null, MAX_NEW, n -> {});
        HarmfulnessClassifier c = new HarmfulnessClassifier(ctx.model(), ctx.tokenizer(), ctx.template(), ctx.vectors(), ctx.preset().classifier(), w -> {});
        String[] users = {"Once upon a time", "What did the dog see?", "Tell me about the sun.", "And then?"};
        ChatSession.Steer[] modes = {ChatSession.Steer.AUTO, ChatSession.Steer.OFF, ChatSession.Steer.ON, ChatSession.Steer.AUTO};
        List<Message> dialogue = new ArrayList<>();
        int previousFrom = -1, previousPrompt = 0;
        for (int t = 0; t < users.length; t++) {
            s.steer(modes[t], +1);
            ChatSession.Turn turn = s.send(users[t], id -> {});
            int sign = switch (modes[t]) {
                case AUTO -> c.classify(users[t]).sigma();
                case ON -> 1;
                case OFF -> 0;
            };
            assertEquals(answerFromScratch(dialogue, users[t], sign, ctx.preset().alpha()), turn.assistant(), "turn " + t);
            if (t == 0) {
                // Its message's classification input is the dialogue plus "Sure": all but the last prompt token.
                assertEquals(turn.promptTokens() - 1, turn.cachedTokens(), "the first turn starts from its classification pass");
            } else {
                assertTrue(turn.cachedTokens() > 0, "turn " + t + " reuses the cache");
                // Never a position the last turn steered: its answer's positions when it was steered.
                int limit = previousFrom >= 0 ? previousFrom : previousPrompt + MAX_NEW;
                assertTrue(turn.cachedTokens() <= limit, "turn " + t + ": " + turn.cachedTokens() + " > " + limit);
            }
            previousFrom = turn.steerFrom();
            previousPrompt = turn.promptTokens();
            dialogue.add(Message.user(users[t]));
            dialogue.add(Message.assistant(turn.assistant()));
        }
        s.reset();
        s.steer(ChatSession.Steer.AUTO, +1);
        ChatSession.Turn fresh = s.send(users[1], id -> {});
        assertEquals(fresh.promptTokens() - 1, fresh.cachedTokens(), "after /reset only the new classification pass is reused");
        assertEquals(answerFromScratch(List.of(), users[1], c.classify(users[1]).sigma(), ctx.preset().alpha()), fresh.assistant());
    }

    @Test
    void commandsChangeTheSessionAndSaveTheTranscript() throws Exception {
        Path file = tmp.resolve("transcript.json");
        TestSupport.Cli r = chat(String.join("\n", "/score", "/alpha 2", "/layers 1-3", "/steer on +1", "Tell me a story",
                "/alpha lots", "/layers 7", "/steer sideways", "/bogus", "/save " + file, "/reset now", "/reset", "/score", "/quit", "never read") + "\n");
        assertEquals(0, r.exit(), r.err());
        String out = r.out();
        assertTrue(out.contains("> no message yet"), out);
        assertTrue(out.contains("α = 2.0"), out);
        assertTrue(out.contains("steering layers 1-3"), out);
        assertTrue(out.contains("steering: on, sign +1 (toward refusal), α=2.0, layers 1-3"), out);
        assertTrue(out.contains("steered toward refusal (on), α=2.0, layers 1-3"), out);
        assertTrue(out.contains("error: /alpha takes a number"), out);
        assertTrue(out.contains("error: /layers: layer 7 is outside the model (layers 0-4)"), out);
        assertTrue(out.contains("error: /steer takes auto, on [+1|-1] or off"), out);
        assertTrue(out.contains("unknown command /bogus; /help lists the commands"), out);
        assertTrue(out.contains("saved 1 exchange to " + file), out);
        assertTrue(out.contains("error: /reset takes no argument"), out);
        assertEquals(2, out.split("conversation cleared", -1).length, "one /reset cleared, the one with an argument did not");
        assertEquals(2, out.split("no message yet", -1).length - 1, "/score before the first message and after /reset");
        assertFalse(out.contains("never read"));

        JsonNode t = Json.MAPPER.readTree(file.toFile());
        assertEquals("stories260K", t.get("model").asText());
        assertEquals("llama-2", t.get("template").asText());
        JsonNode turn = t.get("turns").get(0);
        assertEquals("Tell me a story", turn.get("user").asText());
        assertEquals("on", turn.get("steering").get("mode").asText());
        assertEquals(1, turn.get("steering").get("sign").asInt());
        assertEquals(2.0, turn.get("steering").get("alpha").asDouble(), 0.0);
        assertEquals("1-3", turn.get("steering").get("layers").asText());
        assertTrue(out.contains(turn.get("assistant").asText()));
        try (var files = Files.list(tmp)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "written atomically");
        }
    }

    /** An answer whose pass fails (here an /alpha that overflows the residual) is lost; the session and its dialogue are not. */
    @Test
    void aFailedAnswerKeepsTheSessionAndItsDialogue() throws Exception {
        Path file = tmp.resolve("after-failure.json");
        TestSupport.Cli r = chat(String.join("\n", "Tell me a story", "/steer on +1", "/alpha 1e40", "Hi", "/alpha 2", "Hello",
                "/save " + file) + "\n");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("the message was not answered"), r.out());
        JsonNode t = Json.MAPPER.readTree(file.toFile());
        assertEquals(2, t.get("turns").size(), "the first and the last message, not the failed one");
        assertEquals("Hello", t.get("turns").get(1).get("user").asText());
    }

    @Test
    void aMissingOrWrongModelSaysWhatToPass() throws Exception {
        InputStream old = System.in;
        System.setIn(new ByteArrayInputStream(new byte[0]));
        try {
            TestSupport.Cli r = TestSupport.cli("chat");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("error: chat needs a model: pass --model DIR, a Llama-2-chat or Vicuna checkpoint folder"), r.err());
            r = TestSupport.cli("chat", "--model", "no-such-model");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("--model no-such-model: no such directory (give a checkpoint folder"), r.err());
            assertFalse(r.err().contains("pass --model DIR"), "what to pass, said once: " + r.err());
            Path empty = Files.createDirectories(tmp.resolve("empty"));
            r = TestSupport.cli("chat", "--model", empty.toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("has no tokenizer.model or tokenizer.json") && r.err().contains("pass --model DIR"), r.err());
            Files.copy(TestSupport.model().resolve("tokenizer.model"), empty.resolve("tokenizer.model"));
            r = TestSupport.cli("chat", "--model", empty.toString());
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("config.json") && r.err().contains("pass --model DIR"), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            r = TestSupport.cli("chat", "--model", TestSupport.model().toString(), "--template", "chatml");
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("--template must be llama2 or vicuna"), r.err());
            r = TestSupport.cli("chat", "--model", TestSupport.model().toString(), "--layers", "2-9"); // no --vectors: would extract
            assertEquals(1, r.exit());
            assertTrue(r.err().contains("error: --layers: layer 9 is outside the model (layers 0-4)") && !r.err().contains("extracted"), r.err());
        } finally {
            System.setIn(old);
        }
    }

    /** Without --system, Vicuna's format puts FastChat's in: the transcript records what the model saw, not null. */
    @Test
    void vicunaTemplateWithoutASystemPromptRecordsFastChats() throws Exception {
        Path file = tmp.resolve("vicuna-default.json");
        TestSupport.Cli r = chat("Hi\n/save " + file + "\n", "--template", "vicuna", "--steer", "off");
        assertEquals(0, r.exit(), r.err());
        assertEquals(org.scans.tokenizer.template.VicunaChatTemplate.FASTCHAT_SYSTEM, Json.MAPPER.readTree(file.toFile()).get("system").asText());
    }

    @Test
    void vicunaTemplateWithASystemPromptIsRecorded() throws Exception {
        Path file = tmp.resolve("vicuna.json");
        TestSupport.Cli r = chat("Hi\n/save " + file + "\n", "--template", "vicuna", "--system", "You are terse.", "--steer", "off");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("chat with stories260K (vicuna-v1.1 template), steering: off, α=4.0"), r.out());
        assertTrue(r.out().contains("not steered (off)"), r.out());
        JsonNode t = Json.MAPPER.readTree(file.toFile());
        assertEquals("You are terse.", t.get("system").asText());
        assertEquals("vicuna-v1.1", t.get("template").asText());
        assertEquals(0, t.get("turns").get(0).get("steering").get("sign").asInt());
        // The prompt is FastChat's layout with the given system prompt, ending where the answer begins.
        int[] ids = new org.scans.tokenizer.template.VicunaChatTemplate(org.scans.tokenizer.template.VicunaChatTemplate.SCANS_SYSTEM, false)
                .render("You are terse.", List.of(Message.user("Hi"))).encode(ctx.tokenizer());
        assertEquals(ids.length, t.get("turns").get(0).get("prompt_tokens").asInt());
    }

    @Test
    void aMessageLongerThanTheContextIsRefusedAndTheSessionGoesOn() {
        String tooLong = "tell me a story about a dog ".repeat(100); // ~700 tokens against a 512-token context
        TestSupport.Cli r = chat("Hello\n" + tooLong + "\nOnce upon a time\n/score\n");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("error: the message takes ") && r.out().contains("tokens in the classifier's input; the model's context is 512"),
                r.out());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("[")).count(), "both other messages answered:\n" + r.out());
        assertTrue(r.out().contains("for \"Once upon a time\""), "/score speaks of the last message answered:\n" + r.out());
    }

    @Test
    void aLineThatIsNotUtf8IsRefusedAndTheSessionGoesOn() {
        byte[] bad = "caf\u00e9 story\n".getBytes(StandardCharsets.ISO_8859_1); // é as one Latin-1 byte
        byte[] good = "Once upon a time\n/score\n".getBytes(StandardCharsets.UTF_8);
        byte[] input = java.util.Arrays.copyOf(bad, bad.length + good.length);
        System.arraycopy(good, 0, input, bad.length, good.length);
        TestSupport.Cli r = chat(input);
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("error: the line is not valid UTF-8 text; it was not sent"), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("[")).count(), "the next message answered:\n" + r.out());
        assertTrue(r.out().contains("for \"Once upon a time\""), r.out());
    }

    @Test
    void commandsRefuseWhatTheyDoNotTake() {
        TestSupport.Cli r = chat("/steer on +1 extra\n/alpha NaN\n/steer off now\n");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("error: /steer takes auto, on [+1|-1] or off, got 'on +1 extra'"), r.out());
        assertTrue(r.out().contains("error: /alpha takes a number"), r.out());
        assertTrue(r.out().contains("got 'off now'"), r.out());
    }

    @Test
    void anAnswerCutByTheContextSaysSoAndOldExchangesMakeRoom() throws Exception {
        Path file = tmp.resolve("long.json");
        // Each answer may take 200 tokens: the third message's dialogue would leave fewer, so the first exchange goes.
        String story = "tell me a long story about a dog and a cat ".repeat(5);
        TestSupport.Cli r = chat(story + "\n" + story + "\n" + story + "\n/save " + file + "\n", "--max-new-tokens", "200");
        assertEquals(0, r.exit(), r.err());
        JsonNode turns = Json.MAPPER.readTree(file.toFile()).get("turns");
        for (JsonNode t : turns) {
            // Never cut short without saying so: a full answer, an end of text, or the context named.
            String stop = t.get("stop").asText();
            assertTrue(!stop.equals("max_tokens") || t.get("tokens").asInt() == 200, t.toString());
            assertTrue(t.get("prompt_tokens").asInt() + 200 <= 512 || stop.equals("context_limit") || stop.equals("eos"), t.toString());
        }
        assertTrue(r.err().contains("note: dropped the 1 oldest exchange"), r.err());
        // A message that alone leaves less than --max-new-tokens: the answer ends at the context, with a note.
        Path one = tmp.resolve("one.json");
        // 496 tokens of dialogue leave 16 (measured): the answer runs into the context.
        TestSupport.Cli c = chat("tell me a story about a dog ".repeat(32) + "\n/save " + one + "\n", "--max-new-tokens", "400");
        assertEquals(0, c.exit(), c.err());
        JsonNode t = Json.MAPPER.readTree(one.toFile()).get("turns").get(0);
        assertEquals("context_limit", t.get("stop").asText(), "an answer cut by the context is no max_tokens stop: " + t);
        assertEquals(512, t.get("prompt_tokens").asInt() + t.get("tokens").asInt(), t.toString());
        assertTrue(c.err().contains("note: the answer stopped at the model's context of 512 tokens"), c.err());
    }

    @Test
    void endOfInputRightAwayIsClean() {
        TestSupport.Cli r = chat("");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().stripTrailing().endsWith("bye"), r.out());
    }
}
