package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A source that is a regular file no one may read, root included: {@code /proc/sys/vm/drop_caches}
 * (mode 0200; procfs checks a sysctl's mode bits for root too, so its open fails with EACCES, on
 * demand, without fault injection). The copy fails as {@code Files.copy} of the same JDK does:
 * JDK 17 settles an existing target first (FileAlreadyExistsException without REPLACE_EXISTING,
 * DirectoryNotEmptyException for a directory with entries, nothing for the source itself), JDK 20
 * and later report the source's AccessDeniedException; the target is always left as it was.
 */
class UnreadableSourceTest extends RealFileSystemTest {
    private static final Path UNREADABLE = Path.of("/proc/sys/vm/drop_caches");
    private static final boolean SETTLES_TARGET_FIRST = Runtime.version().feature() < 20;

    @BeforeEach
    void requireTheUnreadableSysctl() {
        assumeTrue(Files.isRegularFile(UNREADABLE), UNREADABLE + " is absent: no /proc/sys here");
        assumeTrue(!Files.isReadable(UNREADABLE), UNREADABLE + " is readable here");
    }

    @Test
    void copy_ofAnUnreadableSource_toAnAbsentTarget_throwsAccessDenied_namingTheSource_andCreatesNothing()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path target = dir.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        AccessDeniedException e = assertThrows(AccessDeniedException.class, () -> Reflink.auto(UNREADABLE, target));

        assertEquals(UNREADABLE.toString(), e.getFile());
        before.assertUnchanged();
    }

    @Test
    void copy_ofAnUnreadableSource_overAnExistingFile_withoutReplaceExisting_failsAsTheJdkDoes_andKeepsTheFile()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path target = writeRandomFile(dir.resolve("target"), 3000, 1);
        byte[] old = Files.readAllBytes(target);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.auto(UNREADABLE, target));

        if (SETTLES_TARGET_FIRST) {
            assertEquals(FileAlreadyExistsException.class, e.getClass(), e.toString());
            assertEquals(target.toString(), e.getFile());
        } else {
            assertEquals(AccessDeniedException.class, e.getClass(), e.toString());
            assertEquals(UNREADABLE.toString(), e.getFile());
        }
        assertArrayEquals(old, Files.readAllBytes(target));
    }

    @Test
    void copy_ofAnUnreadableSource_overADirectoryWithEntries_withReplaceExisting_failsAsTheJdkDoes_andKeepsIt()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path target = Files.createDirectory(dir.resolve("target"));
        writeRandomFile(target.resolve("entry"), 100, 2);
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(
                FileSystemException.class, () -> Reflink.auto(UNREADABLE, target, StandardCopyOption.REPLACE_EXISTING));

        if (SETTLES_TARGET_FIRST) {
            assertEquals(DirectoryNotEmptyException.class, e.getClass(), e.toString());
            assertEquals(target.toString(), e.getFile());
        } else {
            assertEquals(AccessDeniedException.class, e.getClass(), e.toString());
            assertEquals(UNREADABLE.toString(), e.getFile());
        }
        before.assertUnchanged();
    }

    @Test
    void copy_ofAnUnreadableSource_overAnEmptyDirectory_withReplaceExisting_throwsAccessDenied_andKeepsIt()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path target = Files.createDirectory(dir.resolve("target"));
        NothingLost before = NothingLost.snapshot(dir);

        AccessDeniedException e = assertThrows(
                AccessDeniedException.class,
                () -> Reflink.auto(UNREADABLE, target, StandardCopyOption.REPLACE_EXISTING));

        assertEquals(UNREADABLE.toString(), e.getFile());
        assertTrue(Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS));
        before.assertUnchanged();
    }

    @Test
    void copy_ofAnUnreadableSource_ontoItself_copiesNothingOnJdk17_andIsDeniedOnLaterJdks() throws IOException {
        if (SETTLES_TARGET_FIRST) {
            assertEquals(
                    CopyMethod.NONE,
                    Reflink.auto(UNREADABLE, UNREADABLE, StandardCopyOption.REPLACE_EXISTING)
                            .method());
        } else {
            AccessDeniedException e = assertThrows(
                    AccessDeniedException.class,
                    () -> Reflink.auto(UNREADABLE, UNREADABLE, StandardCopyOption.REPLACE_EXISTING));
            assertEquals(UNREADABLE.toString(), e.getFile());
        }
    }
}
