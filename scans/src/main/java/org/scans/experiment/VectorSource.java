package org.scans.experiment;

import java.nio.file.Path;

/** Where a session's SCANS vectors come from. */
public sealed interface VectorSource {
    /** A file written by {@code extract}. */
    record FromFile(Path file) implements VectorSource {}

    /** Extract now from 64 + 64 anchors drawn with this seed. */
    record Sampled(long seed) implements VectorSource {}

    /** Extract now from anchor files, one prompt per line. */
    record Files(Path harmful, Path harmless) implements VectorSource {}
}
