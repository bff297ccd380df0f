package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Directories and links behave exactly as with Files.copy, in every mode. */
class DirectoriesAndLinksTest extends RealFileSystemTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void directory_becomesAnEmptyDirectory(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.createFile(source.resolve("inside"));

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            Path target = dir.resolve("copy-" + mode.name());
            assertEquals(CopyResult.none(), Reflink.copy(source, target, mode));
            assertTrue(Files.isDirectory(target));
            try (var entries = Files.list(target)) {
                assertEquals(0, entries.count());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void symbolicLink_withNofollowLinks_isCopiedAsALink_otherwiseFollowed(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path file = writeRandomFile(dir.resolve("file"), 5000, 1);
        Path link = Files.createSymbolicLink(dir.resolve("link"), file.getFileName());

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            Path linkCopy = dir.resolve("link-copy-" + mode.name());
            assertEquals(CopyResult.none(), Reflink.copy(link, linkCopy, mode, NOFOLLOW_LINKS));
            assertTrue(Files.isSymbolicLink(linkCopy));
            assertEquals(file.getFileName(), Files.readSymbolicLink(linkCopy));

            if (mode != ReflinkCopyOption.ALWAYS || fs.clones()) {
                Path followed = dir.resolve("followed-" + mode.name());
                Reflink.copy(link, followed, mode);
                assertTrue(Files.isRegularFile(followed, NOFOLLOW_LINKS));
                assertSameContent(file, followed);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void missingSource_orMissingTargetDirectory_throwNoSuchFile_namingThePath(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path file = writeRandomFile(dir.resolve("file"), 10, 1);

        NoSuchFileException noSource = assertThrows(
                NoSuchFileException.class, () -> Reflink.auto(dir.resolve("absent"), dir.resolve("target")));
        NoSuchFileException noDirectory =
                assertThrows(NoSuchFileException.class, () -> Reflink.auto(file, dir.resolve("absent-dir/target")));

        assertEquals(dir.resolve("absent").toString(), noSource.getFile());
        assertEquals(dir.resolve("absent-dir/target").toString(), noDirectory.getFile());
    }
}
