package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The channel API uses the channels' descriptors inside their close protocol, as their own
 * reads and writes do: when another thread closes one of the channels in the middle of a copy,
 * the close waits until the copy stops at its next chunk (with AsynchronousCloseException), so
 * the descriptor number cannot pass to an unrelated file while the copy still uses it. The
 * unrelated files are opened right after the close, so the lowest free numbers, the channel's
 * old one among them, go to them; each holds a marker that must survive. On ext4 with NEVER, so
 * that the copy takes many reads and writes. And since the copy closes no descriptor of its own
 * on the channels' files, the POSIX locks the caller holds on them ({@code FileChannel.lock})
 * stay held.
 */
class ChannelClosedDuringCopyTest extends RealFileSystemTest {
    private static final int SIZE = 256 << 20;
    private static final int UNRELATED = 32;

    enum Closed {
        SOURCE,
        TARGET
    }

    @ParameterizedTest(name = "the {0} channel closed mid-copy")
    @EnumSource(Closed.class)
    void aChannelClosedByAnotherThread_midCopy_neverLetsTheCopyTouchTheFileThatGetsItsNumber(Closed closed)
            throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 11);
        Path target = dir.resolve("target");
        boolean closedMidCopy = false;
        for (int attempt = 0; attempt < 5 && !closedMidCopy; attempt++) {
            Files.deleteIfExists(target);
            closedMidCopy = closeDuringOneCopy(dir, source, target, closed);
        }
        assertTrue(closedMidCopy, "in 5 attempts the channel was never closed while the copy ran");
    }

    /** One copy; returns whether the close really fell in the middle of it. */
    private boolean closeDuringOneCopy(Path dir, Path source, Path target, Closed closed) throws Exception {
        FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
        FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread copier = new Thread(() -> {
            try {
                outcome.set(Reflink.reflink(in, out, ReflinkCopyOption.NEVER));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        copier.start();
        while (Files.size(target) == 0 && copier.isAlive()) {
            Thread.onSpinWait();
        }
        (closed == Closed.SOURCE ? in : out).close();
        List<FileChannel> unrelated = new ArrayList<>();
        List<Path> names = new ArrayList<>();
        try {
            for (int i = 0; i < UNRELATED; i++) {
                Path name = dir.resolve("unrelated-" + i);
                FileChannel channel = FileChannel.open(
                        name, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
                channel.write(ByteBuffer.wrap(marker(i)));
                unrelated.add(channel);
                names.add(name);
            }
            copier.join();
        } finally {
            for (FileChannel channel : unrelated) {
                channel.close();
            }
            in.close();
            out.close();
        }
        for (int i = 0; i < names.size(); i++) {
            assertArrayEquals(marker(i), Files.readAllBytes(names.get(i)), names.get(i) + " was written by the copy");
            Files.delete(names.get(i));
        }
        Object result = outcome.get();
        if (result instanceof CopyResult) {
            assertEquals(-1, Files.mismatch(source, target), "a copy that ended before the close is whole");
            return false; // the close came too late: try again
        }
        assertInstanceOf(AsynchronousCloseException.class, result, "a copy whose channel was closed mid-way");
        assertTrue(Files.size(target) < SIZE, "stopped by the close, yet whole");
        return true;
    }

    /** Prints whether this process could lock the file: "free", or "held" when another process holds a lock. */
    public static final class TryLock {
        public static void main(String[] args) throws IOException {
            try (FileChannel channel = FileChannel.open(Path.of(args[0]), StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                System.out.println(lock == null ? "held" : "free");
            }
        }
    }

    @Test
    void aChannelCopy_keepsTheLocksTheCallerHoldsOnBothFiles() throws IOException {
        for (TestFileSystem fs : new TestFileSystem[] {TestFileSystem.BTRFS, TestFileSystem.EXT4}) {
            Path dir = directoryOn(fs);
            Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 12);
            Path target = writeRandomFile(dir.resolve("target"), 4096, 13);
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ, StandardOpenOption.WRITE);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
                FileLock sourceLock = in.lock();
                FileLock targetLock = out.lock();
                assertEquals("held", lockFromAnotherProcess(target), fs + ": the test's own lock is not seen");
                Reflink.reflink(in, out, ReflinkCopyOption.AUTO);
                Reflink.partial(in, 0, out, 0, 8192, ReflinkCopyOption.AUTO);
                assertTrue(sourceLock.isValid() && targetLock.isValid());
                assertEquals("held", lockFromAnotherProcess(source), fs + ": the copy released the source's lock");
                assertEquals("held", lockFromAnotherProcess(target), fs + ": the copy released the target's lock");
            }
            assertEquals(-1, Files.mismatch(source, target));
        }
    }

    private static String lockFromAnotherProcess(Path file) {
        ForkedJvm.Result run = ForkedJvm.of(TryLock.class).run(60, file.toString());
        assertEquals(0, run.exitCode(), run.output());
        return run.output().trim();
    }

    private static byte[] marker(int i) {
        return ("unrelated file " + i + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
