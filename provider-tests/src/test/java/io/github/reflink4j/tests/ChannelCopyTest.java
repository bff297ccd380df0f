package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

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

/** Reflink.reflink(FileChannel, FileChannel, mode): the target ends as an exact copy of the source. */
class ChannelCopyTest extends RealFileSystemTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void ontoLongerTarget_endsWithExactlyTheSourcesBytes_inEveryMode(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        for (int size : new int[] {8192, 8192 + 77, 100, 0}) {
            Path source = writeRandomFile(dir.resolve("source-" + size), size, size);
            for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
                if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                    continue;
                }
                Path target = writeRandomFile(dir.resolve("target"), 50_000, 1);
                try (FileChannel in = FileChannel.open(source);
                        FileChannel out = FileChannel.open(target, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    out.position(123);
                    CopyResult result = Reflink.reflink(in, out, mode);

                    assertEquals(size, result.bytes(), mode + " size " + size);
                    assertEquals(123, out.position(), "the target channel's position moved");
                    assertEquals(0, in.position(), "the source channel's position moved");
                    CopyMethod expected = mode == ReflinkCopyOption.NEVER
                            ? CopyMethod.READ_WRITE
                            : fs.clones() ? CopyMethod.CLONE : CopyMethod.COPY_FILE_RANGE;
                    if (size > 0) {
                        assertEquals(expected, result.method(), mode + " size " + size);
                    }
                }
                assertSameContent(source, target);
                if (fs.clones() && mode != ReflinkCopyOption.NEVER && size >= 4096) {
                    assertTrue(Extents.blockShared(target, 0), mode + " " + Extents.of(target));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void always_thatCannotClone_leavesTheTargetChannelsFileUnchanged(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 30_000, 2);
        Path target = writeRandomFile(dir.resolve("target"), 50_000, 3);
        byte[] before = Files.readAllBytes(target);

        try (FileChannel in = FileChannel.open(source);
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            assertThrows(ReflinkFailedException.class, () -> Reflink.reflink(in, out, ReflinkCopyOption.ALWAYS));
        }
        assertArrayEquals(before, Files.readAllBytes(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void closedChannel_throwsClosedChannelException(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 100, 4);
        FileChannel closed = FileChannel.open(source);
        closed.close();
        try (FileChannel out =
                FileChannel.open(dir.resolve("target"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertThrows(ClosedChannelException.class, () -> Reflink.reflink(closed, out, ReflinkCopyOption.AUTO));
        }
    }
}
