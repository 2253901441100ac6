package org.scans.engine.model;

/** Which positions of a step need next-token logits. */
public enum Logits {
    /** None: the pass only fills the KV cache (and feeds hooks). */
    NONE,
    /** The step's last token only: prefill before generation, and decoding. */
    LAST,
    /** Every token: teacher-forced scoring. */
    ALL
}
