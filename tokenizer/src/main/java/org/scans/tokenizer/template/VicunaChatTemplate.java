package org.scans.tokenizer.template;

import java.util.List;

/**
 * Vicuna v1.1 (FastChat {@code vicuna_v1.1}, used by vicuna v1.5):
 * {@code SYS USER: {q} ASSISTANT: {answer}</s>USER: ...}.
 *
 * <p>SCANS's prompts reproduce the reference by default: a Python statement split truncates
 * the system prompt to {@link #SCANS_SYSTEM} (trailing space, hence the double space before
 * {@code USER:}) and no BOS is added. {@link #fullSystemPrompt()} is the named fix: FastChat's
 * whole system prompt, with BOS.
 */
public record VicunaChatTemplate(String scansSystem, boolean scansBos) implements ChatTemplate {
    /** FastChat's vicuna_v1.1 system prompt. */
    public static final String FASTCHAT_SYSTEM = "A chat between a curious user and an artificial intelligence "
            + "assistant. The assistant gives helpful, detailed, and polite answers to the user's questions.";
    /** What the SCANS reference actually uses (truncated, trailing space). */
    public static final String SCANS_SYSTEM = "A chat between a curious user and an artificial intelligence assistant. ";

    /** The reference's behaviour (default). */
    public static VicunaChatTemplate scansReference() {
        return new VicunaChatTemplate(SCANS_SYSTEM, false);
    }

    /** The fix: full FastChat system prompt, with BOS, in extraction and classification. */
    public static VicunaChatTemplate fullSystemPrompt() {
        return new VicunaChatTemplate(FASTCHAT_SYSTEM, true);
    }

    @Override
    public String name() {
        return "vicuna-v1.1";
    }

    /** FastChat's own system prompt when none is given. */
    @Override
    public String systemFor(String given) {
        return given == null ? FASTCHAT_SYSTEM : given;
    }

    /** FastChat's {@code ADD_COLON_TWO} layout; BOS first, as HF's tokenizer adds it. */
    @Override
    public Prompt render(String system, List<Message> dialogue) {
        ChatTemplate.checkDialogue(dialogue);
        StringBuilder sb = new StringBuilder(systemFor(system)).append(' ');
        for (int i = 0; i < dialogue.size(); i++) {
            Message m = dialogue.get(i);
            if (m.role() == Message.Role.USER) {
                sb.append("USER: ").append(m.content()).append(' ');
            } else {
                sb.append("ASSISTANT: ").append(m.content()).append("</s>");
            }
        }
        if (dialogue.getLast().role() == Message.Role.USER) {
            sb.append("ASSISTANT:");
        }
        return new Prompt(sb.toString(), true, true);
    }

    /**
     * {@code SYS + " USER: " + q.strip() + " \nASSISTANT:"}, in special mode as the Llama-2
     * templates: the reference tokenizes these strings whole, and transformers maps a literal
     * {@code <s>} in them to id 1 (SCANS.md §1), as in the perplexity eval's decoded windows.
     */
    @Override
    public Prompt extraction(String query) {
        return new Prompt(scansSystem + " USER: " + PythonStrings.strip(query) + " \nASSISTANT:", scansBos, true);
    }

    /** {@code SYS + " USER: " + q + " \nASSISTANT: Sure"}, q not stripped. */
    @Override
    public Prompt classification(String query) {
        return new Prompt(scansSystem + " USER: " + query + " \nASSISTANT: Sure", scansBos, true);
    }

    /**
     * BOS + {@code encode("USER: " + q.strip() + " \nASSISTANT:")}, no system prompt, in special
     * mode, as HF's tokenizer encodes it: a literal {@code </s>} in the query is EOS here
     * as in the classification input, not spelled out (which gave one sample two encodings).
     */
    @Override
    public Prompt generation(String query) {
        return new Prompt("USER: " + PythonStrings.strip(query) + " \nASSISTANT:", true, true);
    }

    /** The text between the last {@code USER:} and the {@code ASSISTANT:} after it. */
    @Override
    public java.util.Optional<String> lastQuery(String prompt) {
        int end = prompt.lastIndexOf("ASSISTANT:");
        int begin = end < 0 ? -1 : prompt.lastIndexOf("USER:", end);
        if (begin < 0) return java.util.Optional.empty();
        String q = PythonStrings.strip(prompt.substring(begin + "USER:".length(), end));
        return q.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(q);
    }

    /** {@code "\nASSISTANT:"}: encodes as ▁ then \n, so it matches after the " " before \n. */
    @Override
    public String marker() {
        return "\nASSISTANT:";
    }
}
