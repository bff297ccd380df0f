package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * {@link Reflink#removeLeftovers(Path, java.util.Collection)} given the files to spare, a link to
 * the directory, and directories it cannot clean: a missing one, a regular file, one of another
 * file system provider. Spared files are known by device and inode, so a spared path that does
 * not exist spares nothing and is no error; a directory that cannot be opened is a typed NIO
 * exception naming it, with no descriptor left open.
 */
class LeftoverCleanupInputsTest extends RealFileSystemTest {
    private static final String HEX = "00112233aabb";

    private static Path leftover(Path dir, String name, long seed) {
        return writeRandomFile(dir.resolve("." + name + ".reflink4j-" + HEX + ".tmp"), 2000, seed);
    }

    @Test
    void removeLeftovers_sparesTheNamedLeftover_byInodeEvenUnderAnotherName_andRemovesTheRest() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path named = leftover(dir, "recovered", 1);
        Path hardLinkToNamed = Files.createLink(dir.resolve("elsewhere"), named);
        Path dead = leftover(dir, "dead", 2);
        Path missing = dir.resolve("never-existed");
        byte[] namedBytes = Files.readAllBytes(named);
        KilledCopyTest.awaitOlderThanGrace(named, dead);

        // the spared file is named through another link to it: the same inode is the same file
        List<Path> removed = Reflink.removeLeftovers(dir, List.of(hardLinkToNamed, missing));

        assertEquals(List.of(dead), removed);
        assertFalse(Files.exists(dead, LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(namedBytes, Files.readAllBytes(named), "the spared leftover was touched");
        assertFalse(Files.exists(missing), "a spared path that does not exist is not created");
        Files.delete(named);
    }

    @Test
    void removeLeftovers_throughALinkToTheDirectory_cleansTheDirectory_andNamesThePathsThroughTheLink()
            throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path real = Files.createDirectory(dir.resolve("real"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), real.getFileName());
        Path dead = leftover(real, "dead", 3);
        KilledCopyTest.awaitOlderThanGrace(dead);

        List<Path> removed = Reflink.removeLeftovers(link);

        assertEquals(List.of(link.resolve(dead.getFileName())), removed);
        assertFalse(Files.exists(dead, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isSymbolicLink(link), "the link itself stays");
    }

    @Test
    void removeLeftovers_ofAMissingDirectory_throwsNoSuchFileException_namingIt() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        Path missing = dir.resolve("missing");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Reflink.removeLeftovers(missing));

        assertEquals(missing.toString(), e.getFile());
        assertFalse(Files.exists(missing));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
    }

    @Test
    void removeLeftovers_ofARegularFile_throwsNotDirectoryException_namingIt() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path file = writeRandomFile(dir.resolve("file"), 100, 4);
        byte[] before = Files.readAllBytes(file);

        NotDirectoryException e = assertThrows(NotDirectoryException.class, () -> Reflink.removeLeftovers(file));

        assertEquals(file.toString(), e.getFile());
        assertArrayEquals(before, Files.readAllBytes(file));
    }

    @Test
    void removeLeftovers_ofADirectoryOfAnotherProvider_throwsReflinkUnsupportedException_andRemovesNothing()
            throws IOException {
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dir = Files.createDirectory(jimfs.getPath("/dir"));
            Path lookAlike = Files.write(dir.resolve(".x.reflink4j-" + HEX + ".tmp"), new byte[] {1, 2, 3});

            ReflinkUnsupportedException e =
                    assertThrows(ReflinkUnsupportedException.class, () -> Reflink.removeLeftovers(dir));

            assertEquals(dir.toString(), e.getFile());
            assertTrue(e.getMessage().contains("leftover cleanup"), e.getMessage());
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(lookAlike));
        }
    }
}
