package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The flock that marks the temporary file beside an existing target as a live copy's (see
 * {@code TargetFile.markInUse}), failing: injected (see {@link FaultySyscalls}), since the local
 * file systems here always grant a flock on a file no one else has open. Where the file system
 * has no flock (EOPNOTSUPP) the copy goes on with an unmarked file; any other error removes the
 * temporary file and leaves the old target, byte for byte and inode for inode.
 */
class ReplacementLockFaultsTest extends RealFileSystemTest {
    private static final int SIZE = (1 << 20) + 77;

    private Path dir;
    private Path source;
    private Path target;
    private byte[] oldTarget;
    private Object oldInode;

    private void existingTargetOn(TestFileSystem fs) throws IOException {
        dir = directoryOn(fs);
        source = writeRandomFile(dir.resolve("source"), SIZE, 1);
        target = writeRandomFile(dir.resolve("target"), 10_000, 2);
        oldTarget = Files.readAllBytes(target);
        oldInode = inode(target);
    }

    private CopyResult copy(FaultySyscalls faults) throws IOException, NativeException {
        Syscalls real = Syscalls.linux();
        int in = real.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        try {
            FileStatus status = real.status(in);
            return CopyEngine.copyOpenFile(
                    faults.syscalls(),
                    in,
                    status,
                    Syscalls.AT_FDCWD,
                    NativePaths.bytes(target),
                    new CopyRequest(ReflinkCopyOption.AUTO, true, false, true),
                    () -> source,
                    () -> target);
        } finally {
            real.close(in);
        }
    }

    private List<String> names() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void injectedFlockFailingWithEio_onTheTemporaryFile_failsTheCopy_removesTheFile_andKeepsTheOldTarget()
            throws Exception {
        existingTargetOn(TestFileSystem.EXT4);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("tryLock", call -> {
            throw call.fail(Errno.EIO);
        });

        FileSystemException e = assertThrows(FileSystemException.class, () -> copy(faults));

        assertEquals(target.toString(), e.getFile());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertEquals(1, faults.calls("tryLock"));
        assertArrayEquals(oldTarget, Files.readAllBytes(target));
        assertEquals(oldInode, inode(target));
        assertEquals(List.of("source", "target"), names());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void injectedFlockUnsupported_onTheTemporaryFile_replacesTheTargetAnyway_withTheSourcesBytes() throws Exception {
        existingTargetOn(TestFileSystem.EXT4);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("tryLock", call -> {
            throw call.fail(Errno.EOPNOTSUPP);
        });

        CopyResult result = copy(faults);

        assertEquals(CopyMethod.COPY_FILE_RANGE, result.method());
        assertEquals(SIZE, result.bytes());
        assertEquals(1, faults.calls("tryLock"));
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(target));
        assertTrue(!oldInode.equals(inode(target)), "the target was written in place, not replaced");
        assertEquals(List.of("source", "target"), names());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }
}
