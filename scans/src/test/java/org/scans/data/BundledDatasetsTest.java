package org.scans.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The data sets packed into the build (and so into the jar) are complete and readable in place. */
class BundledDatasetsTest {
    @Test
    void bundledCopyHoldsEveryDataset() {
        Path root = DatasetRoot.bundled();
        assertNotNull(root, "datasets/ must be on the classpath (scans/pom.xml resources)");
        assertTrue(Files.isRegularFile(root.resolve("PROVENANCE.md")));
        Datasets data = new Datasets(root);
        assertEquals(450, data.xsTest().size());
        assertEquals(520, data.advBench().size());
        assertEquals(384, data.repeTest().unsafe().size());
        assertEquals(384, data.repeTest().safe().size());
        assertEquals(57, Mmlu.of(data).subjects().size());
    }
}
