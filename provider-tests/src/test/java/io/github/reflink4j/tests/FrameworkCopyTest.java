package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real framework, unchanged: Apache Commons IO's {@code PathUtils.copyDirectory} copies through
 * {@code Files.copy}; handed reflink paths, its copies are clones.
 */
class FrameworkCopyTest extends RealFileSystemTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void commonsIoCopyDirectory_givenReflinkPaths_clonesEveryFile(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Files.createDirectories(dir.resolve("tree/a/b"));
        Path tree = dir.resolve("tree");
        writeRandomFile(dir.resolve("tree/one.bin"), 200_000, 1);
        writeRandomFile(dir.resolve("tree/a/two.bin"), 300_000, 2);
        writeRandomFile(dir.resolve("tree/a/b/three.bin"), 400_000, 3);

        PathUtils.copyDirectory(Reflink.wrap(tree), Reflink.wrap(dir.resolve("copy")));

        List<Path> copies;
        try (Stream<Path> walk = Files.walk(dir.resolve("copy"))) {
            copies = walk.filter(Files::isRegularFile).toList();
        }
        assertEquals(3, copies.size(), copies.toString());
        for (Path copy : copies) {
            assertSameContent(tree.resolve(dir.resolve("copy").relativize(copy)), copy);
            assertEquals(fs.clones(), Extents.allShared(copy), copy + " " + Extents.of(copy));
        }
    }
}
