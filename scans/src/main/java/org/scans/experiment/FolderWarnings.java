package org.scans.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A run's or eval's warnings, for its summary. Those given before its folder is open come from
 * what every session checks again (the settings, the data) and belong to this session. Those given
 * after are about items (a template's marker missing from a prompt, a document skipped) and are
 * also appended to the folder's {@link #FILE}, one a line: a resumed job does not redo the items
 * it finds done, and would otherwise lose what its earlier sessions warned about them.
 */
public final class FolderWarnings {
    public static final String FILE = "warnings.txt";
    /** The most warnings a summary lists. */
    static final int MAX = 1000;

    private final List<String> session = new ArrayList<>();
    private Path file;

    /** Keeps {@code w}: in this session's list until {@link #appendTo}, in the folder's file after. */
    public void add(String w) {
        if (file == null) {
            session.add(w);
            return;
        }
        try {
            Files.writeString(file, w.replace('\n', ' ') + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * From now on appends to {@code dir}'s {@link #FILE}, after dropping a last line without its
     * newline (cut short by a kill; its item runs again and warns again).
     */
    public void appendTo(Path dir) throws IOException {
        file = dir.resolve(FILE);
        if (!Files.exists(file)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            SampleLog.dropIncompleteLastLine(ch);
        }
    }

    /**
     * This session's warnings from before the folder, then the folder's from every session, each
     * once, in the order first given, at most {@link #MAX}.
     */
    public List<String> all() throws IOException {
        Set<String> all = new LinkedHashSet<>(session);
        if (file != null && Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end >= 0) all.addAll(List.of(text.substring(0, end).split("\n", -1)));
        }
        return all.stream().limit(MAX).toList();
    }
}
