package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The roots of a tree deduplication: a root that is a file takes part as a file, a missing root
 * is listed as a failure while the others go on, a root that is neither file nor directory is
 * left out; an interrupted deduplication stops before anything is shared, keeping the interrupt.
 */
class TreeDedupeRootsTest extends RealFileSystemTest {

    @Test
    void dedupeTree_ofTwoFileRoots_withTheSameBytes_sharesTheirBlocks() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path a = writeRandomFile(dir.resolve("a"), 256 * 1024, 1);
        Path b = writeRandomFile(dir.resolve("b"), 256 * 1024, 1);
        byte[] bytes = Files.readAllBytes(a);
        assertTrue(Extents.noneShared(b), Extents.of(b).toString());

        TreeDedupeSummary summary = Reflink.dedupeTree(List.of(a, b), TreeDedupe.options());

        assertEquals(List.of(), summary.failures());
        assertEquals(1, summary.groups());
        assertEquals(1, summary.files());
        assertEquals(256 * 1024, summary.bytesDeduplicated());
        assertTrue(Extents.allShared(a), Extents.of(a).toString());
        assertTrue(Extents.allShared(b), Extents.of(b).toString());
        assertArrayEquals(bytes, Files.readAllBytes(a));
        assertArrayEquals(bytes, Files.readAllBytes(b));
    }

    @Test
    void dedupeTree_withAMissingRoot_listsItAsNoSuchFile_andDeduplicatesTheOtherRoot() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Path a = writeRandomFile(tree.resolve("a"), 128 * 1024, 2);
        Path b = writeRandomFile(tree.resolve("b"), 128 * 1024, 2);
        Path missing = dir.resolve("missing");

        TreeDedupeSummary summary = Reflink.dedupeTree(List.of(missing, tree), TreeDedupe.options());

        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(missing, summary.failures().get(0).file());
        assertInstanceOf(NoSuchFileException.class, summary.failures().get(0).error());
        assertEquals(1, summary.groups());
        assertTrue(Extents.allShared(a), Extents.of(a).toString());
        assertTrue(Extents.allShared(b), Extents.of(b).toString());
    }

    @Test
    void dedupeTree_ofARootThatIsADevice_leavesItOut_withoutFailure() throws IOException {
        TreeDedupeSummary summary = Reflink.dedupeTree(List.of(Path.of("/dev/null")), TreeDedupe.options());

        assertEquals(List.of(), summary.failures());
        assertEquals(0, summary.groups());
        assertEquals(0, summary.files());
    }

    @Test
    void dedupeTree_onAnInterruptedThread_throwsInterruptedIOException_keepsTheInterrupt_andSharesNothing()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path tree = Files.createDirectories(dir.resolve("tree/sub"));
        writeRandomFile(tree.resolve("a"), 64 * 1024, 3);
        writeRandomFile(tree.getParent().resolve("b"), 64 * 1024, 3);
        NothingLost before = NothingLost.snapshot(dir);

        Thread.currentThread().interrupt();
        try {
            assertThrows(
                    InterruptedIOException.class,
                    () -> Reflink.dedupeTree(List.of(tree.getParent()), TreeDedupe.options()));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt was swallowed");
        } finally {
            Thread.interrupted();
        }
        before.assertUnchanged();
        assertTrue(
                Extents.noneShared(tree.resolve("a")),
                Extents.of(tree.resolve("a")).toString());
    }

    @Test
    void dedupeTree_withARootBelowARegularFile_listsItAsNotADirectory_andDeduplicatesTheOtherRoot() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path tree = Files.createDirectory(dir.resolve("tree"));
        Path a = writeRandomFile(tree.resolve("a"), 128 * 1024, 4);
        Path b = writeRandomFile(tree.resolve("b"), 128 * 1024, 4);
        Path belowAFile = a.resolve("x");

        TreeDedupeSummary summary = Reflink.dedupeTree(List.of(belowAFile, tree), TreeDedupe.options());

        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(belowAFile, summary.failures().get(0).file());
        assertInstanceOf(
                java.nio.file.NotDirectoryException.class,
                summary.failures().get(0).error());
        assertEquals(1, summary.groups());
        assertTrue(Extents.allShared(b), Extents.of(b).toString());
    }
}
