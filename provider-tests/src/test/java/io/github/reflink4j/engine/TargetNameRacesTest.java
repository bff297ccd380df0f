package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
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
 * The target's name taken by another writer between the copy's look at it (fstatat: absent) and
 * its exclusive create, a window of microseconds no test can hit on demand: injected (see
 * {@link FaultySyscalls}) by writing the other file just before the real create, which the
 * kernel then refuses with EEXIST. Also a directory whose inode flags cannot be read
 * (FS_IOC_GETFLAGS answering ENOTTY, as on a file system without them): injected on ext4, which
 * has them. And the reverse race: an existing target removed between the refused create and the
 * look at it, after which the name is simply created. Without REPLACE_EXISTING the other writer's file wins and stays; with it, it is
 * replaced like any existing target.
 */
class TargetNameRacesTest extends RealFileSystemTest {
    private static final int SIZE = (1 << 20) + 313;

    private Path dir;
    private Path source;
    private Path target;

    private void sourceOn(TestFileSystem fs) {
        dir = directoryOn(fs);
        source = writeRandomFile(dir.resolve("source"), SIZE, 11);
        target = dir.resolve("target");
    }

    private CopyResult copy(FaultySyscalls faults, boolean replace) throws IOException, NativeException {
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
                    new CopyRequest(ReflinkCopyOption.AUTO, replace, false, true),
                    () -> source,
                    () -> target);
        } finally {
            real.close(in);
        }
    }

    /** Before the first exclusive create, another writer puts {@code bytes} at the target's name. */
    private FaultySyscalls anotherWriterFirst(byte[] bytes) {
        return new FaultySyscalls().on("createExclusive", call -> {
            if (call.n() == 1) {
                Files.write(target, bytes);
            }
            return call.proceed();
        });
    }

    private List<String> names() throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void injectedNameTakenBeforeTheCreate_withoutReplaceExisting_throwsFileAlreadyExists_andKeepsTheOtherFile()
            throws Exception {
        sourceOn(TestFileSystem.EXT4);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        byte[] theirs = randomBytes(5000, 12);
        FaultySyscalls faults = anotherWriterFirst(theirs);

        FileAlreadyExistsException e = assertThrows(FileAlreadyExistsException.class, () -> copy(faults, false));

        assertEquals(target.toString(), e.getFile());
        assertEquals(1, faults.calls("createExclusive"), "the refused create is not retried");
        assertArrayEquals(theirs, Files.readAllBytes(target), "the other writer's file was touched");
        assertEquals(List.of("source", "target"), names());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void injectedNameTakenBeforeTheCreate_withReplaceExisting_replacesTheOtherFile_withTheSourcesBytes()
            throws Exception {
        sourceOn(TestFileSystem.BTRFS);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = anotherWriterFirst(randomBytes(5000, 13));

        CopyResult result = copy(faults, true);

        assertEquals(CopyMethod.CLONE, result.method());
        assertEquals(SIZE, result.bytes());
        assertEquals(2, faults.calls("createExclusive"), "the target's name, then the temporary file's");
        assertSameContent(source, target);
        assertEquals(List.of("source", "target"), names());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void injectedTargetRemovedAfterTheCreateFoundIt_withoutReplaceExisting_isSimplyCreated() throws Exception {
        sourceOn(TestFileSystem.XFS);
        writeRandomFile(target, 3000, 15);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        // the create finds the old target; another process removes it before the copy looks at it
        FaultySyscalls faults = new FaultySyscalls().on("createExclusive", call -> {
            Object result = call.proceed();
            if (call.n() == 1) {
                Files.delete(target);
            }
            return result;
        });

        CopyResult result = copy(faults, false);

        assertEquals(SIZE, result.bytes());
        assertEquals(2, faults.calls("createExclusive"), "refused while the old file was there, then created");
        assertSameContent(source, target);
        assertEquals(List.of("source", "target"), names());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void injectedInodeFlagsUnreadable_inTheTargetsDirectory_replacesTheTargetAnyway() throws Exception {
        sourceOn(TestFileSystem.EXT4);
        writeRandomFile(target, 7000, 14);
        Object oldInode = inode(target);
        FaultySyscalls faults = new FaultySyscalls().on("inodeFlags", call -> {
            throw call.fail(Errno.ENOTTY);
        });

        CopyResult result = copy(faults, true);

        assertEquals(SIZE, result.bytes());
        assertEquals(1, faults.calls("inodeFlags"));
        assertSameContent(source, target);
        assertNotEquals(oldInode, inode(target), "replaced by a rename, not written in place");
        assertEquals(List.of("source", "target"), names());
        assertEquals(List.of(), faults.closedTwice());
    }
}
