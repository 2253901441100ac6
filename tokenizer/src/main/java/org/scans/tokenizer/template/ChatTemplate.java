package org.scans.tokenizer.template;

import java.util.List;
import org.scans.tokenizer.Tokenizer;

/**
 * A chat format, as code. Besides rendering a dialogue, each template gives the three prompts
 * SCANS builds from a query (docs/SCANS.md §2, exact strings, reference quirks included) and
 * the end-of-instruction marker whose last occurrence is SCANS's {@code p_end}.
 */
public sealed interface ChatTemplate permits Llama2ChatTemplate, VicunaChatTemplate {

    String name();

    /**
     * Renders a dialogue that alternates user and assistant turns, starting with the user; when
     * it ends with a user turn, the prompt ends where the assistant's answer would begin.
     *
     * @param system the system prompt, or {@code null} for none
     */
    Prompt render(String system, List<Message> dialogue);

    /** The system prompt {@link #render} uses for {@code given} (null: the format's default, if it has one). */
    default String systemFor(String given) {
        return given;
    }

    /** The prompt whose last token's residual builds the refusal direction. */
    Prompt extraction(String query);

    /** The extraction prompt followed by the teacher-forced answer start " Sure". */
    Prompt classification(String query);

    /** The prompt that generation continues from. */
    Prompt generation(String query);

    /** The end-of-instruction marker text, e.g. {@code "[/INST]"}. */
    String marker();

    /**
     * The last user message of a prompt already written in this format (a rendered dialogue or
     * a {@link #generation} prompt, as text), stripped; empty when the text holds no complete
     * instruction. SCANS's classifier wraps a query itself, so a wrapped prompt must be unwrapped
     * before it is classified.
     */
    java.util.Optional<String> lastQuery(String prompt);

    /** The marker's ids: {@code encode(marker)} without BOS, as the reference derives them. */
    default int[] markerIds(Tokenizer tokenizer) {
        return tokenizer.encode(marker());
    }

    static void checkDialogue(List<Message> dialogue) {
        if (dialogue.isEmpty()) {
            throw new IllegalArgumentException("a dialogue needs at least one user turn");
        }
        for (int i = 0; i < dialogue.size(); i++) {
            Message.Role expected = i % 2 == 0 ? Message.Role.USER : Message.Role.ASSISTANT;
            if (dialogue.get(i).role() != expected) {
                throw new IllegalArgumentException("turn " + i + " is " + dialogue.get(i).role()
                        + "; turns must alternate user, assistant, user, ...");
            }
        }
    }
}
