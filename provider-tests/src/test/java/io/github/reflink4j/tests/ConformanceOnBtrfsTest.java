package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The wrapper's NIO contract over the platform file system, on btrfs, where copies clone. */
@DisplayName("ProviderConformance on btrfs")
class ConformanceOnBtrfsTest extends ProviderConformanceTest {

    @Override
    protected Path createWrappedDirectory() {
        return Reflink.wrap(directoryOn(TestFileSystem.BTRFS));
    }

    /** The platform's file URI with the scheme reflink, the name percent-encoded as UTF-8 bytes. */
    @Test
    void toUri_ofAWrappedPlatformPath_isTheReflinkUriOfItsAbsolutePath() throws IOException {
        Path file = Files.writeString(root.resolve("naïve café €.txt"), "x");

        assertEquals(
                "reflink://" + root.toAbsolutePath() + "/na%C3%AFve%20caf%C3%A9%20%E2%82%AC.txt",
                file.toUri().toString());
    }

    @Test
    void wrappedPaths_copyByClone_andPlainFilesCopyOnThemSharesExtents() throws IOException {
        Path source = writeRandomFile(root.resolve("source"), 500_000, 1);

        Files.copy(source, root.resolve("auto"));
        Files.copy(source, root.resolve("always"), ReflinkCopyOption.ALWAYS);

        assertTrue(Extents.allShared(Path.of(root.resolve("auto").toString())));
        assertTrue(Extents.allShared(Path.of(root.resolve("always").toString())));
    }
}
