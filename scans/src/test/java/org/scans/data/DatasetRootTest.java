package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetRootTest {

    @TempDir
    Path dir;

    @Test
    void propertyWinsThenEnvironment() throws IOException {
        Path a = Files.createDirectories(dir.resolve("a"));
        Path b = Files.createDirectories(dir.resolve("b"));
        assertEquals(a, DatasetRoot.locate(a.toString(), b.toString(), null, dir));
        assertEquals(b, DatasetRoot.locate(null, b.toString(), null, dir));
        DatasetException e = assertThrows(DatasetException.class,
                () -> DatasetRoot.locate(null, dir.resolve("typo").toString(), null, dir));
        assertTrue(e.getMessage().startsWith("environment variable SCANS_DATASETS names "), e.getMessage());
    }

    /** A datasets folder as the project's: with its PROVENANCE.md. */
    private static Path data(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve(DatasetRoot.MARKER), "provenance");
        return folder;
    }

    @Test
    void besideTheJarOrAboveItThenWorkingDirectory() throws IOException {
        Path repo = Files.createDirectories(dir.resolve("repo"));
        Path data = data(repo.resolve("datasets"));
        Path jar = Files.createFile(Files.createDirectories(repo.resolve("target")).resolve("scans-engine.jar"));
        assertEquals(data.toAbsolutePath(), DatasetRoot.locate(null, null, jar, dir.resolve("elsewhere")));
        Path work = data(dir.resolve("work/datasets")).getParent();
        assertEquals(work.resolve("datasets").toAbsolutePath(), DatasetRoot.locate(null, "", dir.resolve("x.jar"), work));
        DatasetException e = assertThrows(DatasetException.class, () -> DatasetRoot.locate(null, null, null, dir));
        assertTrue(e.getMessage().startsWith("cannot find the datasets folder (one holding PROVENANCE.md); looked in "), e.getMessage());
    }

    @Test
    void aFoundFolderWithoutTheMarkerIsPassedOver() throws IOException {
        Path packed = Files.createDirectories(dir.resolve("packed"));
        // An empty datasets/ in the working directory and one beside the jar: neither hides the packed copy.
        Path work = Files.createDirectories(dir.resolve("w/datasets")).getParent();
        Path jar = Files.createFile(Files.createDirectories(dir.resolve("j/datasets")).getParent().resolve("scans-engine.jar"));
        assertEquals(packed, DatasetRoot.locate(null, null, jar, work, () -> packed));
    }

    @Test
    void theBundledCopyComesLastAndNeverReplacesANamedFolder() throws IOException {
        Path packed = Files.createDirectories(dir.resolve("packed"));
        assertEquals(packed, DatasetRoot.locate(null, null, null, dir, () -> packed));
        assertEquals(packed, DatasetRoot.locate("", " ", null, dir, () -> packed), "blank settings count as unset");
        Path work = data(dir.resolve("work/datasets")).getParent();
        assertEquals(work.resolve("datasets").toAbsolutePath(), DatasetRoot.locate(null, null, null, work, () -> packed));
        assertThrows(DatasetException.class, () -> DatasetRoot.locate(dir.resolve("typo").toString(), null, null, dir, () -> packed));
    }
}
