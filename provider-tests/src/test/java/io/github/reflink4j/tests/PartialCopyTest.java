package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

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

/** Reflink.partial: aligned ranges clone, unaligned ones fail (ALWAYS) or copy (AUTO). */
class PartialCopyTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;
    private static final int SOURCE_SIZE = 64 * BLOCK + 300;

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void alignedRange_always_clonesExactlyThoseBlocks(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 1);
        Path target = writeRandomFile(dir.resolve("target"), 32 * BLOCK, 2);
        byte[] expected = expectedAfter(source, 8 * BLOCK, target, 4 * BLOCK, 16 * BLOCK);

        CopyResult result = Reflink.partial(source, 8 * BLOCK, target, 4 * BLOCK, 16 * BLOCK, ReflinkCopyOption.ALWAYS);

        assertEquals(CopyResult.cloned(16 * BLOCK), result);
        assertArrayEquals(expected, Files.readAllBytes(target));
        assertTrue(
                Extents.blockShared(target, 4) && Extents.blockShared(target, 19),
                Extents.of(target).toString());
        assertFalse(
                Extents.blockShared(target, 3) || Extents.blockShared(target, 20),
                Extents.of(target).toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void unalignedRange_always_failsAndLeavesTargetUnchanged(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 3);
        Path target = writeRandomFile(dir.resolve("target"), 32 * BLOCK, 4);
        byte[] before = Files.readAllBytes(target);

        ReflinkFailedException e = assertThrows(
                ReflinkFailedException.class,
                () -> Reflink.partial(source, 100, target, 100, 5 * BLOCK, ReflinkCopyOption.ALWAYS));

        assertEquals(fs.clones() ? "EINVAL" : "EOPNOTSUPP", e.errnoName().replace("ENOTSUP", "EOPNOTSUPP"));
        assertArrayEquals(before, Files.readAllBytes(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void unalignedRange_auto_clonesTheAlignedMiddle_andCopiesTheEdges(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 5);
        Path target = writeRandomFile(dir.resolve("target"), 32 * BLOCK, 6);
        long from = 2 * BLOCK + 100;
        long to = 6 * BLOCK + 100; // same place within a block as the source offset
        long length = 10 * BLOCK;
        byte[] expected = expectedAfter(source, from, target, to, length);

        CopyResult result = Reflink.partial(source, from, target, to, length, ReflinkCopyOption.AUTO);

        assertArrayEquals(expected, Files.readAllBytes(target));
        assertEquals(length, result.bytes());
        if (fs.clones()) {
            assertEquals(9 * BLOCK, result.clonedBytes(), "the whole blocks inside the range");
            assertTrue(
                    Extents.blockShared(target, 7) && Extents.blockShared(target, 15),
                    Extents.of(target).toString());
        } else {
            assertEquals(0, result.clonedBytes());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void aRangeToTheSourcesUnalignedEnd_insideALongerTarget_auto_clonesTheWholeBlocks_andCopiesTheTail(
            TestFileSystem fs) throws IOException {
        // the kernel clones a partial last block only where it ends both files: here it would not
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 6 * BLOCK + 100, 15);
        Path target = writeRandomFile(dir.resolve("target"), 16 * BLOCK, 16);
        byte[] expected = expectedAfter(source, BLOCK, target, BLOCK, 5 * BLOCK + 100);

        CopyResult result = Reflink.partial(source, BLOCK, target, BLOCK, 1L << 40, ReflinkCopyOption.AUTO);

        assertArrayEquals(expected, Files.readAllBytes(target));
        assertEquals(5 * BLOCK + 100, result.bytes());
        assertEquals(5 * BLOCK, result.clonedBytes(), "the five whole blocks are cloned, the 100-byte tail copied");
        assertTrue(
                Extents.blockShared(target, 1) && Extents.blockShared(target, 5),
                Extents.of(target).toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void misalignedOffsets_auto_and_never_copyTheRange(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 7);
        for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
            Path target = writeRandomFile(dir.resolve("target-" + mode.name()), 8 * BLOCK, 8);
            byte[] expected = expectedAfter(source, 3, target, 1000, 20 * BLOCK);

            CopyResult result = Reflink.partial(source, 3, target, 1000, 20 * BLOCK, mode);

            assertArrayEquals(expected, Files.readAllBytes(target), mode.toString());
            assertEquals(0, result.clonedBytes(), mode.toString());
            if (mode == ReflinkCopyOption.NEVER) {
                assertEquals(CopyMethod.READ_WRITE, result.method());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void rangePastSourceEnd_copiesWhatExists_intoANewTargetWithTheSourcesPermissions(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 9);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rwxr-x---"));
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                continue;
            }
            Path target = dir.resolve("new-" + mode.name());
            CopyResult result = Reflink.partial(source, 60 * BLOCK, target, 0, 1 << 30, mode);

            byte[] all = Files.readAllBytes(source);
            assertArrayEquals(
                    Arrays.copyOfRange(all, 60 * BLOCK, all.length), Files.readAllBytes(target), mode.toString());
            assertEquals(SOURCE_SIZE - 60 * BLOCK, result.bytes(), mode.toString());
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        }
        assertEquals(
                CopyResult.none(),
                Reflink.partial(source, SOURCE_SIZE + 5, dir.resolve("nothing"), 0, 10, ReflinkCopyOption.AUTO));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void negativeOrOverflowingRange_isRejectedBeforeAnythingIsWritten(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SOURCE_SIZE, 10);
        Path target = dir.resolve("target");
        long[][] bad = {{-1, 0, 10}, {0, -1, 10}, {0, 0, -1}, {Long.MAX_VALUE - 5, 0, 10}, {0, Long.MAX_VALUE, 1}};
        for (long[] range : bad) {
            assertThrows(
                    IllegalArgumentException.class,
                    () -> Reflink.partial(source, range[0], target, range[1], range[2], ReflinkCopyOption.AUTO),
                    Arrays.toString(range));
            try (FileChannel in = FileChannel.open(source);
                    FileChannel out = FileChannel.open(
                            dir.resolve("channel-target"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Reflink.partial(in, range[0], out, range[1], range[2], ReflinkCopyOption.AUTO));
                assertEquals(0, out.size());
            }
        }
        assertFalse(Files.exists(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void overlappingRangesOfTheSameFile_areRejected_nonOverlappingOnesCopy(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path file = writeRandomFile(dir.resolve("file"), 16 * BLOCK, 11);
        byte[] before = Files.readAllBytes(file);

        assertThrows(
                IllegalArgumentException.class,
                () -> Reflink.partial(file, 0, file, BLOCK, 4 * BLOCK, ReflinkCopyOption.AUTO));
        assertArrayEquals(before, Files.readAllBytes(file));

        Reflink.partial(file, 0, file, 8 * BLOCK, 4 * BLOCK, ReflinkCopyOption.AUTO);
        byte[] after = Files.readAllBytes(file);
        assertArrayEquals(Arrays.copyOfRange(before, 0, 4 * BLOCK), Arrays.copyOfRange(after, 8 * BLOCK, 12 * BLOCK));
    }

    /** What the target must hold after the range is copied, computed in memory. */
    private static byte[] expectedAfter(Path source, long from, Path target, long to, long length) throws IOException {
        byte[] src = Files.readAllBytes(source);
        byte[] dst = Files.readAllBytes(target);
        int n = (int) Math.min(length, src.length - from);
        byte[] result = Arrays.copyOf(dst, (int) Math.max(dst.length, to + n));
        System.arraycopy(src, (int) from, result, (int) to, n);
        return result;
    }
}
