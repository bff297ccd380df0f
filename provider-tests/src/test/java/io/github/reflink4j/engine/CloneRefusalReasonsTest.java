package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What an ALWAYS copy says when FICLONE is refused with an errno that btrfs does not give for
 * two ordinary files on one file system (EBADF, ETXTBSY for a swap file, ENOTTY or ENOSYS from a
 * kernel without the ioctl, and an errno with no explanation of its own): injected (see
 * {@link FaultySyscalls}). Each is a ReflinkFailedException naming the source and the target,
 * the operation and the errno, with a reason that says what the errno means for a clone; the
 * new target is removed.
 */
class CloneRefusalReasonsTest extends RealFileSystemTest {
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(Errno.EBADF, "the source is not open for reading or the target not for writing"),
                Arguments.of(Errno.ETXTBSY, "a file is an active swap file"),
                Arguments.of(Errno.ENOTTY, "this kernel or file system has no clone operation"),
                Arguments.of(Errno.ENOSYS, "this kernel or file system has no clone operation"),
                Arguments.of(Errno.EBUSY, "the clone was refused"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void injectedCloneRefusal_inAlwaysMode_isAReflinkFailedException_explainingTheErrno_andLeavesNoTarget(
            Errno errno, String explanation) throws IOException, NativeException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 3 * 4096 + 1, 1);
        Path target = dir.resolve("target");
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("cloneFile", call -> {
            throw call.fail(errno);
        });
        Syscalls real = Syscalls.linux();
        int in = real.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        ReflinkFailedException e;
        try {
            FileStatus status = real.status(in);
            e = assertThrows(
                    ReflinkFailedException.class,
                    () -> CopyEngine.copyOpenFile(
                            faults.syscalls(),
                            in,
                            status,
                            Syscalls.AT_FDCWD,
                            NativePaths.bytes(target),
                            new CopyRequest(ReflinkCopyOption.ALWAYS, false, false, true),
                            () -> source,
                            () -> target));
        } finally {
            real.close(in);
        }

        assertEquals(source.toString(), e.getFile());
        assertEquals(target.toString(), e.getOtherFile());
        assertEquals(errno.value(), e.errno());
        assertEquals(errno.name(), e.errnoName());
        assertTrue(e.getReason().contains(explanation), e.getReason());
        assertEquals(1, faults.calls("cloneFile"));
        assertFalse(Files.exists(target), "the new target is removed");
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(
                    List.of("source"), list.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }
}
