package org.scans.chat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Locale;
import java.util.function.Function;
import org.scans.experiment.Json;
import org.scans.method.Layers;
import org.scans.method.Verdict;
import org.scans.tokenizer.StreamingDecoder;
import org.scans.tokenizer.Tokenizer;

/**
 * The read-eval-print loop around a {@link ChatSession}: lines are messages, lines starting with
 * {@code /} are commands; answers stream as they are generated; end of input (Ctrl-D) ends the
 * session. Nothing here touches the model except through the session.
 */
public final class ChatRepl {
    static final String HELP = """
            commands:
              /steer auto         SCANS: classify each message; steer away from refusal if safe, toward it if unsafe (default)
              /steer on [+1|-1]   always steer, with a fixed sign (default -1: away from refusal)
              /steer off          no steering
              /alpha A            steering strength α
              /layers LIST        steering layers, e.g. 10-19 or 3,5,7
              /score              c(q) and σ of the last message
              /reset              forget the conversation
              /save FILE          write the transcript as JSON
              /help               this list
              /quit               leave (so does Ctrl-D)""";

    private final ChatSession session;
    private final Tokenizer tokenizer;
    private final Utf8Lines in;
    private final PrintWriter out;
    private final String modelName;
    private final Function<String, Path> paths;

    /**
     * @param paths resolves a {@code /save} argument to a file (the CLI checks it is writable)
     */
    public ChatRepl(ChatSession session, Tokenizer tokenizer, Utf8Lines in, PrintWriter out, String modelName,
                    Function<String, Path> paths) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.in = in;
        this.out = out;
        this.modelName = modelName;
        this.paths = paths;
    }

    /** Runs until end of input or /quit. */
    public void run() throws IOException {
        out.println("chat with " + modelName + " (" + session.template().name() + " template), " + status());
        out.println("type a message, /help for commands, Ctrl-D to leave");
        while (true) {
            out.print("> ");
            out.flush();
            String line;
            try {
                line = in.readLine();
            } catch (Utf8Lines.Malformed e) {
                out.println("error: " + e.getMessage());
                continue;
            }
            if (line == null) {
                out.println();
                out.println("bye");
                out.flush();
                return;
            }
            String text = line.strip();
            if (text.isEmpty()) continue;
            if (text.startsWith("/")) {
                if (!command(text)) return;
            } else {
                answer(text);
            }
            out.flush();
        }
    }

    private void answer(String message) {
        StreamingDecoder decoder = tokenizer.outputDecoder();
        boolean[] started = {false};
        ChatSession.Turn turn;
        try {
            turn = session.send(message, id -> {
                if (id == tokenizer.eos() || id == tokenizer.bos()) return;
                String piece = decoder.accept(id);
                if (!started[0]) {
                    piece = piece.stripLeading();
                    started[0] = !piece.isEmpty();
                }
                out.print(piece);
                out.flush();
            });
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            return;
        } catch (org.scans.engine.EngineException e) {
            // A pass that failed (non-finite logits under an extreme /alpha) loses this answer, not
            // the session: the dialogue so far stays, and /save still works.
            if (started[0]) out.println();
            out.println("error: " + e.getMessage() + "; the message was not answered");
            return;
        }
        out.print(decoder.finish());
        out.println();
        out.println(String.format(Locale.ROOT, "[%d tokens, %.1f tok/s, %.2f s · %s]", turn.tokens(), turn.tokensPerSecond(), turn.seconds(),
                steeringNote(turn)));
    }

    private String steeringNote(ChatSession.Turn t) {
        String verdict = String.format(Locale.ROOT, "c(q)=%.3f, σ=%s", t.verdict().score(), t.verdict().sigma() > 0 ? "+1 unsafe" : "-1 safe");
        if (t.sign() == 0 || t.alpha() == 0) return "not steered (" + t.mode() + "); " + verdict;
        return (t.sign() > 0 ? "steered toward refusal" : "steered away from refusal") + " (" + t.mode() + "), α=" + t.alpha()
                + ", layers " + Layers.format(t.layers()) + "; " + verdict;
    }

    /** Returns false to leave. */
    private boolean command(String text) {
        String[] parts = text.split("\\s+", 2);
        String arg = parts.length > 1 ? parts[1].strip() : "";
        try {
            if (!arg.isEmpty() && java.util.Set.of("/quit", "/exit", "/help", "/score", "/reset").contains(parts[0])) {
                // "/reset now" must not clear the conversation as if the word were not there
                throw new IllegalArgumentException(parts[0] + " takes no argument");
            }
            switch (parts[0]) {
                case "/quit", "/exit" -> {
                    out.println("bye");
                    return false;
                }
                case "/help" -> out.println(HELP);
                case "/steer" -> steer(arg);
                case "/alpha" -> {
                    double a;
                    try {
                        a = Double.parseDouble(arg);
                    } catch (NumberFormatException e) {
                        a = Double.NaN;
                    }
                    if (!Double.isFinite(a) || a < 0) throw new IllegalArgumentException("/alpha takes a number >= 0, e.g. /alpha 3.5");
                    session.alpha(a);
                    out.println("α = " + session.alpha());
                }
                case "/layers" -> {
                    session.layers(Layers.parse(arg, session.layerCount(), "/layers"));
                    out.println("steering layers " + Layers.format(session.layers()));
                }
                case "/score" -> score();
                case "/reset" -> {
                    session.reset();
                    out.println("conversation cleared");
                }
                case "/save" -> save(arg);
                default -> out.println("unknown command " + parts[0] + "; /help lists the commands");
            }
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
        } catch (IOException e) {
            out.println("error: cannot write: " + e.getMessage());
        }
        return true;
    }

    private void steer(String arg) {
        String[] a = arg.split("\\s+");
        if (a.length > (a[0].equals("on") ? 2 : 1)) throw new IllegalArgumentException("/steer takes auto, on [+1|-1] or off, got '" + arg + "'");
        switch (a[0]) {
            case "auto" -> session.steer(ChatSession.Steer.AUTO, session.fixedSign());
            case "off" -> session.steer(ChatSession.Steer.OFF, session.fixedSign());
            case "on" -> {
                int sign = -1;
                if (a.length > 1) {
                    sign = switch (a[1]) {
                        case "+1", "1", "+" -> 1;
                        case "-1", "-" -> -1;
                        default -> throw new IllegalArgumentException("/steer on takes +1 (toward refusal) or -1 (away from it)");
                    };
                }
                session.steer(ChatSession.Steer.ON, sign);
            }
            default -> throw new IllegalArgumentException("/steer takes auto, on [+1|-1] or off");
        }
        out.println(status());
    }

    private String status() {
        String mode = switch (session.steer()) {
            case AUTO -> "auto (SCANS: sign from the classifier)";
            case ON -> "on, sign " + (session.fixedSign() > 0 ? "+1 (toward refusal)" : "-1 (away from refusal)");
            case OFF -> "off";
        };
        return "steering: " + mode + ", α=" + session.alpha() + ", layers " + Layers.format(session.layers()) + "; classifier " + session.classifier();
    }

    private void score() {
        Verdict v = session.lastVerdict();
        if (v == null) {
            out.println("no message yet");
            return;
        }
        out.println(String.format(Locale.ROOT, "c(q) = %.4f over Λ=%s (T=%s) → σ = %s for \"%s\"", v.score(), Layers.format(session.classifier().layers()),
                session.classifier().threshold(), v.sigma() > 0 ? "+1 (unsafe)" : "-1 (safe)", session.lastUser()));
    }

    private void save(String arg) throws IOException {
        if (arg.isEmpty()) throw new IllegalArgumentException("/save needs a file name, e.g. /save chat.json");
        Path file = paths.apply(arg);
        Json.writeAtomically(file, transcript());
        out.println("saved " + session.turns().size() + " exchange" + (session.turns().size() == 1 ? "" : "s") + " to " + file);
    }

    ObjectNode transcript() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", modelName);
        o.put("template", session.template().name());
        // What the model saw: Vicuna's format puts FastChat's system prompt in when none is given.
        String system = session.template().systemFor(session.system());
        if (system != null) o.put("system", system);
        else o.putNull("system");
        o.put("saved", OffsetDateTime.now().toString());
        o.put("classifier", session.classifier().toString());
        ArrayNode turns = o.putArray("turns");
        for (ChatSession.Turn t : session.turns()) {
            ObjectNode x = turns.addObject();
            x.put("user", t.user());
            x.put("assistant", t.assistant());
            x.put("score", t.verdict().score());
            x.put("sigma", t.verdict().sigma());
            ObjectNode s = x.putObject("steering");
            s.put("mode", t.mode());
            s.put("sign", t.sign());
            s.put("alpha", t.alpha());
            s.put("layers", Layers.format(t.layers()));
            s.put("from", t.steerFrom());
            x.put("prompt_tokens", t.promptTokens());
            x.put("cached_tokens", t.cachedTokens());
            x.put("tokens", t.tokens());
            x.put("seconds", Math.round(t.seconds() * 1000) / 1000.0);
            x.put("stop", t.stop());
        }
        return o;
    }
}
