package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree deduplication whose listing cannot open or read one directory, or cannot open one of
 * its roots, with EIO, which root's opens and getdents on a healthy disk never give: injected
 * (see {@link FaultySyscalls}). The directory or root is a failure naming it; what is found
 * elsewhere is still deduplicated; nothing in the failed directory is touched.
 */
class TreeDedupeDirectoryFaultsTest extends RealFileSystemTest {
    private static final byte[] SUB = "sub".getBytes(StandardCharsets.US_ASCII);
    private static final int SIZE = 64 * 1024;

    private Path tree;

    private void treeOn(TestFileSystem fs) throws IOException {
        tree = Files.createDirectory(directoryOn(fs).resolve("tree"));
        writeRandomFile(tree.resolve("a"), SIZE, 1);
        writeRandomFile(tree.resolve("b"), SIZE, 1);
        writeRandomFile(Files.createDirectory(tree.resolve("sub")).resolve("c"), SIZE, 1);
    }

    private void assertOnlyFailure(TreeDedupeSummary summary, Path file) {
        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(file, summary.failures().get(0).file());
        String message = summary.failures().get(0).error().getMessage();
        assertTrue(message.contains("Input/output error"), message);
    }

    private void assertRootFilesSharedAndSubUntouched() {
        assertTrue(
                Extents.allShared(tree.resolve("a")),
                Extents.of(tree.resolve("a")).toString());
        assertTrue(
                Extents.allShared(tree.resolve("b")),
                Extents.of(tree.resolve("b")).toString());
        assertTrue(
                Extents.noneShared(tree.resolve("sub/c")),
                Extents.of(tree.resolve("sub/c")).toString());
    }

    @Test
    void injectedSubdirectoryOpenFailingWithEio_isAFailureNamingIt_andTheRestIsShared() throws IOException {
        treeOn(TestFileSystem.BTRFS);
        FaultySyscalls faults = new FaultySyscalls().on("openDirectory", call -> {
            if ((Integer) call.args()[0] != Syscalls.AT_FDCWD && Arrays.equals(SUB, (byte[]) call.args()[1])) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(faults.syscalls(), List.of(tree), TreeDedupe.options());

        assertOnlyFailure(summary, tree.resolve("sub"));
        assertRootFilesSharedAndSubUntouched();
    }

    @Test
    void injectedSubdirectoryListingFailingWithEio_isAFailureNamingIt_andTheRestIsShared() throws IOException {
        treeOn(TestFileSystem.BTRFS);
        Path sub = tree.resolve("sub");
        FaultySyscalls faults = new FaultySyscalls().on("readDirectory", call -> {
            if (sub.equals(ChannelDescriptors.pathOf((Integer) call.args()[0]))) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(faults.syscalls(), List.of(tree), TreeDedupe.options());

        assertOnlyFailure(summary, sub);
        assertRootFilesSharedAndSubUntouched();
    }

    @Test
    void injectedRootOpenFailingWithEio_isAFailureNamingThatRoot_andTheOtherRootIsShared() throws IOException {
        treeOn(TestFileSystem.XFS);
        Path other = Files.createDirectory(tree.getParent().resolve("other"));
        writeRandomFile(other.resolve("d"), SIZE, 1);
        byte[] otherBytes = NativePaths.bytes(other);
        FaultySyscalls faults = new FaultySyscalls().on("openDirectory", call -> {
            if ((Integer) call.args()[0] == Syscalls.AT_FDCWD && Arrays.equals(otherBytes, (byte[]) call.args()[1])) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeDedupeSummary summary =
                TreeDeduplicator.dedupe(faults.syscalls(), List.of(tree, other), TreeDedupe.options());

        assertOnlyFailure(summary, other);
        assertTrue(
                Extents.allShared(tree.resolve("a")),
                Extents.of(tree.resolve("a")).toString());
        assertTrue(
                Extents.allShared(tree.resolve("sub/c")),
                Extents.of(tree.resolve("sub/c")).toString());
        assertTrue(
                Extents.noneShared(other.resolve("d")),
                Extents.of(other.resolve("d")).toString());
    }
}
