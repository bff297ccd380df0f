package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The portable copy (no native access: here paths and channels of Jimfs, an in-memory file system
 * of another provider): NEVER through a Java buffer into a new file renamed over the target,
 * ranges between channels through {@code transferTo} (AUTO) or positional reads and writes
 * (NEVER), ALWAYS refused with the reason; never a temporary file left behind.
 */
class PortableCopyOnJimfsTest {
    private FileSystem jimfs;

    @BeforeEach
    void openJimfs() {
        jimfs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "posix")
                .build());
    }

    @AfterEach
    void closeJimfs() throws IOException {
        jimfs.close();
    }

    private static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void never_ofAFileLargerThanTheBuffer_copiesEveryByte_andLeavesOnlyTheTarget() throws IOException {
        byte[] data = randomBytes((5 << 20) / 2 + 13, 1);
        Path source = Files.write(jimfs.getPath("/source"), data);
        Path target = jimfs.getPath("/target");

        CopyResult result = Reflink.copy(source, target, ReflinkCopyOption.NEVER);

        assertEquals(CopyMethod.READ_WRITE, result.method());
        assertEquals(data.length, result.bytes());
        assertArrayEquals(data, Files.readAllBytes(target));
        assertArrayEquals(data, Files.readAllBytes(source));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_whenTheTargetExistsWithoutReplaceExisting_throwsFileAlreadyExists_andChangesNothing()
            throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(1000, 2));
        byte[] old = randomBytes(300, 3);
        Path target = Files.write(jimfs.getPath("/target"), old);

        FileAlreadyExistsException e = assertThrows(
                FileAlreadyExistsException.class, () -> Reflink.copy(source, target, ReflinkCopyOption.NEVER));

        assertEquals(target.toString(), e.getFile());
        assertArrayEquals(old, Files.readAllBytes(target));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_withReplaceExisting_replacesTheTargetWhole_andLeavesNoTemporaryFile() throws IOException {
        byte[] data = randomBytes(70_000, 4);
        Path source = Files.write(jimfs.getPath("/source"), data);
        Path target = Files.write(jimfs.getPath("/target"), randomBytes(200_000, 5));

        CopyResult result = Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(data.length, result.bytes());
        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_whenTheTargetIsTheSourceItself_copiesNothing_andLeavesTheFileAsItWas() throws IOException {
        byte[] data = randomBytes(5000, 6);
        Path source = Files.write(jimfs.getPath("/source"), data);

        CopyResult result = Reflink.copy(
                source, jimfs.getPath("/./source"), ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);

        assertEquals(CopyMethod.NONE, result.method());
        assertEquals(0, result.bytes());
        assertArrayEquals(data, Files.readAllBytes(source));
        assertEquals(List.of("source", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_withCopyAttributes_givesTheTargetTheSourcesPermissionsAndTimes() throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(4096, 7));
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwxr-x---"));
        FileTime modified = FileTime.fromMillis(1_500_000_000_000L);
        Files.setLastModifiedTime(source, modified);
        Path target = jimfs.getPath("/target");

        Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.COPY_ATTRIBUTES);

        assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(target));
        assertEquals(modified, Files.getLastModifiedTime(target));
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(target));
    }

    @Test
    void never_withoutCopyAttributes_givesTheNewFileTheSourcesPermissionBits() throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(100, 8));
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r-----"));
        Path target = jimfs.getPath("/target");

        Reflink.copy(source, target, ReflinkCopyOption.NEVER);

        // Jimfs has no umask: the bits are the source's exactly
        assertEquals(PosixFilePermissions.fromString("rw-r-----"), Files.getPosixFilePermissions(target));
    }

    @Test
    void never_onAFileSystemWithoutPosixAttributes_copiesTheBytes() throws IOException {
        try (FileSystem basicOnly = Jimfs.newFileSystem(Configuration.unix())) {
            byte[] data = randomBytes(12_345, 9);
            Path source = Files.write(basicOnly.getPath("/source"), data);
            Path target = basicOnly.getPath("/target");

            CopyResult result =
                    Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.COPY_ATTRIBUTES);

            assertEquals(data.length, result.bytes());
            assertArrayEquals(data, Files.readAllBytes(target));
            assertEquals(Files.getLastModifiedTime(source), Files.getLastModifiedTime(target));
            assertEquals(List.of("source", "target", "work"), names(basicOnly.getPath("/")));
        }
    }

    @Test
    void channelRange_always_isRefusedWithTheReason_andTheTargetIsUnchanged() throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(10_000, 10));
        byte[] old = randomBytes(10_000, 11);
        Path target = Files.write(jimfs.getPath("/target"), old);
        try (FileChannel in = FileChannel.open(source);
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            ReflinkUnsupportedException e = assertThrows(
                    ReflinkUnsupportedException.class,
                    () -> Reflink.partial(in, 0, out, 0, 4096, ReflinkCopyOption.ALWAYS));
            assertTrue(e.getMessage().contains("not a file channel of the default file system"), e.getMessage());
            assertThrows(ReflinkUnsupportedException.class, () -> Reflink.reflink(in, out, ReflinkCopyOption.ALWAYS));
        }
        assertArrayEquals(old, Files.readAllBytes(target));
    }

    @Test
    void channelRange_autoAndNever_writeTheRangeAtTheTargetOffset_andKeepTheTargetPosition() throws IOException {
        byte[] data = randomBytes(3 << 20, 12);
        Path source = Files.write(jimfs.getPath("/source"), data);
        for (ReflinkCopyOption mode : List.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)) {
            byte[] old = randomBytes(100_000, 13);
            Path target = Files.write(jimfs.getPath("/target-" + mode), old);
            int sourceOffset = 777;
            int targetOffset = 5000;
            int length = (5 << 20) / 2; // more than the buffer of 1 MiB
            try (FileChannel in = FileChannel.open(source);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
                out.position(42);
                CopyResult result = Reflink.partial(in, sourceOffset, out, targetOffset, length, mode);

                assertEquals(CopyMethod.READ_WRITE, result.method(), mode.toString());
                assertEquals(length, result.bytes(), mode.toString());
                assertEquals(42, out.position(), mode + ": the target channel's position moved");
            }
            byte[] expected = new byte[targetOffset + length];
            System.arraycopy(old, 0, expected, 0, targetOffset);
            System.arraycopy(data, sourceOffset, expected, targetOffset, length);
            assertArrayEquals(expected, Files.readAllBytes(target), mode.toString());
        }
    }

    @Test
    void channelRange_pastTheSourcesEnd_copiesWhatThereIs_andNothingBeyondTheEnd() throws IOException {
        byte[] data = randomBytes(10_000, 14);
        Path source = Files.write(jimfs.getPath("/source"), data);
        for (ReflinkCopyOption mode : List.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)) {
            Path target = jimfs.getPath("/target-" + mode);
            try (FileChannel in = FileChannel.open(source);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                assertEquals(
                        4000, Reflink.partial(in, 6000, out, 0, 1 << 20, mode).bytes(), mode.toString());
                CopyResult beyond = Reflink.partial(in, 20_000, out, 0, 100, mode);
                assertEquals(CopyMethod.NONE, beyond.method(), mode.toString());
                assertEquals(0, beyond.bytes(), mode.toString());
            }
            byte[] expected = new byte[4000];
            System.arraycopy(data, 6000, expected, 0, 4000);
            assertArrayEquals(expected, Files.readAllBytes(target), mode.toString());
        }
    }

    @Test
    void wholeChannel_neverOntoALongerTarget_endsWithExactlyTheSourcesBytes() throws IOException {
        byte[] data = randomBytes(30_000, 15);
        Path source = Files.write(jimfs.getPath("/source"), data);
        for (ReflinkCopyOption mode : List.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)) {
            Path target = Files.write(jimfs.getPath("/target-" + mode), randomBytes(90_000, 16));
            try (FileChannel in = FileChannel.open(source);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
                CopyResult result = Reflink.reflink(in, out, mode);
                assertEquals(data.length, result.bytes(), mode.toString());
                assertEquals(CopyMethod.READ_WRITE, result.method(), mode.toString());
            }
            assertArrayEquals(data, Files.readAllBytes(target), mode.toString());
        }
    }

    @Test
    void pathRange_autoAndNever_createAnAbsentTarget_andAlwaysIsRefusedCreatingNothing() throws IOException {
        byte[] data = randomBytes(50_000, 17);
        Path source = Files.write(jimfs.getPath("/source"), data);
        Path refused = jimfs.getPath("/refused");
        ReflinkUnsupportedException e = assertThrows(
                ReflinkUnsupportedException.class,
                () -> Reflink.partial(source, 0, refused, 0, 4096, ReflinkCopyOption.ALWAYS));
        assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
        assertTrue(Files.notExists(refused));
        for (ReflinkCopyOption mode : List.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)) {
            Path target = jimfs.getPath("/target-" + mode);

            CopyResult result = Reflink.partial(source, 1000, target, 10, 20_000, mode);

            assertEquals(20_000, result.bytes(), mode.toString());
            byte[] expected = new byte[20_010];
            System.arraycopy(data, 1000, expected, 10, 20_000);
            assertArrayEquals(expected, Files.readAllBytes(target), mode.toString());
        }
    }

    @Test
    void never_overADirectoryWithEntries_withReplaceExisting_throwsDirectoryNotEmpty_andRemovesItsNewFile()
            throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(20_000, 18));
        Path target = Files.createDirectory(jimfs.getPath("/target"));
        byte[] kept = randomBytes(10, 19);
        Files.write(target.resolve("entry"), kept);

        DirectoryNotEmptyException e = assertThrows(
                DirectoryNotEmptyException.class,
                () -> Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING));

        assertEquals(target.toString(), e.getFile());
        assertArrayEquals(kept, Files.readAllBytes(target.resolve("entry")));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_overAnEmptyDirectory_withReplaceExisting_replacesItWithTheFile() throws IOException {
        byte[] data = randomBytes(20_000, 20);
        Path source = Files.write(jimfs.getPath("/source"), data);
        Path target = Files.createDirectory(jimfs.getPath("/target"));

        Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);

        assertArrayEquals(data, Files.readAllBytes(target));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }

    @Test
    void never_onAnInterruptedThread_stopsWithInterruptedIOException_keepsTheInterrupt_andTheOldTarget()
            throws IOException {
        Path source = Files.write(jimfs.getPath("/source"), randomBytes(3 << 20, 21));
        byte[] old = randomBytes(1000, 22);
        Path target = Files.write(jimfs.getPath("/target"), old);

        Thread.currentThread().interrupt();
        try {
            InterruptedIOException e = assertThrows(
                    InterruptedIOException.class,
                    () -> Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt was swallowed");
            assertTrue(
                    e.getMessage().contains(source.toString()) && e.getMessage().contains(target.toString()),
                    e.getMessage());
        } finally {
            Thread.interrupted();
        }
        assertArrayEquals(old, Files.readAllBytes(target));
        assertEquals(List.of("source", "target", "work"), names(jimfs.getPath("/")));
    }
}
