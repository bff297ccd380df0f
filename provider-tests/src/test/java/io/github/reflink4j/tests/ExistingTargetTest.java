package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** An existing target is wholly old or wholly new, never half of each; the same file is left alone. */
class ExistingTargetTest extends RealFileSystemTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void existingTarget_withoutReplaceExisting_throwsAndIsUnchanged(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 1);
        Path target = writeRandomFile(dir.resolve("target"), 20_000, 2);
        byte[] before = Files.readAllBytes(target);

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            assertThrows(FileAlreadyExistsException.class, () -> Reflink.copy(source, target, mode), mode.toString());
        }
        assertArrayEquals(before, Files.readAllBytes(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void replaceExisting_ontoLongerTarget_replacesWholeFile(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source =
                writeRandomFile(dir.resolve("source"), 8192 + 100, 3); // unaligned: FICLONE onto it would be EINVAL
        Path aligned = writeRandomFile(dir.resolve("aligned"), 8192, 4); // aligned: FICLONE would keep the old tail
        for (Path from : new Path[] {source, aligned}) {
            for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
                if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                    continue;
                }
                Path target = writeRandomFile(dir.resolve("target"), 1 << 20, 5);
                Object oldInode = inode(target);

                Reflink.copy(from, target, mode, REPLACE_EXISTING);

                assertSameContent(from, target);
                assertNotEquals(oldInode, inode(target), "replaced in place instead of renamed over");
                if (fs.clones() && mode != ReflinkCopyOption.NEVER) {
                    assertTrue(Extents.allShared(target), mode + " " + Extents.of(target));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void always_thatCannotClone_leavesExistingTargetByteForByteAndInodeForInode(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 6);
        Path target = writeRandomFile(dir.resolve("target"), 70_000, 7);
        byte[] before = Files.readAllBytes(target);
        Object inodeBefore = inode(target);

        assertThrows(
                ReflinkFailedException.class,
                () -> Reflink.copy(source, target, ReflinkCopyOption.ALWAYS, REPLACE_EXISTING));

        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(inodeBefore, inode(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void sameFile_andHardLinkToIt_copyNothing(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 8);
        Path link = Files.createLink(dir.resolve("hardlink"), source);
        byte[] before = Files.readAllBytes(source);

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            assertEquals(CopyResult.none(), Reflink.copy(source, source, mode));
            assertEquals(CopyResult.none(), Reflink.copy(source, link, mode));
            assertEquals(CopyResult.none(), Reflink.copy(source, link, mode, REPLACE_EXISTING));
        }
        assertArrayEquals(before, Files.readAllBytes(source));
        assertEquals(inode(source), inode(link));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void replaceExisting_emptyDirectoryTarget_isReplaced_nonEmptyOneIsNot(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 9);
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Path full = Files.createDirectory(dir.resolve("full"));
        Files.createFile(full.resolve("keep"));

        Reflink.copy(source, empty, REPLACE_EXISTING);
        assertThrows(DirectoryNotEmptyException.class, () -> Reflink.copy(source, full, REPLACE_EXISTING));

        assertSameContent(source, empty);
        assertTrue(Files.exists(full.resolve("keep")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void replaceExisting_symbolicLinkTarget_replacesTheLinkNotWhatItPointsTo(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 10);
        Path pointedTo = writeRandomFile(dir.resolve("pointed-to"), 500, 11);
        byte[] pointedToBefore = Files.readAllBytes(pointedTo);
        Path link = Files.createSymbolicLink(dir.resolve("link"), pointedTo.getFileName());
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));

        assertThrows(FileAlreadyExistsException.class, () -> Reflink.copy(source, dangling));
        Reflink.copy(source, link, REPLACE_EXISTING);

        assertTrue(Files.isRegularFile(link, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertSameContent(source, link);
        assertArrayEquals(pointedToBefore, Files.readAllBytes(pointedTo));
    }

    /**
     * Guards the clean-up after the last step of a replacement fails (the rename over an
     * immutable target, {@code chattr +i}): the target stays as it was, the new file written
     * beside it is removed, and no descriptor is closed twice (no EBADF among the suppressed).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void replaceExisting_ontoImmutableTarget_throwsNamingTheTarget_leavesItAsItWas_andNoTemporaryFile(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 12);
        Path target = writeRandomFile(dir.resolve("target"), 20_000, 13);
        byte[] before = Files.readAllBytes(target);
        Object inodeBefore = inode(target);
        Shell chattr = Shell.exec("chattr +i \"$1\"", target.toString());
        if (chattr.exitCode() != 0) {
            TestFileSystem.unavailable(fs + " cannot make a file immutable here (chattr +i): " + chattr.stderr());
        }
        FileSystemException thrown;
        List<String> temporaryFiles;
        try {
            thrown = assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, REPLACE_EXISTING));
            temporaryFiles = Leaks.temporaryFiles(dir);
        } finally {
            Shell.run("chattr -i \"$1\"", target.toString());
        }

        List<String> suppressed =
                Arrays.stream(thrown.getSuppressed()).map(String::valueOf).toList();
        assertAll(
                () -> assertEquals(target.toString(), thrown.getFile(), "the file the exception names: " + thrown),
                () -> assertEquals(List.of(), temporaryFiles, "files left beside the target"),
                () -> assertTrue(
                        suppressed.stream().noneMatch(m -> m.contains("EBADF")),
                        "a descriptor closed twice, or used after it was closed: suppressed " + suppressed),
                () -> assertArrayEquals(before, Files.readAllBytes(target), "the target's content"),
                () -> assertEquals(inodeBefore, inode(target), "the target's inode"));
    }
}
