package org.scans.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.scans.TestSupport;

class ModelLocatorTest {
    @TempDir
    Path home;

    @Test
    void theBundledModelUnpacksOnceIntoTheCache() throws Exception {
        String old = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            Path dir = ModelLocator.unpackBundled();
            assertNotNull(dir);
            assertEquals(home, dir.getParent().getParent().getParent());
            for (String f : ModelLocator.BUNDLED_FILES) {
                assertArrayEquals(Files.readAllBytes(TestSupport.model().resolve(f)), Files.readAllBytes(dir.resolve(f)), f);
            }
            assertEquals(dir, ModelLocator.unpackBundled(), "second call reuses the unpacked copy");
            // A copy damaged since (truncated here) is unpacked again, not used for good.
            Path weights = dir.resolve("model.safetensors");
            try (var ch = java.nio.channels.FileChannel.open(weights, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(ch.size() / 2);
            }
            assertEquals(dir, ModelLocator.unpackBundled());
            assertArrayEquals(Files.readAllBytes(TestSupport.model().resolve("model.safetensors")), Files.readAllBytes(weights), "repaired");
            try (var left = Files.list(dir.getParent())) {
                assertEquals(1, left.count(), "the damaged copy is removed");
            }
        } finally {
            System.setProperty("user.home", old);
        }
    }

    @Test
    void theBundledModelIsFoundByNameOutsideTheCheckout() throws Exception {
        String old = System.getProperty("user.home");
        System.setProperty("user.home", home.toString());
        try {
            Path elsewhere = Files.createDirectory(home.resolve("elsewhere"));
            Path named = ModelLocator.resolve("stories260K", java.util.List.of(elsewhere));
            assertEquals(ModelLocator.unpackBundled(), named);
            assertEquals(named, ModelLocator.resolve(null, java.util.List.of(elsewhere)));
            var e = org.junit.jupiter.api.Assertions.assertThrows(UserException.class,
                    () -> ModelLocator.resolve("stories15M", java.util.List.of(elsewhere)));
            assertTrue(e.getMessage().contains("--model stories15M: no such directory"), e.getMessage());
        } finally {
            System.setProperty("user.home", old);
        }
    }

    @Test
    void defaultAndNamesUnderModelsAreFound() {
        Path byDefault = ModelLocator.resolve(null);
        assertEquals(Path.of("models", "stories260K"), byDefault.subpath(byDefault.getNameCount() - 2, byDefault.getNameCount()));
        assertTrue(Files.isRegularFile(byDefault.resolve("config.json")));
        assertEquals(byDefault, ModelLocator.resolve("stories260K"));
        var e = org.junit.jupiter.api.Assertions.assertThrows(UserException.class, () -> ModelLocator.resolve("no-such-model"));
        assertTrue(e.getMessage().contains("--model no-such-model: no such directory"), e.getMessage());
    }
}
