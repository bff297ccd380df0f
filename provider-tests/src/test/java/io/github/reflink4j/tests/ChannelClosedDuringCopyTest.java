package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The channel API works on descriptors of its own: when another thread closes one of the
 * channels in the middle of a copy and the freed descriptor number is handed to an unrelated
 * file at once, the copy never reads from or writes to that file. The unrelated files are opened
 * right after the close, so the lowest free numbers, the channel's old one among them, go to
 * them; each holds a marker that must survive. On ext4 with NEVER, so that the copy takes many
 * reads and writes.
 */
class ChannelClosedDuringCopyTest extends RealFileSystemTest {
    private static final int SIZE = 256 << 20;
    private static final int UNRELATED = 32;

    enum Closed { SOURCE, TARGET }

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
        long sizeAtClose = Files.size(target);
        boolean midCopy = copier.isAlive() && sizeAtClose > 0 && sizeAtClose < SIZE;
        List<FileChannel> unrelated = new ArrayList<>();
        List<Path> names = new ArrayList<>();
        try {
            for (int i = 0; i < UNRELATED; i++) {
                Path name = dir.resolve("unrelated-" + i);
                FileChannel channel = FileChannel.open(name, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
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
            // the copy went on through its own descriptors: whole, and read from the source only
            assertEquals(Files.size(source), Files.size(target));
            assertTrue(Files.mismatch(source, target) == -1, "the target is not the source's bytes");
        } else {
            assertTrue(result instanceof IOException, "expected a copy result or an IOException, got " + result);
        }
        return midCopy;
    }

    private static byte[] marker(int i) {
        return ("unrelated file " + i + "\n").getBytes(StandardCharsets.US_ASCII);
    }
}
