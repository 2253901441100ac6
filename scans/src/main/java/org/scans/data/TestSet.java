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
     * How many test prompts are, character for character, also anchor prompts. Anchors steer
     * and calibrate the classifier, so an overlapping test prompt is not held out: RepE's unsafe
     * side consists of AdvBench goals and typically shares several with the sampled anchors.
     * Report this number beside the results; it is 0 for the {@code default} pairing by
     * construction.
     */
    public int anchorOverlap(AnchorSet anchors) {
        Set<String> anchorPrompts = new HashSet<>(anchors.harmfulPrompts());
        anchorPrompts.addAll(anchors.harmlessPrompts());
        int overlap = 0;
        for (Sample s : all()) {
            if (anchorPrompts.contains(s.prompt())) {
                overlap++;
            }
        }
        return overlap;
    }
}
