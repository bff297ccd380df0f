package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tree copied into an existing tree where a symbolic link's name is taken: without
 * REPLACE_EXISTING the link fails (listed, the copy goes on) and the entry there stays; with it a
 * file or an empty directory is replaced by the link, renamed over it, and a directory with
 * entries is refused with DirectoryNotEmptyException, kept as it was.
 */
class TreeCopyOverTakenNamesTest extends RealFileSystemTest {

    /** source/{link -> some/where, file}; returns source. */
    private static Path sourceWithALink(Path dir) throws IOException {
        Path source = Files.createDirectory(dir.resolve("source"));
        Files.createSymbolicLink(source.resolve("link"), Path.of("some/where"));
        writeRandomFile(source.resolve("file"), 9000, 1);
        return source;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void link_whoseNameIsTaken_withoutReplaceExisting_failsAlone_namingIt_andTheEntryThereStays(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceWithALink(dir);
        Path target = Files.createDirectory(dir.resolve("target"));
        byte[] old = Files.readAllBytes(writeRandomFile(target.resolve("link"), 500, 2));

        TreeCopySummary summary = Reflink.copyTree(source, target);

        assertEquals(1, summary.failures().size(), summary.toString());
        TreeCopyFailure failure = summary.failures().get(0);
        assertInstanceOf(FileAlreadyExistsException.class, failure.error());
        assertEquals(target.resolve("link").toString(), ((FileAlreadyExistsException) failure.error()).getFile());
        assertEquals(source.resolve("link"), failure.source());
        assertArrayEquals(old, Files.readAllBytes(target.resolve("link")));
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void link_overAnExistingFile_withReplaceExisting_replacesIt_leavingNoTemporaryName(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceWithALink(dir);
        Path target = Files.createDirectory(dir.resolve("target"));
        writeRandomFile(target.resolve("link"), 500, 3);

        TreeCopySummary summary = Reflink.copyTree(source, target, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(List.of(), summary.failures());
        assertEquals(1, summary.symlinks());
        assertTrue(Files.isSymbolicLink(target.resolve("link")));
        assertEquals(Path.of("some/where"), Files.readSymbolicLink(target.resolve("link")));
        assertEquals(List.of("file", "link"), names(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void link_overAnEmptyDirectory_withReplaceExisting_removesTheDirectory_andPutsTheLinkThere(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceWithALink(dir);
        Path target = Files.createDirectory(dir.resolve("target"));
        Files.createDirectory(target.resolve("link"));

        TreeCopySummary summary = Reflink.copyTree(source, target, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(List.of(), summary.failures());
        assertTrue(Files.isSymbolicLink(target.resolve("link")));
        assertEquals(Path.of("some/where"), Files.readSymbolicLink(target.resolve("link")));
        assertEquals(List.of("file", "link"), names(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void link_overADirectoryWithEntries_withReplaceExisting_failsWithDirectoryNotEmpty_andKeepsTheDirectory(
            TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = sourceWithALink(dir);
        Path target = Files.createDirectory(dir.resolve("target"));
        Path kept =
                writeRandomFile(Files.createDirectory(target.resolve("link")).resolve("kept"), 700, 4);
        byte[] keptBytes = Files.readAllBytes(kept);

        TreeCopySummary summary = Reflink.copyTree(source, target, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(1, summary.failures().size(), summary.toString());
        TreeCopyFailure failure = summary.failures().get(0);
        assertInstanceOf(DirectoryNotEmptyException.class, failure.error());
        assertEquals(target.resolve("link").toString(), ((DirectoryNotEmptyException) failure.error()).getFile());
        assertFalse(Files.isSymbolicLink(target.resolve("link")));
        assertArrayEquals(keptBytes, Files.readAllBytes(kept));
        assertTrue(Files.isDirectory(target.resolve("link"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(List.of("file", "link"), names(target));
    }

    private static List<String> names(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
