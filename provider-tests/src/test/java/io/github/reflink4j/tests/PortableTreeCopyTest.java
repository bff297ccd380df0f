package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Reflink.copyTree} on a file system reflink4j cannot go native on (Jimfs, a provider other
 * than the platform's): AUTO and NEVER walk the tree and copy entry by entry, links as links,
 * merging into directories that exist and listing each entry that fails; ALWAYS refuses before
 * anything is made.
 */
class PortableTreeCopyTest {
    private static final byte[] A = {1, 2, 3};
    private static final byte[] B = new byte[1000];

    static {
        B[999] = 7;
    }

    private FileSystem jimfs;
    private Path source;
    private Path target;

    @BeforeEach
    void makeTree() throws IOException {
        jimfs = Jimfs.newFileSystem(Configuration.unix());
        source = Files.createDirectories(jimfs.getPath("/work/source"));
        target = jimfs.getPath("/work/target");
        Files.write(source.resolve("a"), A);
        Files.createDirectories(source.resolve("sub/deeper"));
        Files.write(source.resolve("sub/b"), B);
        Files.createSymbolicLink(source.resolve("link"), jimfs.getPath("a"));
    }

    @AfterEach
    void closeJimfs() throws IOException {
        jimfs.close();
    }

    @Test
    void copyTree_auto_onJimfs_copiesEveryEntry_keepsLinksAsLinks_andCountsThem() throws IOException {
        Recorder listener = new Recorder();

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().listener(listener));

        assertEquals(List.of(), summary.failures());
        assertEquals(2, summary.files());
        assertEquals(3, summary.directories()); // the root, sub and sub/deeper
        assertEquals(1, summary.symlinks());
        assertEquals(0, summary.clonedBytes());
        assertEquals(A.length + B.length, summary.copiedBytes());
        assertArrayEquals(A, Files.readAllBytes(target.resolve("a")));
        assertArrayEquals(B, Files.readAllBytes(target.resolve("sub/b")));
        assertTrue(Files.isDirectory(target.resolve("sub/deeper")));
        assertTrue(Files.isSymbolicLink(target.resolve("link")));
        assertEquals(jimfs.getPath("a"), Files.readSymbolicLink(target.resolve("link")));
        assertEquals(
                List.of(
                        "/work/source -> /work/target",
                        "/work/source/sub -> /work/target/sub",
                        "/work/source/sub/deeper -> /work/target/sub/deeper"),
                listener.directories);
        assertEquals(
                List.of("/work/source/a", "/work/source/sub/b"),
                listener.files.stream().sorted().toList());
        assertEquals(List.of(), listener.failures);
    }

    @Test
    void copyTree_never_onJimfs_copiesTheData() throws IOException {
        TreeCopySummary summary = Reflink.copyTree(source, target, ReflinkCopyOption.NEVER);

        assertTrue(summary.succeeded());
        assertEquals(A.length + B.length, summary.copiedBytes());
        assertArrayEquals(B, Files.readAllBytes(target.resolve("sub/b")));
    }

    @Test
    void copyTree_always_onJimfs_isUnsupported_andCreatesNothing() {
        ReflinkUnsupportedException e = assertThrows(
                ReflinkUnsupportedException.class, () -> Reflink.copyTree(source, target, ReflinkCopyOption.ALWAYS));

        assertTrue(e.getMessage().contains("/work/source"), e.getMessage());
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void copyTree_ofARegularFile_onJimfs_isNotADirectory_andCreatesNothing() {
        NotDirectoryException e =
                assertThrows(NotDirectoryException.class, () -> Reflink.copyTree(source.resolve("a"), target));

        assertEquals("/work/source/a", e.getFile());
        assertFalse(Files.exists(target, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void copyTree_intoAnExistingTree_mergesDirectories_listsEachEntryInTheWay_andLeavesItAsItWas() throws IOException {
        byte[] existing = {9, 9};
        Files.createDirectories(target.resolve("sub"));
        Files.write(target.resolve("a"), existing);
        Files.write(target.resolve("sub/deeper"), existing); // a file where a directory goes
        Recorder listener = new Recorder();

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().listener(listener));

        List<String> failed = summary.failures().stream()
                .map(PortableTreeCopyTest::describe)
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "/work/source/a -> /work/target/a: FileAlreadyExistsException",
                        "/work/source/sub/deeper -> /work/target/sub/deeper: FileAlreadyExistsException"),
                failed);
        assertEquals(failed, listener.failures.stream().sorted().toList());
        assertFalse(summary.succeeded());
        assertArrayEquals(existing, Files.readAllBytes(target.resolve("a")));
        assertArrayEquals(existing, Files.readAllBytes(target.resolve("sub/deeper")));
        assertArrayEquals(B, Files.readAllBytes(target.resolve("sub/b")), "merged into the existing sub");
        assertTrue(Files.isSymbolicLink(target.resolve("link")));
        assertEquals(1, summary.files());
    }

    @Test
    void copyTree_withReplaceExisting_onJimfs_replacesExistingFiles() throws IOException {
        Files.createDirectories(target);
        Files.write(target.resolve("a"), new byte[] {9, 9});

        TreeCopySummary summary = Reflink.copyTree(source, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertArrayEquals(A, Files.readAllBytes(target.resolve("a")));
    }

    private static String describe(TreeCopyFailure failure) {
        assertInstanceOf(FileAlreadyExistsException.class, failure.error());
        return failure.source() + " -> " + failure.target() + ": "
                + failure.error().getClass().getSimpleName();
    }

    /** What a listener is told, as text. */
    private static final class Recorder implements TreeCopyListener {
        final List<String> directories = new ArrayList<>();
        final List<String> files = new ArrayList<>();
        final List<String> failures = new ArrayList<>();

        @Override
        public synchronized void directoryCreated(Path source, Path target) {
            directories.add(source + " -> " + target);
        }

        @Override
        public synchronized void fileCopied(Path source, Path target, CopyResult result) {
            files.add(source.toString());
        }

        @Override
        public synchronized void failed(Path source, Path target, IOException error) {
            failures.add(source + " -> " + target + ": " + error.getClass().getSimpleName());
        }
    }
}
