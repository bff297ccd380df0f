package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** ALWAYS, AUTO and NEVER on each real file system: what moves the data, and what is shared. */
class CopyModesTest extends RealFileSystemTest {
    private static final int SIZE = 3 * 1024 * 1024 + 123; // several blocks and a partial last one

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void always_onCloningFileSystem_sharesEveryExtent(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 1);

        CopyResult result = Reflink.always(source, dir.resolve("target"));

        assertEquals(CopyResult.cloned(SIZE), result);
        assertTrue(Extents.allShared(dir.resolve("target")), "filefrag: " + Extents.of(dir.resolve("target")));
        assertSameContent(source, dir.resolve("target"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void always_clone_isIndependentOfTheSourceOnWrite(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 2);
        byte[] original = Files.readAllBytes(source);
        Path target = dir.resolve("target");
        Reflink.always(source, target);

        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 4096);
        }

        assertArrayEquals(original, Files.readAllBytes(source), "writing the clone changed the source");
        byte[] changed = Files.readAllBytes(target);
        assertEquals(1, changed[4096]);
        assertFalse(Extents.blockShared(target, 1), "the written block is still shared");
        assertTrue(Extents.blockShared(target, 2), "an unwritten block is no longer shared");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void always_onNonCloningFileSystem_failsWithErrnoAndLeavesNoTarget(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 3);
        Path target = dir.resolve("target");

        ReflinkFailedException e = assertThrows(ReflinkFailedException.class, () -> Reflink.always(source, target));

        assertEquals("EOPNOTSUPP", e.errnoName().replace("ENOTSUP", "EOPNOTSUPP"));
        assertEquals(95, e.errno());
        assertEquals(source.toString(), e.getFile());
        assertEquals(target.toString(), e.getOtherFile());
        assertTrue(e.getMessage().contains("ioctl(FICLONE)"), e.getMessage());
        assertFalse(Files.exists(target), "a failed ALWAYS left a target behind");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void auto_clonesWhereTheFileSystemCan_elseCopiesWithCopyFileRange(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 4);
        Path target = dir.resolve("target");

        CopyResult result = Reflink.auto(source, target);

        assertSameContent(source, target);
        assertEquals(SIZE, result.bytes());
        if (fs.clones()) {
            assertEquals(CopyMethod.CLONE, result.method());
            assertTrue(Extents.allShared(target), "filefrag: " + Extents.of(target));
        } else {
            assertEquals(CopyMethod.COPY_FILE_RANGE, result.method());
            assertEquals(0, result.clonedBytes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void never_makesACopyThatSharesNoBlock(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 5);
        Path target = dir.resolve("target");

        CopyResult result = Reflink.copy(source, target, ReflinkCopyOption.NEVER);

        assertEquals(CopyResult.copied(CopyMethod.READ_WRITE, SIZE), result);
        assertSameContent(source, target);
        assertTrue(Extents.noneShared(target), "filefrag: " + Extents.of(target));
        assertTrue(Extents.noneShared(source), "filefrag: " + Extents.of(source));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copy_withoutMode_isAuto(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 6);

        CopyResult result = Reflink.copy(source, dir.resolve("target"));

        assertEquals(fs.clones() ? CopyMethod.CLONE : CopyMethod.COPY_FILE_RANGE, result.method());
        assertSameContent(source, dir.resolve("target"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void emptySource_givesEmptyTarget_inEveryMode(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createFile(dir.resolve("empty"));
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                continue;
            }
            Path target = dir.resolve("target-" + mode.name());
            CopyResult result = Reflink.copy(source, target, mode);
            assertEquals(0, result.bytes(), mode.toString());
            assertEquals(0, Files.size(target), mode.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void target_getsTheSourcesPermissionBits_filteredByTheUmask_exactlyAsFilesCopyDoes(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        for (String permissions : new String[] {"rwxr-x--x", "r--------", "rw-rw-r--", "rwxrwxrwx"}) {
            Path source = writeRandomFile(dir.resolve("source-" + permissions), 5000, 7);
            Files.setPosixFilePermissions(source, PosixFilePermissions.fromString(permissions));
            Path byTheJdk = Files.copy(source, dir.resolve("jdk-" + permissions));
            String expected = PosixFilePermissions.toString(Files.getPosixFilePermissions(byTheJdk));
            for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
                Path target = dir.resolve("target-" + permissions + "-" + mode.name());
                Reflink.copy(source, target, mode);
                assertEquals(
                        expected,
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
                        mode + " " + target);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyAttributes_givesTheSourcesExactPermissionBits_includingExecute(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        for (String permissions : new String[] {"rwxr-x--x", "r--------", "rw-rw-rw-"}) {
            Path source = writeRandomFile(dir.resolve("source-" + permissions), 5000, 7);
            Files.setPosixFilePermissions(source, PosixFilePermissions.fromString(permissions));
            for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
                Path target = dir.resolve("target-" + permissions + "-" + mode.name());
                Reflink.copy(source, target, mode, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                assertEquals(
                        permissions,
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
                        mode + " " + target);
            }
        }
    }
}
