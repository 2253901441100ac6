package org.scans.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A test pairing: the prompts that should be refused and the prompts that should be answered.
 * The reference evaluates the unsafe list first, then the safe list, and its label vector is
 * built in that order; {@link #all()} keeps it.
 *
 * @param name   pairing name ({@code default}, {@code xstest}, …) or a custom file's name
 * @param unsafe prompts labelled {@link Label#UNSAFE}
 * @param safe   prompts labelled {@link Label#SAFE}
 */
public record TestSet(String name, List<Sample> unsafe, List<Sample> safe) {

    public TestSet {
        Objects.requireNonNull(name, "name");
        unsafe = List.copyOf(unsafe);
        safe = List.copyOf(safe);
        for (Sample s : unsafe) {
            if (s.label() != Label.UNSAFE) {
                throw new IllegalArgumentException(s.id() + " is labelled " + s.label() + " but listed as unsafe");
            }
        }
        for (Sample s : safe) {
            if (s.label() != Label.SAFE) {
                throw new IllegalArgumentException(s.id() + " is labelled " + s.label() + " but listed as safe");
            }
        }
    }

    /** Unsafe samples, then safe samples: the reference's evaluation order. */
    public List<Sample> all() {
        List<Sample> all = new ArrayList<>(unsafe.size() + safe.size());
        all.addAll(unsafe);
        all.addAll(safe);
        return all;
    }

    public int size() {
        return unsafe.size() + safe.size();
    }

    /**
     * Test prompts that are, character for character, also anchor prompts (harmful or
     * harmless). Anchors build the steering vector and calibrate the classifier, so such a
     * prompt is not held out: all 384 RepE harmful prompts are AdvBench goals, and with the
     * default 64 AdvBench anchors several of them are anchors. Report this beside the results;
     * the {@code default} pairing has none by construction.
     */
    public AnchorOverlap anchorOverlap(AnchorSet anchors) {
        return AnchorOverlap.of(all(), anchors);
    }

    /** Counts of unsafe and safe test prompts that are also anchors. */
    public record AnchorOverlap(int unsafe, int safe) {
        /** The overlap among {@code samples} alone (a {@code --limit}ed selection, say). */
        public static AnchorOverlap of(List<Sample> samples, AnchorSet anchors) {
            Set<String> anchorPrompts = new HashSet<>(anchors.harmfulPrompts());
            anchorPrompts.addAll(anchors.harmlessPrompts());
            int u = 0, s = 0;
            for (Sample x : samples) {
                if (!anchorPrompts.contains(x.prompt())) continue;
                if (x.label() == Label.UNSAFE) u++;
                else s++;
            }
            return new AnchorOverlap(u, s);
        }

        public int total() {
            return unsafe + safe;
        }

        /**
         * The note for {@code samples} of {@code set} scored with vectors from {@code anchors}, or
         * null when nothing overlaps or the anchors are unknown (vectors that name no seed).
         */
        public static String noteFor(List<Sample> samples, AnchorSet anchors, String set) {
            return anchors == null ? null : of(samples, anchors).note(set);
        }

        /**
         * The line that says so, or null when there is no overlap: such prompts helped build the
         * vectors their scores are measured with, so they are not held out.
         */
        public String note(String set) {
            if (total() == 0) return null;
            return total() + " of the " + set + " prompts scored are also anchors (" + unsafe + " unsafe, " + safe
                    + " safe): they helped build the vectors, so they are not held out";
        }
    }
}
