package org.scans.tokenizer.template;

/** One turn of a dialogue. */
public record Message(Role role, String content) {
    public enum Role {
        USER,
        ASSISTANT
    }

    public static Message user(String content) {
        return new Message(Role.USER, content);
    }

    public static Message assistant(String content) {
        return new Message(Role.ASSISTANT, content);
    }
}
