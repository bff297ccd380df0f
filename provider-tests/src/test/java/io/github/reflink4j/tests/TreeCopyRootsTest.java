package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tree copy whose roots cannot be opened (a target whose parent is missing or a file, a target
 * that is a file or a symbolic link, a source that is a file) fails before anything is copied,
 * naming the path, and leaves every file and descriptor as it was.
 */
class TreeCopyRootsTest extends RealFileSystemTest {

    private static Path sourceTree(Path dir) throws IOException {
        Path source = Files.createDirectories(dir.resolve("source/sub"));
        writeRandomFile(source.resolve("file"), 10_000, 1);
        return source.getParent();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_whenTheTargetsParentIsMissing_throwsNoSuchFile_namingTheTarget_andChangesNothing(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceTree(dir);
        Path target = dir.resolve("missing/target");
        NothingLost before = NothingLost.snapshot(dir);

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Reflink.copyTree(source, target));

        NothingLost.assertMentions(e, target.toString());
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_whenTheTargetsParentIsAFile_throwsNotDirectory_namingTheTarget_andChangesNothing(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceTree(dir);
        Path file = writeRandomFile(dir.resolve("a-file"), 100, 2);
        Path target = file.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        NotDirectoryException e = assertThrows(NotDirectoryException.class, () -> Reflink.copyTree(source, target));

        NothingLost.assertMentions(e, target.toString());
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_whenTheTargetIsARegularFile_refusesIt_andLeavesTheFileAsItWas(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceTree(dir);
        Path target = writeRandomFile(dir.resolve("target"), 5000, 3);
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.copyTree(source, target));

        assertEquals(target.toString(), e.getFile());
        NothingLost.assertMentions(e, "exists and is not a directory");
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_whenTheTargetIsASymbolicLinkToADirectory_refusesToFollowIt_andWritesNothingThere(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceTree(dir);
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        Path target = Files.createSymbolicLink(dir.resolve("target"), elsewhere);
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.copyTree(source, target));

        assertEquals(target.toString(), e.getFile());
        // the kernel answers O_DIRECTORY|O_NOFOLLOW on a link with ENOTDIR, not ELOOP: the message says no more
        NothingLost.assertMentions(e, "exists and is not a directory");
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_whenTheSourceIsARegularFile_throwsNotDirectory_namingTheSource_andCreatesNoTarget(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 5000, 4);
        Path target = dir.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        NotDirectoryException e = assertThrows(NotDirectoryException.class, () -> Reflink.copyTree(source, target));

        assertEquals(source.toString(), e.getFile());
        before.assertUnchanged();
    }
}
