package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Holes stay holes, and files over 2 GiB copy whole. The files are sparse so that a 4 GiB file
 * costs 40 MiB; "fast" is not asserted (timing is measured in BENCHMARKS.md), allocation is.
 */
class SparseAndLargeFileTest extends RealFileSystemTest {
    private static final long GIB = 1L << 30;
    private static final int SEGMENT = 10 << 20;
    private static final long[] DATA_AT = {0, GIB + 4096, 2 * GIB + 12345 * 4096L, 4 * GIB - SEGMENT};
    private static final long SIZE = 4 * GIB + 4096 * 3 + 17; // ends in a hole, unaligned

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void sparse4GiBFile_auto_and_never_keepHoles_andCopyEveryDataSegment(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeSparseFile(dir.resolve("sparse"));

        for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
            Path target = dir.resolve("copy-" + mode.name());
            CopyResult result = Reflink.copy(source, target, mode);

            assertEquals(SIZE, result.bytes(), mode.toString());
            assertEquals(SIZE, Files.size(target), mode.toString());
            assertDataSegmentsEqual(source, target);
            assertHolesReadAsZeros(target);
            if (result.method() != CopyMethod.CLONE) {
                long data = (long) DATA_AT.length * SEGMENT;
                long allocated = allocatedBytes(target);
                assertTrue(
                        allocated < 2 * data, // xfs preallocates speculatively; filled holes would be 4 GiB
                        mode + ": " + allocated + " bytes allocated for " + data
                                + " bytes of data: the holes were filled");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void fileOver2GiB_withDataPast2GiB_copiesWhole(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = dir.resolve("big");
        byte[] tail = randomBytes(1 << 20, 3);
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(tail), 3 * GIB - tail.length);
        }
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                continue;
            }
            Path target = dir.resolve("copy-" + mode.name());
            Reflink.copy(source, target, mode);

            assertEquals(3 * GIB, Files.size(target), mode.toString());
            assertArrayEquals(tail, read(target, 3 * GIB - tail.length, tail.length), mode.toString());
        }
    }

    private static Path writeSparseFile(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < DATA_AT.length; i++) {
                channel.write(ByteBuffer.wrap(randomBytes(SEGMENT, 100 + i)), DATA_AT[i]);
            }
        }
        try (java.io.RandomAccessFile extend = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            extend.setLength(SIZE); // ftruncate: the file ends in a hole
        }
        return file;
    }

    private static void assertDataSegmentsEqual(Path source, Path target) throws IOException {
        for (long offset : DATA_AT) {
            assertArrayEquals(read(source, offset, SEGMENT), read(target, offset, SEGMENT), "segment at " + offset);
        }
    }

    private static void assertHolesReadAsZeros(Path target) throws IOException {
        for (long offset : new long[] {SEGMENT, GIB, 3 * GIB, SIZE - 4096}) {
            byte[] bytes = read(target, offset, 4096);
            for (byte b : bytes) {
                if (b != 0) {
                    throw new AssertionError("hole at " + offset + " reads non-zero bytes");
                }
            }
        }
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel channel = FileChannel.open(file)) {
            while (buffer.hasRemaining() && channel.read(buffer, offset + buffer.position()) > 0) {
                // keep reading
            }
        }
        return buffer.array();
    }
}
