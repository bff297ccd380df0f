package io.github.reflink4j.engine;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree copy whose listing of one directory fails, or whose look at one entry fails, with EIO,
 * which no local file system here gives on demand: injected (see {@link FaultySyscalls}). The
 * failure is reported for that directory or entry, with both its paths and the errno, and the
 * rest of the tree is copied. A listing of a target directory for leftovers that fails is no
 * failure at all (the cleanup is best effort). And an entry gone between the listing and the
 * look at its type (with the type left out of the listing, injected; the removal is real) is
 * simply not copied.
 */
class TreeCopyListingFaultsTest extends RealFileSystemTest {
    private Path source;
    private Path target;

    private void treeOn(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        source = Files.createDirectories(dir.resolve("source/sub")).getParent();
        writeRandomFile(source.resolve("file"), 10_000, 1);
        writeRandomFile(source.resolve("victim"), 5_000, 2);
        writeRandomFile(source.resolve("sub/inner"), 20_000, 3);
        target = dir.resolve("target");
    }

    private static boolean isOpenOn(Object fd, Path path) {
        return path.equals(ChannelDescriptors.pathOf((Integer) fd));
    }

    private void assertCopied(String... files) throws IOException {
        for (String file : files) {
            assertArrayEquals(Files.readAllBytes(source.resolve(file)), Files.readAllBytes(target.resolve(file)), file);
        }
    }

    private static void assertInputOutputError(TreeCopyFailure failure) {
        assertTrue(
                failure.error().getMessage().contains("Input/output error"),
                failure.error().getMessage());
    }

    @Test
    void injectedListingFailingWithEio_inASubdirectory_isReportedForIt_andTheRestIsCopied() throws IOException {
        treeOn(TestFileSystem.BTRFS);
        Path sub = source.resolve("sub");
        FaultySyscalls faults = new FaultySyscalls().on("readDirectory", call -> {
            if (isOpenOn(call.args()[0], sub)) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        assertEquals(1, summary.failures().size(), summary.failures().toString());
        TreeCopyFailure failure = summary.failures().get(0);
        assertEquals(sub, failure.source());
        assertEquals(target.resolve("sub"), failure.target());
        assertInputOutputError(failure);
        assertCopied("file", "victim");
        assertTrue(Files.isDirectory(target.resolve("sub")), "the directory itself was made");
        assertFalse(Files.exists(target.resolve("sub/inner")), "nothing of an unlistable directory is made up");
    }

    @Test
    void injectedTypeLookupFailingWithEio_forOneEntry_isReportedForIt_andTheRestIsCopied() throws IOException {
        treeOn(TestFileSystem.XFS);
        byte[] victim = "victim".getBytes(StandardCharsets.US_ASCII);
        FaultySyscalls faults = new FaultySyscalls()
                .on("readDirectory", TreeCopyListingFaultsTest::withoutTypes)
                .on("statusAt", call -> {
                    if (Arrays.equals(victim, (byte[]) call.args()[1]) && isOpenOn(call.args()[0], source)) {
                        throw call.fail(Errno.EIO);
                    }
                    return call.proceed();
                });

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        assertEquals(1, summary.failures().size(), summary.failures().toString());
        TreeCopyFailure failure = summary.failures().get(0);
        assertEquals(source.resolve("victim"), failure.source());
        assertEquals(target.resolve("victim"), failure.target());
        assertInputOutputError(failure);
        assertCopied("file", "sub/inner");
        assertFalse(Files.exists(target.resolve("victim"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void anEntryRemovedBetweenTheListingAndTheLookAtItsType_isNotCopied_andIsNoFailure() throws IOException {
        treeOn(TestFileSystem.EXT4);
        Path victim = source.resolve("victim");
        FaultySyscalls faults = new FaultySyscalls().on("readDirectory", call -> {
            Object more = withoutTypes(call);
            if (isOpenOn(call.args()[0], source)) {
                Files.deleteIfExists(victim); // really removed, after it was listed
            }
            return more;
        });

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertFalse(Files.exists(victim), "the fixture: removed during the copy");
        assertEquals(2, summary.files());
        assertCopied("file", "sub/inner");
        assertFalse(Files.exists(target.resolve("victim"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void injectedLeftoverListingFailingWithEio_inAnExistingTargetDirectory_isNoFailure_andTheCopyIsWhole()
            throws IOException {
        treeOn(TestFileSystem.BTRFS);
        Path existing = Files.createDirectories(target.resolve("sub"));
        byte[] old = Files.readAllBytes(writeRandomFile(existing.resolve("inner"), 100, 4));
        FaultySyscalls faults = new FaultySyscalls().on("readDirectory", call -> {
            if (isOpenOn(call.args()[0], existing)) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeCopySummary summary = TreeCopier.copy(
                faults.syscalls(), source, target, TreeCopy.options().copyOptions(REPLACE_EXISTING));

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertTrue(faults.calls("readDirectory") > 0);
        assertEquals(List.of(), summary.leftoversRemoved());
        assertCopied("file", "victim", "sub/inner");
        assertFalse(Arrays.equals(old, Files.readAllBytes(existing.resolve("inner"))), "the old file was replaced");
    }

    /** The real listing, every entry's type replaced by UNKNOWN, as some file systems list. */
    @SuppressWarnings("unchecked")
    private static Object withoutTypes(FaultySyscalls.Call call) throws Throwable {
        Object more = call.proceed();
        List<DirectoryEntry> entries = (List<DirectoryEntry>) call.args()[2];
        entries.replaceAll(e -> new DirectoryEntry(e.name(), e.inode(), DirectoryEntry.Type.UNKNOWN));
        return more;
    }
}
