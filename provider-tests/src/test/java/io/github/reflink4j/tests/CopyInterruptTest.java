package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interrupting the thread of a long single-file copy stops it between two chunks: the copy
 * throws InterruptedIOException naming both paths, the thread's interrupt status stays set, a new
 * target is not left behind and an existing one is untouched, and the source never changes. On
 * ext4, where nothing clones: NEVER reads and writes, AUTO uses copy_file_range.
 */
class CopyInterruptTest extends RealFileSystemTest {
    private static final int SIZE = 768 << 20;

    enum Target {
        NEW,
        EXISTING
    }

    @ParameterizedTest(name = "{0}, onto a new and an existing target")
    @EnumSource(
            value = ReflinkCopyOption.class,
            names = {"NEVER", "AUTO"})
    void aLongCopy_interrupted_stopsPromptly_keepsTheInterruptStatus_andLosesNothing(ReflinkCopyOption mode)
            throws Exception {
        for (Target kind : Target.values()) {
            interruptOneCopy(mode, kind);
        }
    }

    private void interruptOneCopy(ReflinkCopyOption mode, Target kind) throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeData(dir.resolve("source"));
        String sourceHash = sha256(source);
        Path target = dir.resolve("target");
        byte[] old = null;
        if (kind == Target.EXISTING) {
            old = randomBytes(5000, 9);
            Files.write(target, old);
        }

        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicLong stoppedAt = new AtomicLong();
        AtomicReference<Boolean> stillInterrupted = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        Thread copier = new Thread(() -> {
            started.countDown();
            try {
                Reflink.copy(source, target, mode, StandardCopyOption.REPLACE_EXISTING);
            } catch (Throwable e) {
                thrown.set(e);
            } finally {
                stoppedAt.set(System.nanoTime());
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        copier.start();
        started.await();
        Thread.sleep(150);
        long interruptedAt = System.nanoTime();
        copier.interrupt();
        copier.join(TimeUnit.SECONDS.toMillis(30));
        assertFalse(copier.isAlive(), "the copy did not stop");

        assertNotNull(thrown.get(), mode + " onto a " + kind + " target ran to the end although interrupted");
        InterruptedIOException e = assertInstanceOf(InterruptedIOException.class, thrown.get());
        assertTrue(
                e.getMessage().contains(source.toString()) && e.getMessage().contains(target.toString()),
                e.getMessage());
        assertTrue(stillInterrupted.get(), "the interrupt status was cleared");
        long millis = TimeUnit.NANOSECONDS.toMillis(stoppedAt.get() - interruptedAt);
        assertTrue(millis < 1000, "stopped " + millis + " ms after the interrupt");
        if (old == null) {
            assertFalse(Files.exists(target), "an unfinished new target was left behind");
        } else {
            assertArrayEquals(old, Files.readAllBytes(target), "the existing target changed");
        }
        assertEquals(sourceHash, sha256(source), "the source changed");
        Files.delete(source);
        Files.deleteIfExists(target);
    }

    /** 768 MiB of incompressible data, written once per copy (no holes, so every byte is moved). */
    private static Path writeData(Path file) throws IOException {
        byte[] block = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int written = 0; written < SIZE; written += block.length) {
                random.nextBytes(block);
                out.write(block);
            }
        }
        return file;
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] buffer = new byte[1 << 20];
        try (var in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
