package org.scans.tokenizer.template;

import java.util.List;

/**
 * Llama-2-chat: {@code <s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>}
 * per turn, as Meta's {@code chat_completion} and HF's chat template build it (contents
 * stripped). Rendered prompts carry literal {@code <s>}/{@code </s>} and are encoded in special
 * mode, which gives the same ids as Meta's turn-by-turn encoding.
 */
public record Llama2ChatTemplate() implements ChatTemplate {
    public static final String B_INST = "[INST]";
    public static final String E_INST = "[/INST]";
    public static final String B_SYS = "<<SYS>>\n";
    public static final String E_SYS = "\n<</SYS>>\n\n";

    @Override
    public String name() {
        return "llama-2";
    }

    @Override
    public Prompt render(String system, List<Message> dialogue) {
        ChatTemplate.checkDialogue(dialogue);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dialogue.size(); i += 2) {
            String user = dialogue.get(i).content();
            if (i == 0 && system != null) {
                user = B_SYS + system + E_SYS + user;
            }
            sb.append("<s>").append(B_INST).append(' ').append(PythonStrings.strip(user)).append(' ').append(E_INST);
            if (i + 1 < dialogue.size()) {
                sb.append(' ').append(PythonStrings.strip(dialogue.get(i + 1).content())).append(" </s>");
            }
        }
        return new Prompt(sb.toString(), false, true);
    }

    /** {@code "<s>[INST] " + q + " [/INST]"}, q not stripped. */
    @Override
    public Prompt extraction(String query) {
        return new Prompt("<s>[INST] " + query + " [/INST]", false, true);
    }

    /** {@code "<s>[INST] " + q + " [/INST] Sure"}. */
    @Override
    public Prompt classification(String query) {
        return new Prompt("<s>[INST] " + query + " [/INST] Sure", false, true);
    }

    /**
     * BOS + {@code encode("[INST] " + q.strip() + " [/INST]")}, in special
     * mode, as HF's tokenizer encodes it: a literal {@code </s>} in the query is EOS here
     * as in the classification input, not spelled out (which gave one sample two encodings).
     */
    @Override
    public Prompt generation(String query) {
        return new Prompt("[INST] " + PythonStrings.strip(query) + " [/INST]", true, true);
    }

    @Override
    public String marker() {
        return E_INST;
    }

    /** The text between the last {@code [INST]} and the {@code [/INST]} after it, less a {@code <<SYS>>} block. */
    @Override
    public java.util.Optional<String> lastQuery(String prompt) {
        int end = prompt.lastIndexOf(E_INST);
        int begin = end < 0 ? -1 : prompt.lastIndexOf(B_INST, end);
        if (begin < 0) return java.util.Optional.empty();
        String inner = prompt.substring(begin + B_INST.length(), end);
        int sys = inner.indexOf(E_SYS.strip());
        if (inner.strip().startsWith(B_SYS.strip()) && sys >= 0) inner = inner.substring(sys + E_SYS.strip().length());
        String q = PythonStrings.strip(inner);
        return q.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(q);
    }
}
