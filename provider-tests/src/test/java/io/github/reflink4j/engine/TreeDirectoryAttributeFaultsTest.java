package io.github.reflink4j.engine;

import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree copy whose last step for one directory, giving it its final attributes (fchown with
 * COPY_ATTRIBUTES, fchmod without), fails: injected (see {@link FaultySyscalls}), since root's
 * fchown and fchmod on a directory it just made do not fail on demand. The failure is reported
 * for that directory, naming both its paths and the errno; everything in it is still copied; and
 * the directory keeps the owner-only mode it was made with, never a wider one than the source's.
 */
class TreeDirectoryAttributeFaultsTest extends RealFileSystemTest {
    private Path source;
    private Path target;

    private void treeOn(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        source = Files.createDirectories(dir.resolve("source/sub")).getParent();
        writeRandomFile(source.resolve("file"), 20_000, 1);
        writeRandomFile(source.resolve("sub/inner"), 30_000, 2);
        Files.setAttribute(source.resolve("sub"), "unix:mode", 0750);
        target = dir.resolve("target");
    }

    /** Fails {@code method} with EIO for the descriptor open on the target's sub directory only. */
    private FaultySyscalls failingOnTargetSub(String method) {
        Path sub = target.resolve("sub");
        return new FaultySyscalls().on(method, call -> {
            int fd = (Integer) call.args()[0];
            if (sub.equals(ChannelDescriptors.pathOf(fd))) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });
    }

    private void assertReportedForSubOnly(TreeCopySummary summary) {
        List<TreeCopyFailure> failures = summary.failures();
        assertEquals(1, failures.size(), failures.toString());
        TreeCopyFailure failure = failures.get(0);
        assertEquals(source.resolve("sub"), failure.source());
        assertEquals(target.resolve("sub"), failure.target());
        assertTrue(
                failure.error().getMessage().contains("Input/output error"),
                failure.error().getMessage());
    }

    private void assertEverythingCopied(TreeCopySummary summary) throws IOException {
        assertEquals(2, summary.files());
        assertEquals(2, summary.directories());
        for (String file : List.of("file", "sub/inner")) {
            assertArrayEquals(Files.readAllBytes(source.resolve(file)), Files.readAllBytes(target.resolve(file)), file);
        }
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    @Test
    void injectedFchownFailing_onADirectory_withCopyAttributes_isReportedForIt_andItKeepsTheOwnerOnlyMode()
            throws IOException {
        treeOn(TestFileSystem.XFS);
        List<String> descriptors = Leaks.openDescriptorsBelow(source.getParent());
        FaultySyscalls faults = failingOnTargetSub("changeOwner");

        TreeCopySummary summary = TreeCopier.copy(
                faults.syscalls(),
                source,
                target,
                TreeCopy.options().parallelism(1).copyOptions(COPY_ATTRIBUTES));

        assertReportedForSubOnly(summary);
        assertEverythingCopied(summary);
        assertEquals(0700, mode(target.resolve("sub")), "made owner-only, and left so");
        assertEquals(mode(source), mode(target), "the root's attributes arrived");
        assertEquals(
                Files.getLastModifiedTime(source.resolve("file")),
                Files.getLastModifiedTime(target.resolve("file")),
                "the files' attributes arrived");
        assertEquals(descriptors, Leaks.openDescriptorsBelow(source.getParent()));
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void injectedFchmodFailing_onACreatedDirectory_isReportedForIt_andItKeepsTheOwnerOnlyMode() throws IOException {
        treeOn(TestFileSystem.EXT4);
        List<String> descriptors = Leaks.openDescriptorsBelow(source.getParent());
        FaultySyscalls faults = failingOnTargetSub("changeMode");

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        assertReportedForSubOnly(summary);
        assertEverythingCopied(summary);
        assertEquals(0700, mode(target.resolve("sub")), "made owner-only, and left so");
        assertEquals(descriptors, Leaks.openDescriptorsBelow(source.getParent()));
        assertEquals(List.of(), faults.closedTwice());
    }
}
