package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Copies across file systems, from procfs, and the support probe. */
class FileSystemBoundariesTest extends RealFileSystemTest {

    @Test
    void always_fromBtrfsToXfs_failsWithExdev_andLeavesNoTarget() throws IOException {
        Path source = writeRandomFile(directoryOn(TestFileSystem.BTRFS).resolve("source"), 100_000, 1);
        Path target = directoryOn(TestFileSystem.XFS).resolve("target");

        ReflinkFailedException e = assertThrows(ReflinkFailedException.class, () -> Reflink.always(source, target));

        assertEquals("EXDEV", e.errnoName());
        assertFalse(Files.exists(target));
    }

    @Test
    void moveWithAlways_toAnotherFileSystem_isRefused_andMovesNothing_whileAutoMovesByCopying() throws IOException {
        Path source = writeRandomFile(directoryOn(TestFileSystem.BTRFS).resolve("source"), 100_000, 5);
        byte[] content = Files.readAllBytes(source);
        Path elsewhere = directoryOn(TestFileSystem.XFS);
        Path from = Reflink.wrap(source);
        Path to = Reflink.wrap(elsewhere.resolve("moved"));

        ReflinkUnsupportedException e =
                assertThrows(ReflinkUnsupportedException.class, () -> Files.move(from, to, ReflinkCopyOption.ALWAYS));

        assertEquals(source.toString(), e.getFile());
        assertEquals(to.toString(), e.getOtherFile());
        assertArrayEquals(content, Files.readAllBytes(source));
        assertFalse(Files.exists(elsewhere.resolve("moved")));

        Files.move(from, to, ReflinkCopyOption.AUTO);
        assertFalse(Files.exists(source));
        assertArrayEquals(content, Files.readAllBytes(elsewhere.resolve("moved")));
    }

    /** A bind mount is one device number on two mounts: rename says EXDEV, and ALWAYS must not copy. */
    @Test
    void moveWithAlways_intoABindMountOfTheSameFileSystem_isRefused_andMovesNothing() throws Exception {
        Path dir = directoryOn(TestFileSystem.XFS);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 7);
        Path mounted = Files.createDirectories(dir.resolve("bind"));
        Files.createDirectories(dir.resolve("inner"));
        assertEquals(
                0,
                new ProcessBuilder("mount", "--bind", dir.resolve("inner").toString(), mounted.toString())
                        .inheritIO()
                        .start()
                        .waitFor(),
                "mount --bind");
        try {
            assertThrows(
                    ReflinkUnsupportedException.class,
                    () -> Files.move(
                            Reflink.wrap(source), Reflink.wrap(mounted.resolve("moved")), ReflinkCopyOption.ALWAYS));

            assertTrue(Files.exists(source));
            assertFalse(Files.exists(mounted.resolve("moved")));
        } finally {
            assertEquals(
                    0,
                    new ProcessBuilder("umount", mounted.toString())
                            .inheritIO()
                            .start()
                            .waitFor(),
                    "umount");
        }
    }

    @Test
    void moveWithAlways_withinOneFileSystem_isTheRename_andKeepsNoReplaceSemantics() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 100_000, 6);
        Path existing = writeRandomFile(dir.resolve("existing"), 10, 8);
        Object inode = inode(source);
        Path from = Reflink.wrap(source);

        assertThrows(
                FileAlreadyExistsException.class,
                () -> Files.move(from, Reflink.wrap(existing), ReflinkCopyOption.ALWAYS));
        assertEquals(10, Files.size(existing));

        Files.move(from, from.resolveSibling("moved"), ReflinkCopyOption.ALWAYS);
        assertEquals(inode, inode(dir.resolve("moved")), "a rename keeps the inode");
        assertFalse(Files.exists(source));

        Files.move(
                Reflink.wrap(dir.resolve("moved")),
                Reflink.wrap(existing),
                ReflinkCopyOption.ALWAYS,
                StandardCopyOption.REPLACE_EXISTING);
        assertEquals(inode, inode(existing));
    }

    @ParameterizedTest(name = "btrfs to {0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"XFS", "EXT4", "TMPFS"})
    void auto_acrossFileSystems_copies(TestFileSystem fs) throws IOException {
        Path source = writeRandomFile(directoryOn(TestFileSystem.BTRFS).resolve("source"), 2_000_000, 2);
        Path target = directoryOn(fs).resolve("target");

        CopyResult result = Reflink.auto(source, target);

        assertNotEquals(CopyMethod.CLONE, result.method());
        assertEquals(2_000_000, result.bytes());
        assertSameContent(source, target);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void procfsSource_reportsSizeZero_yetItsContentIsCopied(TestFileSystem fs) throws IOException {
        Path source = Path.of("/proc/self/mountinfo");
        assertEquals(0, Files.size(source), "procfs reports size 0");
        Path dir = directoryOn(fs);

        CopyResult auto = Reflink.auto(source, dir.resolve("auto"));
        CopyResult never = Reflink.copy(source, dir.resolve("never"), ReflinkCopyOption.NEVER);
        ReflinkFailedException always =
                assertThrows(ReflinkFailedException.class, () -> Reflink.always(source, dir.resolve("always")));

        String copied = Files.readString(dir.resolve("auto"));
        assertTrue(copied.contains(dir.getParent().toString()), "mountinfo copy lacks the test mount: " + copied);
        assertEquals(Files.size(dir.resolve("auto")), auto.bytes());
        assertEquals(CopyMethod.READ_WRITE, auto.method());
        assertTrue(never.bytes() > 0);
        assertEquals("EXDEV", always.errnoName());
        assertFalse(Files.exists(dir.resolve("always")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void isSupported_answersByReallyCloning_andLeavesNothing(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);

        assertEquals(fs.clones(), Reflink.isSupported(dir));
        assertEquals(fs.clones(), Reflink.isSupported(dir), "cached answer");
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "the probe left files behind");
        }
    }
}
