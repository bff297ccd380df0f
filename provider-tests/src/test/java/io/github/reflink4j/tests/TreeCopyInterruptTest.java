package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Interrupting the thread of a tree copy ends it: copyTree throws InterruptedIOException (or
 * ClosedByInterruptException) with the thread's interrupt status set, and once it has thrown
 * nothing more is written (no worker still copying), and what it leaves is tidy: each directory
 * it created has its final mode, each file it created is whole.
 */
class TreeCopyInterruptTest extends RealFileSystemTest {
    private static final int DIRECTORIES = 200;
    private static final int FILES_PER_DIRECTORY = 100;
    private static final int[] DIRECTORY_MODES = {0755, 0750, 0700, 0711};

    /** 20,000 small files in 200 directories of modes 0755, 0750, 0700 and 0711. */
    private static Path buildTree(Path root) throws IOException {
        byte[] data = randomBytes(2000, 1);
        for (int d = 0; d < DIRECTORIES; d++) {
            Path directory = Files.createDirectories(root.resolve("d" + d));
            for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
                Files.write(directory.resolve("f" + f), java.util.Arrays.copyOf(data, (d * 7 + f * 13) % 2000));
            }
            Files.setAttribute(directory, "unix:mode", DIRECTORY_MODES[d % DIRECTORY_MODES.length]);
        }
        return root;
    }

    /** Every entry under {@code root}: name, type, size, mode; empty if there is no root. */
    private static List<String> snapshot(Path root) throws IOException {
        List<String> entries = new ArrayList<>();
        if (!Files.exists(root, NOFOLLOW_LINKS)) {
            return entries;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                entries.add(String.format(
                        "%s %s %d %04o",
                        root.relativize(path),
                        Files.isDirectory(path, NOFOLLOW_LINKS) ? "d" : "f",
                        Files.size(path),
                        (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777));
            }
        }
        entries.sort(null);
        return entries;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_interrupted_throwsInterruptedIOException_andWritesNothingAfterItHasThrown(TestFileSystem fs)
            throws Exception {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");
        CountDownLatch started = new CountDownLatch(1);
        AtomicBoolean over = new AtomicBoolean();
        List<String> lateCallbacks = Collections.synchronizedList(new ArrayList<>());
        TreeCopyListener listener = new TreeCopyListener() {
            @Override
            public void directoryCreated(Path from, Path to) {
                started.countDown();
                if (over.get()) {
                    lateCallbacks.add("directoryCreated " + to);
                }
            }

            @Override
            public void fileCopied(Path from, Path to, CopyResult result) {
                started.countDown();
                if (over.get()) {
                    lateCallbacks.add("fileCopied " + to);
                }
            }

            @Override
            public void failed(Path from, Path to, IOException error) {
                if (over.get()) {
                    lateCallbacks.add("failed " + to + ": " + error);
                }
            }
        };
        AtomicReference<TreeCopySummary> returned = new AtomicReference<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> interruptStatus = new AtomicReference<>();
        AtomicReference<List<String>> atReturn = new AtomicReference<>();
        Thread copier = new Thread(
                () -> {
                    try {
                        returned.set(Reflink.copyTree(
                                source,
                                target,
                                TreeCopy.options()
                                        .parallelism(2)
                                        .listener(listener)
                                        .copyOptions(COPY_ATTRIBUTES)));
                    } catch (Throwable e) {
                        over.set(true);
                        interruptStatus.set(Thread.currentThread().isInterrupted());
                        thrown.set(e);
                    }
                    try {
                        atReturn.set(snapshot(target));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                "tree copy to interrupt");

        copier.start();
        assertTrue(started.await(60, TimeUnit.SECONDS), "the copy never reported a first directory or file");
        Thread.sleep(50);
        copier.interrupt();
        copier.join(TimeUnit.SECONDS.toMillis(60));
        assertFalse(copier.isAlive(), "copyTree went on for 60 s after its thread was interrupted");
        Thread.sleep(500);
        List<String> later = snapshot(target);

        assertNull(returned.get(), "copyTree returned normally although interrupted (make the tree bigger?)");
        assertTrue(
                thrown.get() instanceof InterruptedIOException || thrown.get() instanceof ClosedByInterruptException,
                "thrown: " + thrown.get());
        assertEquals(Boolean.TRUE, interruptStatus.get(), "the thread's interrupt status after copyTree threw");
        assertNotNull(atReturn.get(), "no snapshot taken when copyTree returned");
        List<String> writtenAfter = new ArrayList<>(later);
        writtenAfter.removeAll(atReturn.get());
        assertTrue(
                writtenAfter.isEmpty(),
                writtenAfter.size() + " entries appeared or changed in the 500 ms after " + "copyTree threw (of "
                        + later.size() + "), e.g. "
                        + writtenAfter.stream().limit(5).toList());
        assertEquals(atReturn.get().size(), later.size(), "entries disappeared after copyTree threw");
        assertEquals(List.of(), lateCallbacks, "the listener was told of work done after copyTree threw");

        assertTrue(Files.isDirectory(target, NOFOLLOW_LINKS), "nothing was copied before the interrupt");
        List<String> untidy = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path copy : (Iterable<Path>) walk::iterator) {
                Path original = source.resolve(target.relativize(copy).toString());
                String expected = Files.isDirectory(original, NOFOLLOW_LINKS)
                        ? String.format("directory %04o", mode(original))
                        : "file of " + Files.size(original) + " bytes";
                String actual = Files.isDirectory(copy, NOFOLLOW_LINKS)
                        ? String.format("directory %04o", mode(copy))
                        : "file of " + Files.size(copy) + " bytes";
                if (!expected.equals(actual)) {
                    untidy.add(target.relativize(copy) + ": " + actual + ", not " + expected);
                }
            }
        }
        assertTrue(
                untidy.isEmpty(),
                untidy.size() + " entries not in their final mode or not whole, e.g. "
                        + untidy.stream().limit(5).toList());
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777;
    }
}
