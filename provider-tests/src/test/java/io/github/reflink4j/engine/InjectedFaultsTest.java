package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.SourceChangedException;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Faults injected in front of the real system calls (see {@link FaultySyscalls}), where the
 * kernel cannot be made to fail on demand: the engine's file copy (the one single files and trees
 * share) on real ext4 and btrfs, onto a new target and over an existing one. Each fault ends in
 * a correct file or a clean failure, never in a silently wrong one; after each, the source is
 * unchanged, a new target is gone, an existing one is byte for byte and inode for inode the old
 * file, nothing else is in the directory, and no descriptor is left open.
 */
class InjectedFaultsTest extends RealFileSystemTest {
    private static final int SIZE = (3 << 20) + 123;
    private static final int CHUNK = 1 << 20;

    enum Target {
        NEW,
        EXISTING
    }

    /** One copy's files and the state they must keep. */
    private final class Scene {
        final Path dir;
        final Path source;
        final Path target;
        final byte[] sourceBytes;
        final byte[] oldTarget;
        final Object oldInode;
        final List<String> descriptors;

        Scene(TestFileSystem fs, Target kind) throws IOException {
            dir = directoryOn(fs);
            source = writeRandomFile(dir.resolve("source"), SIZE, 1);
            sourceBytes = Files.readAllBytes(source);
            target = dir.resolve("target");
            if (kind == Target.EXISTING) {
                oldTarget = randomBytes(10_000, 2);
                Files.write(target, oldTarget);
                oldInode = inode(target);
            } else {
                oldTarget = null;
                oldInode = null;
            }
            descriptors = Leaks.openDescriptorsBelow(dir);
        }

        /** The fault-injecting bindings copies of this scene used. */
        final List<FaultySyscalls> bindings = new ArrayList<>();

        CopyResult copy(FaultySyscalls faults, ReflinkCopyOption mode) throws IOException {
            bindings.add(faults);
            return copy(faults.syscalls(), mode);
        }

        CopyResult copy(Syscalls sys, ReflinkCopyOption mode) throws IOException {
            Syscalls real = Syscalls.linux();
            int in;
            FileStatus status;
            try {
                in = real.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
                status = real.status(in);
            } catch (io.github.reflink4j.linux.NativeException e) {
                throw new AssertionError(e);
            }
            try {
                return CopyEngine.copyOpenFile(
                        sys,
                        in,
                        status,
                        Syscalls.AT_FDCWD,
                        NativePaths.bytes(target),
                        new CopyRequest(mode, true, false, true),
                        () -> source,
                        () -> target);
            } finally {
                try {
                    real.close(in);
                } catch (io.github.reflink4j.linux.NativeException e) {
                    throw new AssertionError(e);
                }
            }
        }

        /** A failed copy: the source as it was, the target as it was, nothing else, no descriptor open. */
        void assertNothingLost() throws IOException {
            assertArrayEquals(sourceBytes, Files.readAllBytes(source), "the source changed");
            if (oldTarget == null) {
                assertFalse(Files.exists(target), "a failed copy left its new target");
                assertEquals(List.of("source"), names(), "files left in " + dir);
            } else {
                assertArrayEquals(oldTarget, Files.readAllBytes(target), "the existing target changed");
                assertEquals(oldInode, inode(target), "the existing target was replaced");
                assertEquals(List.of("source", "target"), names(), "files left in " + dir);
            }
            assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
            assertNoDoubleClose();
        }

        /** A copy that succeeded: the target is exactly the source, and nothing else was left. */
        void assertCopied() throws IOException {
            assertArrayEquals(sourceBytes, Files.readAllBytes(source), "the source changed");
            assertArrayEquals(sourceBytes, Files.readAllBytes(target), "the target is not the source's bytes");
            assertEquals(List.of("source", "target"), names(), "files left in " + dir);
            assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
            assertNoDoubleClose();
        }

        private void assertNoDoubleClose() {
            for (FaultySyscalls used : bindings) {
                assertEquals(List.of(), used.closedTwice(), "descriptors closed twice");
            }
        }

        private List<String> names() throws IOException {
            try (Stream<Path> list = Files.list(dir)) {
                return list.map(p -> p.getFileName().toString()).sorted().toList();
            }
        }
    }

    /** copy_file_range, cut to at most a mebibyte per call, so that a copy takes several. */
    private static Object shortCopy(FaultySyscalls.Call call) throws Throwable {
        call.args()[4] = Math.min((Long) call.args()[4], CHUNK);
        return call.proceed();
    }

    // ---- short and empty answers: the copy goes on to a correct file

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void copyFileRange_answeringShortCounts_isCalledAgain_untilTheFileIsWhole(Target kind) throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        FaultySyscalls faults = new FaultySyscalls().on("copyFileRange", call -> {
            call.args()[4] = Math.min((Long) call.args()[4], 4097L);
            return call.proceed();
        });
        CopyResult result = scene.copy(faults, ReflinkCopyOption.AUTO);
        assertEquals(CopyMethod.COPY_FILE_RANGE, result.method());
        assertEquals(SIZE, result.bytes());
        assertTrue(
                faults.calls("copyFileRange") >= SIZE / 4097,
                "copy_file_range called " + faults.calls("copyFileRange"));
        scene.assertCopied();
    }

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void copyFileRange_answeringZeroAtOnce_fallsBackToReadAndWrite(Target kind) throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        FaultySyscalls faults = new FaultySyscalls().on("copyFileRange", call -> 0L);
        CopyResult result = scene.copy(faults, ReflinkCopyOption.AUTO);
        assertEquals(CopyMethod.READ_WRITE, result.method());
        assertTrue(faults.calls("pwrite") >= SIZE / CHUNK);
        scene.assertCopied();
    }

    // ---- errors after some progress: a clean failure

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void copyFileRange_failingWithEio_afterPartOfTheFile_failsNamingTheSource_andLosesNothing(Target kind)
            throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        FaultySyscalls faults = new FaultySyscalls().on("copyFileRange", call -> {
            if (call.n() == 2) {
                throw call.fail(Errno.EIO);
            }
            return shortCopy(call);
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.AUTO));
        assertEquals(scene.source.toString(), e.getFile());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        scene.assertNothingLost();
    }

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void pwrite_failingWithEio_afterPartOfTheFile_failsNamingTheTarget_andLosesNothing(Target kind) throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        FaultySyscalls faults = new FaultySyscalls().on("pwrite", call -> {
            if (call.n() == 3) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertEquals(scene.target.toString(), e.getFile());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        scene.assertNothingLost();
    }

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void pread_failingWithEio_afterPartOfTheFile_failsNamingTheSource_andLosesNothing(Target kind) throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        FaultySyscalls faults = new FaultySyscalls().on("pread", call -> {
            if (call.n() == 2) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertEquals(scene.source.toString(), e.getFile());
        scene.assertNothingLost();
    }

    @Test
    void closingANewTarget_failingWithEnospc_failsTheCopy_andRemovesIt() throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, Target.NEW);
        FaultySyscalls faults = new FaultySyscalls();
        faults.on("close", call -> {
            Object result = call.proceed();
            if (faults.isCreated((Integer) call.args()[0])) {
                throw call.fail(Errno.ENOSPC); // closed, as Linux closes even when it reports an error
            }
            return result;
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertEquals(List.of(), faults.closedTwice());
        scene.assertNothingLost();
    }

    @Test
    void closingAReplacement_failingAfterItsRename_isReported_andTheTargetIsWhollyTheNewFile() throws IOException {
        // a replacement is renamed while still open (and locked), then closed: its copied data was
        // flushed before the rename, so a close error can lose nothing, but it is still reported
        Scene scene = new Scene(TestFileSystem.EXT4, Target.EXISTING);
        FaultySyscalls faults = new FaultySyscalls();
        List<String> order = new ArrayList<>();
        faults.on("syncData", call -> {
                    order.add("fdatasync");
                    return call.proceed();
                })
                .on("rename", call -> {
                    order.add("rename");
                    return call.proceed();
                })
                .on("close", call -> {
                    Object result = call.proceed();
                    if (faults.isCreated((Integer) call.args()[0])) {
                        order.add("close");
                        throw call.fail(Errno.EIO);
                    }
                    return result;
                });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(List.of("fdatasync", "rename", "close"), order);
        assertEquals(List.of(), faults.closedTwice());
        scene.assertCopied();
    }

    // ---- a clone that says it succeeded but did not clone everything

    @Test
    void aCloneReportingSuccess_thatIsShort_isNotTrusted_autoCopiesInstead_alwaysFails() throws IOException {
        for (Target kind : Target.values()) {
            Scene auto = new Scene(TestFileSystem.EXT4, kind);
            FaultySyscalls shortClone = new FaultySyscalls().on("cloneFile", InjectedFaultsTest::halfAClone);
            CopyResult result = auto.copy(shortClone, ReflinkCopyOption.AUTO);
            assertEquals(0, result.clonedBytes(), "a short clone counted as cloned");
            auto.assertCopied();

            Scene always = new Scene(TestFileSystem.EXT4, kind);
            FaultySyscalls again = new FaultySyscalls().on("cloneFile", InjectedFaultsTest::halfAClone);
            ReflinkFailedException e =
                    assertThrows(ReflinkFailedException.class, () -> always.copy(again, ReflinkCopyOption.ALWAYS));
            assertTrue(e.getMessage().contains("reported success"), e.getMessage());
            always.assertNothingLost();
        }
    }

    /** Stands in for FICLONE on ext4 (which cannot clone): fills half the target and reports success. */
    private static Object halfAClone(FaultySyscalls.Call call) throws Throwable {
        int source = (Integer) call.args()[0];
        int target = (Integer) call.args()[1];
        Syscalls real = Syscalls.linux();
        ByteBuffer half = ByteBuffer.allocateDirect(SIZE / 2);
        real.pread(source, half, 0);
        half.flip();
        while (half.hasRemaining()) {
            real.pwrite(target, half, half.position());
        }
        return null;
    }

    // ---- durability: what is flushed, and when

    @Test
    void aReplacementWhoseDataWasCopied_isFlushedOnce_beforeTheRename_aNewTargetIsNot() throws IOException {
        for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
            Scene replacing = new Scene(TestFileSystem.EXT4, Target.EXISTING);
            List<String> order = new ArrayList<>();
            FaultySyscalls faults = new FaultySyscalls()
                    .on("syncData", call -> {
                        order.add("fdatasync");
                        return call.proceed();
                    })
                    .on("rename", call -> {
                        order.add("rename");
                        return call.proceed();
                    });
            replacing.copy(faults, mode);
            assertEquals(List.of("fdatasync", "rename"), order, mode + ": the data must be on disk before the rename");
            replacing.assertCopied();

            Scene creating = new Scene(TestFileSystem.EXT4, Target.NEW);
            FaultySyscalls counted = new FaultySyscalls();
            creating.copy(counted, mode);
            assertEquals(0, counted.calls("syncData"), mode + ": a new target is not flushed");
            creating.assertCopied();
        }
    }

    @Test
    void aReplacementMadeByClone_isNotFlushed() throws IOException {
        Scene scene = new Scene(TestFileSystem.BTRFS, Target.EXISTING);
        FaultySyscalls counted = new FaultySyscalls();
        CopyResult result = scene.copy(counted, ReflinkCopyOption.ALWAYS);
        assertEquals(CopyMethod.CLONE, result.method());
        assertEquals(0, counted.calls("syncData"), "a clone is one journalled transaction: nothing to flush");
        assertEquals(1, counted.calls("rename"));
        scene.assertCopied();
    }

    @Test
    void theFlushBeforeTheRename_failingWithEio_leavesTheOldTarget() throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, Target.EXISTING);
        FaultySyscalls faults = new FaultySyscalls().on("syncData", call -> {
            throw call.fail(Errno.EIO);
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertEquals(scene.target.toString(), e.getFile());
        assertEquals(0, faults.calls("rename"), "renamed over the target after a failed flush");
        scene.assertNothingLost();
    }

    @Test
    void theRenameOverTheTarget_failing_removesTheTemporaryFile_andLeavesTheOldTarget() throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, Target.EXISTING);
        FaultySyscalls faults = new FaultySyscalls().on("rename", call -> {
            throw call.fail(Errno.EIO);
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.AUTO));
        assertEquals(scene.target.toString(), e.getFile());
        scene.assertNothingLost();
    }

    // ---- a source that changes while it is copied (a real change, timed by the seam)

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void aSourceCut_whileItIsCopied_failsWithSourceChanged_inBothCopyingModes(Target kind) throws IOException {
        for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
            Scene scene = new Scene(TestFileSystem.EXT4, kind);
            String write = mode == ReflinkCopyOption.AUTO ? "copyFileRange" : "pwrite";
            FaultySyscalls faults = new FaultySyscalls().on(write, call -> {
                if (write.equals("copyFileRange")) {
                    call.args()[4] = Math.min((Long) call.args()[4], CHUNK);
                }
                Object result = call.proceed();
                if (call.n() == 1) {
                    try (FileChannel source = FileChannel.open(scene.source, StandardOpenOption.WRITE)) {
                        source.truncate(CHUNK);
                    }
                }
                return result;
            });
            SourceChangedException e =
                    assertThrows(SourceChangedException.class, () -> scene.copy(faults, mode), mode.toString());
            assertEquals(SIZE, e.sizeBefore());
            assertEquals(CHUNK, e.sizeAfter());
            assertEquals(scene.source.toString(), e.getFile());
            assertEquals(scene.target.toString(), e.getOtherFile());
            // the test cut the source: what is left of it must be what it was
            byte[] cut = java.util.Arrays.copyOf(scene.sourceBytes, CHUNK);
            assertArrayEquals(cut, Files.readAllBytes(scene.source));
            Files.write(scene.source, scene.sourceBytes);
            scene.assertNothingLost();
        }
    }

    @ParameterizedTest(name = "onto a {0} target")
    @EnumSource(Target.class)
    void aSourceAppendedTo_whileItIsCopied_failsWithSourceChanged(Target kind) throws IOException {
        Scene scene = new Scene(TestFileSystem.EXT4, kind);
        byte[] more = randomBytes(5000, 3);
        FaultySyscalls faults = new FaultySyscalls().on("pwrite", call -> {
            Object result = call.proceed();
            if (call.n() == 1) {
                Files.write(scene.source, more, StandardOpenOption.APPEND);
            }
            return result;
        });
        SourceChangedException e =
                assertThrows(SourceChangedException.class, () -> scene.copy(faults, ReflinkCopyOption.NEVER));
        assertEquals(SIZE + more.length, e.sizeAfter());
        Files.write(scene.source, scene.sourceBytes);
        scene.assertNothingLost();
    }

    @Test
    void aSourceCut_rightAfterItWasCloned_leavesTheTargetTheWholeSnapshot() throws IOException {
        Scene scene = new Scene(TestFileSystem.BTRFS, Target.EXISTING);
        FaultySyscalls faults = new FaultySyscalls().on("cloneFile", call -> {
            Object result = call.proceed();
            try (FileChannel source = FileChannel.open(scene.source, StandardOpenOption.WRITE)) {
                source.truncate(CHUNK);
            }
            return result;
        });
        CopyResult result = scene.copy(faults, ReflinkCopyOption.ALWAYS);
        assertEquals(CopyMethod.CLONE, result.method());
        assertArrayEquals(scene.sourceBytes, Files.readAllBytes(scene.target), "a clone is one moment of the source");
        Files.write(scene.source, scene.sourceBytes);
        scene.assertCopied();
    }

    @Test
    void aDedupeInterrupted_afterItsFirstRequest_stopsThere_keepsTheInterrupt_andChangesNoByte() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        byte[] data = randomBytes(48 << 20, 9);
        Path source = Files.write(dir.resolve("source"), data);
        Path target = Files.write(dir.resolve("target"), data);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("dedupeRange", FaultySyscalls.INTERRUPT_AFTER);
        java.io.InterruptedIOException e;
        try {
            e = assertThrows(
                    java.io.InterruptedIOException.class, () -> Deduplicator.dedupe(faults.syscalls(), source, target));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status was not kept");
        }
        assertTrue(e.getMessage().contains("after " + (16 << 20) + " bytes"), e.getMessage());
        assertEquals(1, faults.calls("dedupeRange"), "requests after the interrupt");
        assertTrue(io.github.reflink4j.tests.support.Extents.blockShared(target, 0), "the first request shared");
        assertFalse(
                io.github.reflink4j.tests.support.Extents.blockShared(target, (40 << 20) / 4096),
                "a request after the interrupt shared");
        assertArrayEquals(data, Files.readAllBytes(source));
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void aTreeCopyIntoAFreshTarget_listsNoTargetDirectory_oneIntoAnExistingTree_listsEachOnceForLeftovers()
            throws IOException {
        // counted at the seam: the leftover cleanup is the engine's only listing of a target directory
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = dir.resolve("source");
        for (int d = 0; d < 20; d++) {
            writeRandomFile(source.resolve("d" + d).resolve("file"), 100, d);
        }
        FaultySyscalls fresh = new FaultySyscalls().on("openDirectory", call -> countListing(call));
        io.github.reflink4j.TreeCopySummary first = TreeCopier.copy(
                fresh.syscalls(),
                source,
                dir.resolve("target"),
                io.github.reflink4j.TreeCopy.options().parallelism(1));
        assertTrue(first.succeeded(), first.failures().toString());
        assertEquals(0, listings, "a fresh target's directories were listed for leftovers");

        FaultySyscalls merge = new FaultySyscalls().on("openDirectory", call -> countListing(call));
        io.github.reflink4j.TreeCopySummary again = TreeCopier.copy(
                merge.syscalls(),
                source,
                dir.resolve("target"),
                io.github.reflink4j.TreeCopy.options()
                        .parallelism(1)
                        .copyOptions(java.nio.file.StandardCopyOption.REPLACE_EXISTING));
        assertTrue(again.succeeded(), again.failures().toString());
        assertEquals(21, listings, "each existing target directory (the root and 20 below it) listed once");
    }

    private int listings;

    private Object countListing(FaultySyscalls.Call call) throws Throwable {
        if (java.util.Arrays.equals((byte[]) call.args()[1], new byte[] {'.'})) {
            listings++;
        }
        return call.proceed();
    }

    @Test
    void theFaultsAreReallyInjected() throws IOException {
        // guards the seam itself: an injected EIO must reach the engine as the errno it names
        Scene scene = new Scene(TestFileSystem.EXT4, Target.NEW);
        FaultySyscalls faults = new FaultySyscalls().on("createExclusive", call -> {
            throw call.fail(Errno.EIO);
        });
        FileSystemException e =
                assertThrows(FileSystemException.class, () -> scene.copy(faults, ReflinkCopyOption.AUTO));
        assertInstanceOf(FileSystemException.class, e);
        assertTrue(
                e.getMessage().contains("injected") && e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(1, faults.calls("createExclusive"));
        scene.assertNothingLost();
    }
}
