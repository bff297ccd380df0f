package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tree copy that keeps hard links, with REPLACE_EXISTING, into a tree where every name of a
 * linked file already exists as another file: the first name's copy replaces its old file as
 * any copy does, and each later name, which cannot simply be linked there (EEXIST), is linked
 * under a temporary name and renamed over the old file. On ext4 the copy's data was written,
 * not cloned, so it is flushed before a rename replaces anything; on btrfs it is a clone. The
 * source never changes, and no temporary name is left behind. Without REPLACE_EXISTING a name
 * that is taken fails alone, its file untouched, and the other name is still copied.
 */
class HardLinksOverExistingTargetsTest extends RealFileSystemTest {
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_keepingHardLinks_overOldFilesAtEveryName_replacesThemWithOneInodeOfTheSourcesBytes(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectories(dir.resolve("source/a")).getParent();
        Files.createDirectory(source.resolve("b"));
        Path first = writeRandomFile(source.resolve("a/file"), 3 * 4096 + 9, 1);
        byte[] bytes = Files.readAllBytes(first);
        Files.createLink(source.resolve("b/other-name"), first);
        Path target = dir.resolve("target");
        Path oldA = writeRandomFile(Files.createDirectories(target.resolve("a")).resolve("file"), 500, 2);
        Path oldB = writeRandomFile(Files.createDirectories(target.resolve("b")).resolve("other-name"), 700, 3);
        Object oldInodeA = inode(oldA);
        Object oldInodeB = inode(oldB);
        NothingLost sourceBefore = NothingLost.snapshot(source);

        TreeCopySummary summary = Reflink.copyTree(
                source, target, TreeCopy.options().preserveHardLinks(true).copyOptions(REPLACE_EXISTING));

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(2, summary.files(), "two names");
        assertEquals(bytes.length, summary.clonedBytes() + summary.copiedBytes(), "the inode's data moved once");
        assertArrayEquals(bytes, Files.readAllBytes(target.resolve("a/file")));
        assertArrayEquals(bytes, Files.readAllBytes(target.resolve("b/other-name")));
        Object copied = inode(target.resolve("a/file"));
        assertEquals(copied, inode(target.resolve("b/other-name")), "the two names are one file again");
        assertEquals(2, Files.getAttribute(target.resolve("a/file"), "unix:nlink", LinkOption.NOFOLLOW_LINKS));
        assertTrue(!copied.equals(oldInodeA) && !copied.equals(oldInodeB), "the old files were written in place");
        if (fs == TestFileSystem.BTRFS) {
            assertTrue(Extents.allShared(target.resolve("b/other-name")), "a clone on btrfs");
        }
        sourceBefore.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_keepingHardLinks_withoutReplaceExisting_failsAloneTheNameThatIsTaken_andCopiesTheOther(
            TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectories(dir.resolve("source/a")).getParent();
        Files.createDirectory(source.resolve("b"));
        Path first = writeRandomFile(source.resolve("a/file"), 2 * 4096 + 1, 4);
        Files.createLink(source.resolve("b/other-name"), first);
        Path target = dir.resolve("target");
        Files.createDirectories(target.resolve("a"));
        Path taken =
                writeRandomFile(Files.createDirectories(target.resolve("b")).resolve("other-name"), 300, 5);
        byte[] old = Files.readAllBytes(taken);
        Object oldInode = inode(taken);
        NothingLost sourceBefore = NothingLost.snapshot(source);

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().preserveHardLinks(true));

        assertEquals(1, summary.failures().size(), TreeCopySafetyTest.failures(summary));
        TreeCopyFailure failure = summary.failures().get(0);
        assertInstanceOf(FileAlreadyExistsException.class, failure.error());
        assertEquals(taken.toString(), ((FileAlreadyExistsException) failure.error()).getFile());
        assertEquals(source.resolve("b/other-name"), failure.source());
        assertArrayEquals(old, Files.readAllBytes(taken), "the taken name's file changed");
        assertEquals(oldInode, inode(taken));
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(target.resolve("a/file")));
        sourceBefore.assertUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copyTree_keepingHardLinks_whenTheFirstNameCannotBeCopied_copiesTheOtherNameAsAFileOfItsOwn(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectories(dir.resolve("source/a")).getParent();
        Files.createDirectory(source.resolve("b"));
        Path first = writeRandomFile(source.resolve("a/file"), 2 * 4096 + 1, 6);
        Files.createLink(source.resolve("b/other-name"), first);
        Path target = dir.resolve("target");
        Files.createDirectories(target.resolve("b"));
        Path taken =
                writeRandomFile(Files.createDirectories(target.resolve("a")).resolve("file"), 300, 7);
        byte[] old = Files.readAllBytes(taken);

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().preserveHardLinks(true));

        assertEquals(1, summary.failures().size(), TreeCopySafetyTest.failures(summary));
        TreeCopyFailure failure = summary.failures().get(0);
        assertInstanceOf(FileAlreadyExistsException.class, failure.error());
        assertEquals(source.resolve("a/file"), failure.source());
        assertArrayEquals(old, Files.readAllBytes(taken), "the taken name's file changed");
        Path other = target.resolve("b/other-name");
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(other));
        assertEquals(1, Files.getAttribute(other, "unix:nlink", LinkOption.NOFOLLOW_LINKS), "no link to the old file");
    }
}
