package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A real ENOSPC, from a 1 MiB tmpfs mounted for the test (no fault injection): the copy fails
 * half way with the errno named, never falls back, and loses nothing.
 */
class NoSpaceLeftTest extends RealFileSystemTest {
    private static final int SOURCE_SIZE = 4 << 20;
    private Path full;

    @BeforeEach
    void mountOneMebibyteTmpfs() {
        if (!AttributesTest.isRoot()) {
            TestFileSystem.unavailable("mounting a 1 MiB tmpfs to run out of space needs root");
        }
        full = directoryOn(TestFileSystem.TMPFS);
        Extents.run("mount", "-t", "tmpfs", "-o", "size=1m", "reflink4j-full", full.toString());
    }

    @AfterEach
    void unmount() {
        if (full != null) {
            Extents.run("umount", full.toString());
        }
    }

    @ParameterizedTest(name = "ext4 to a full tmpfs, {0}")
    @EnumSource(
            value = ReflinkCopyOption.class,
            names = {"AUTO", "NEVER"})
    void noSpace_newTarget_failsWithEnospc_andIsRemoved(ReflinkCopyOption mode) throws IOException {
        Path source = writeRandomFile(directoryOn(TestFileSystem.EXT4).resolve("source"), SOURCE_SIZE, 1);
        byte[] sourceBefore = Files.readAllBytes(source);
        Path target = full.resolve("target");

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, mode));

        assertTrue(e.getMessage().contains("ENOSPC"), e.getMessage());
        assertEquals(target.toString(), e.getFile(), "the file that ran out of space comes first");
        assertEquals(source.toString(), e.getOtherFile());
        assertFalse(Files.exists(target), "the half-written target was left behind");
        assertArrayEquals(sourceBefore, Files.readAllBytes(source));
        assertEquals(List.of(), Leaks.temporaryFiles(full));
    }

    @ParameterizedTest(name = "ext4 to a full tmpfs, {0}")
    @EnumSource(
            value = ReflinkCopyOption.class,
            names = {"AUTO", "NEVER"})
    void noSpace_replacingExistingTarget_leavesItWhollyOld(ReflinkCopyOption mode) throws IOException {
        Path source = writeRandomFile(directoryOn(TestFileSystem.EXT4).resolve("source"), SOURCE_SIZE, 2);
        Path target = writeRandomFile(full.resolve("target"), 100_000, 3);
        byte[] before = Files.readAllBytes(target);
        Object inode = inode(target);

        IOException e = assertThrows(IOException.class, () -> Reflink.copy(source, target, mode, REPLACE_EXISTING));

        assertInstanceOf(FileSystemException.class, e);
        assertTrue(e.getMessage().contains("ENOSPC"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(target));
        assertEquals(inode, inode(target));
        assertEquals(List.of(), Leaks.temporaryFiles(full));
    }
}
