package org.scans.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.scans.data.Anchors;
import org.scans.data.Datasets;
import org.scans.engine.model.LlamaModel;
import org.scans.experiment.ScansContext;
import org.scans.experiment.VectorSource;
import java.util.List;
import java.util.Set;
import org.scans.method.Family;
import org.scans.method.Fix;
import org.scans.tokenizer.Tokenizer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Options shared by the SCANS commands: the model family and where the vectors come from. */
final class ScansOptions {
    @Option(names = "--family", paramLabel = "NAME", defaultValue = "llama2",
            description = "Chat template and presets: llama2 or vicuna (the reference's templates, quirks included). Default: ${DEFAULT-VALUE}.")
    String family;

    @Option(names = "--vectors", paramLabel = "FILE", description = "Vectors written by 'extract' (otherwise they are extracted from the anchors first).")
    Path vectors;

    @Option(names = "--seed", paramLabel = "S", description = "Seed for drawing the 64 + 64 anchors (default " + Anchors.DEFAULT_SEED + ").")
    Long seed;

    @Option(names = "--harmful-anchors", paramLabel = "FILE", description = "Harmful anchor prompts, one per line (replaces the sampling).")
    Path harmfulAnchors;

    @Option(names = "--harmless-anchors", paramLabel = "FILE", description = "Harmless anchor prompts, one per line (replaces the sampling).")
    Path harmlessAnchors;

    @Option(names = "--fix", paramLabel = "NAME",
            description = "Depart from the reference on purpose (repeatable): full-vicuna-prompt, raw-last-layer, strip-prompts, steer-last-if-no-marker, rouge-without-eos (eval xsum). Default: none, the reference's behaviour.")
    List<String> fixNames = List.of();

    /** The command these options are mixed into: a fix that only one command applies is refused by the others. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    Set<Fix> fixes() {
        Set<Fix> out = Fix.none();
        for (String n : fixNames) {
            try {
                out.add(Fix.parse(n));
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }
        // Recorded in run.json and the vectors' metadata: a fix that changes nothing would claim a departure never made.
        if (out.contains(Fix.FULL_VICUNA_PROMPT) && family() != Family.VICUNA) {
            throw new UserException("--fix full-vicuna-prompt applies to --family vicuna");
        }
        if (out.contains(Fix.ROUGE_WITHOUT_EOS) && command != null && !command.qualifiedName().endsWith(" eval xsum")) {
            throw new UserException("--fix rouge-without-eos applies to eval xsum, the only command that scores with ROUGE");
        }
        return out;
    }

    Family family() {
        return parseFamily(family);
    }

    /** Why {@code p}, which is not a regular file, cannot be read as one. */
    static String notAFile(Path p) {
        return Files.isDirectory(p) ? "is a directory, not a file" : Files.exists(p) ? "not a regular file" : "no such file";
    }

    /** A {@code --family} value, or a user error naming the families. */
    static Family parseFamily(String name) {
        try {
            return Family.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
    }

    VectorSource source() {
        if ((harmfulAnchors == null) != (harmlessAnchors == null)) {
            throw new UserException("--harmful-anchors and --harmless-anchors go together");
        }
        if (vectors != null) {
            if (seed != null || harmfulAnchors != null) throw new UserException("--vectors cannot be combined with --seed or anchor files");
            if (!Files.isRegularFile(vectors)) throw new UserException("--vectors " + vectors + ": " + notAFile(vectors));
            return new VectorSource.FromFile(vectors);
        }
        if (harmfulAnchors != null) {
            if (seed != null) throw new UserException("--seed and anchor files exclude each other");
            for (Path p : new Path[] {harmfulAnchors, harmlessAnchors}) {
                if (!Files.isRegularFile(p)) throw new UserException(p + ": " + notAFile(p));
                String name = p.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
                if (name.endsWith(".csv") || name.endsWith(".jsonl")) {
                    // a test set's file given as anchors: its header and columns would become prompts
                    System.err.println("warning: " + p + ": anchor files hold one prompt per line, read as plain text (a header line or "
                            + "columns would be prompts too)");
                }
            }
            return new VectorSource.Files(harmfulAnchors, harmlessAnchors);
        }
        return new VectorSource.Sampled(seed == null ? Anchors.DEFAULT_SEED : seed);
    }

    /**
     * Where the vectors come from when a run or eval in {@code dir} starts or resumes: on
     * {@code --resume} without {@code --vectors}, {@code --seed} or anchor files, the folder's own
     * copy (so a continued run steers exactly as it started, and is not extracted again);
     * otherwise {@link #source()}.
     */
    VectorSource source(Path copy, boolean resume, PrintStream err) {
        if (resume && seed != null && Files.isRegularFile(copy)) {
            // Another seed gives other vectors, and the folder would refuse them, but only after
            // the extraction (minutes on a 7B model): the copy's own seed answers at once.
            String was;
            try {
                was = org.scans.method.VectorsFile.read(copy).metadata().get(org.scans.method.ScansVectors.ANCHOR_SEED);
            } catch (IllegalArgumentException e) {
                was = null; // a damaged copy: the resume names it later
            }
            if (was != null && !was.equals(String.valueOf(seed))) {
                throw new UserException("--resume: " + copy.getParent() + " was started with anchor seed " + was + ", not --seed " + seed);
            }
        }
        boolean ownVectors = resume && vectors == null && seed == null && harmfulAnchors == null;
        boolean reuse = ownVectors && Files.isRegularFile(copy);
        if (ownVectors && !Files.exists(copy) && Files.exists(copy.resolveSibling(org.scans.experiment.SampleLog.FILE))) {
            // Extracting afresh from the default anchors would take minutes and then be refused
            // whenever the folder was started with other vectors.
            throw new UserException("--resume: " + copy.getParent() + " has lost its copy of the vectors (" + copy.getFileName()
                    + "); pass --vectors FILE, --seed N or the anchor files it was started with");
        }
        if (!reuse) return source();
        err.println("resuming with the vectors in " + copy);
        return new VectorSource.FromFile(copy);
    }

    ScansContext open(LlamaModel model, Tokenizer tokenizer, Datasets data, PrintStream err) {
        return open(model, tokenizer, data, source(), err);
    }

    ScansContext open(LlamaModel model, Tokenizer tokenizer, Datasets data, VectorSource source, PrintStream err) {
        Set<Fix> fixes = fixes();
        if (!fixes.isEmpty()) err.println("fixes: " + Fix.describe(fixes) + " (departing from the reference)");
        return ScansContext.open(model, tokenizer, family(), fixes, data, source, Main.version(), err::println);
    }
}
