package io.github.reflink4j.engine;

import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree copy whose entries change between the listing and their copy: a file replaced by a
 * symbolic link, a FIFO removed. The change itself is real; only its moment, right after the
 * source directory is listed, is arranged through {@link FaultySyscalls}. The changed entry
 * fails alone, named, and nothing is made for it; the link is never followed. Also a link's
 * owner that cannot be given with COPY_ATTRIBUTES (lchown refused with EPERM, which root never
 * is: injected): the link is copied all the same, as cp -p does.
 */
class TreeEntryChangedAfterListingTest extends RealFileSystemTest {
    private Path source;
    private Path target;

    private void treeOn(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        source = Files.createDirectory(dir.resolve("source"));
        writeRandomFile(source.resolve("file"), 10_000, 1);
        target = dir.resolve("target");
    }

    /** Runs {@code change} once, right after the source root's first listing. */
    private FaultySyscalls afterTheListing(Change change) {
        boolean[] done = {false};
        return new FaultySyscalls().on("readDirectory", call -> {
            Object more = call.proceed();
            if (!done[0] && source.equals(ChannelDescriptors.pathOf((Integer) call.args()[0]))) {
                done[0] = true;
                change.run();
            }
            return more;
        });
    }

    @FunctionalInterface
    private interface Change {
        void run() throws IOException;
    }

    private static TreeCopyFailure onlyFailure(TreeCopySummary summary) {
        assertEquals(1, summary.failures().size(), summary.failures().toString());
        return summary.failures().get(0);
    }

    @Test
    void aFileReplacedByALinkAfterTheListing_failsAlone_asChanged_andTheLinkIsNotFollowed() throws IOException {
        treeOn(TestFileSystem.BTRFS);
        Path victim = writeRandomFile(source.resolve("victim"), 5_000, 2);
        Path outside = writeRandomFile(source.getParent().resolve("outside"), 3_000, 3);
        FaultySyscalls faults = afterTheListing(() -> {
            Files.delete(victim);
            Files.createSymbolicLink(victim, outside);
        });

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        TreeCopyFailure failure = onlyFailure(summary);
        assertEquals(victim, failure.source());
        assertEquals(target.resolve("victim"), failure.target());
        assertTrue(
                failure.error().getMessage().contains(victim.toString()),
                failure.error().getMessage());
        assertFalse(Files.exists(target.resolve("victim"), LinkOption.NOFOLLOW_LINKS), "nothing made for it");
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
    }

    @Test
    void aFifoRemovedAfterTheListing_failsAlone_withNoSuchFile_andNothingIsMadeForIt() throws IOException {
        treeOn(TestFileSystem.XFS);
        Path fifo = source.resolve("fifo");
        Shell.run("mkfifo \"$1\"", fifo.toString());
        FaultySyscalls faults = afterTheListing(() -> Files.delete(fifo));

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        TreeCopyFailure failure = onlyFailure(summary);
        assertEquals(fifo, failure.source());
        assertInstanceOf(NoSuchFileException.class, failure.error());
        assertEquals(fifo.toString(), ((NoSuchFileException) failure.error()).getFile());
        assertFalse(Files.exists(target.resolve("fifo"), LinkOption.NOFOLLOW_LINKS));
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
    }

    @Test
    void injectedLinkOwnerRefusedWithEperm_withCopyAttributes_copiesTheLinkAllTheSame() throws IOException {
        treeOn(TestFileSystem.EXT4);
        Files.createSymbolicLink(source.resolve("link"), Path.of("file"));
        FaultySyscalls faults = new FaultySyscalls().on("changeLinkOwner", call -> {
            throw call.fail(Errno.EPERM);
        });

        TreeCopySummary summary = TreeCopier.copy(
                faults.syscalls(), source, target, TreeCopy.options().copyOptions(COPY_ATTRIBUTES));

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertEquals(1, faults.calls("changeLinkOwner"));
        assertEquals(Path.of("file"), Files.readSymbolicLink(target.resolve("link")));
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
    }

    @Test
    void injectedLinkOwnerFailingWithEio_withCopyAttributes_isReportedForTheLink() throws IOException {
        treeOn(TestFileSystem.EXT4);
        Path link = Files.createSymbolicLink(source.resolve("link"), Path.of("file"));
        FaultySyscalls faults = new FaultySyscalls().on("changeLinkOwner", call -> {
            throw call.fail(Errno.EIO);
        });

        TreeCopySummary summary = TreeCopier.copy(
                faults.syscalls(), source, target, TreeCopy.options().copyOptions(COPY_ATTRIBUTES));

        TreeCopyFailure failure = onlyFailure(summary);
        assertEquals(link, failure.source());
        assertTrue(
                failure.error().getMessage().contains("Input/output error"),
                failure.error().getMessage());
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
    }
}
