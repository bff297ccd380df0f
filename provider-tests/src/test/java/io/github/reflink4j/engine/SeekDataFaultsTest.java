package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

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
 * A copy (not a clone: ext4) of a sparse file where lseek cannot find data and holes
 * (SEEK_DATA failing, as on a file system without it): injected (see {@link FaultySyscalls}),
 * since every local file system here has SEEK_DATA. The whole rest of the file is then taken
 * for data: the copy has every byte of the source, holes read as zeros.
 */
class SeekDataFaultsTest extends RealFileSystemTest {
    private static final int SIZE = 1 << 20;

    @Test
    void injectedSeekDataFailing_copiesTheWholeFile_holesAsZeros() throws IOException, NativeException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = dir.resolve("sparse");
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(randomBytes(8192, 1)), SIZE / 2);
            channel.write(ByteBuffer.wrap(randomBytes(100, 2)), SIZE - 100);
        }
        assertTrue(allocatedBytes(source) < SIZE / 4, "the fixture is sparse");
        Path target = dir.resolve("target");
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("seek", call -> {
            throw call.fail(Errno.EINVAL);
        });

        Syscalls real = Syscalls.linux();
        int in = real.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        CopyResult result;
        try {
            FileStatus status = real.status(in);
            result = CopyEngine.copyOpenFile(
                    faults.syscalls(),
                    in,
                    status,
                    Syscalls.AT_FDCWD,
                    NativePaths.bytes(target),
                    new CopyRequest(ReflinkCopyOption.AUTO, false, false, true),
                    () -> source,
                    () -> target);
        } finally {
            real.close(in);
        }

        assertEquals(CopyMethod.COPY_FILE_RANGE, result.method());
        assertEquals(SIZE, result.bytes());
        assertEquals(1, faults.calls("seek"), "asked once, then the rest is data");
        assertSameContent(source, target);
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }
}
