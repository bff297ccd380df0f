package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.SourceChangedException;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A source appended to and cut by another thread while it is copied over and over, in each mode,
 * onto new and existing targets: no hang, no crash, and every copy ends either as one state the
 * source really had or with {@link SourceChangedException}. The writer keeps the source a prefix
 * of one fixed stream of non-zero bytes (it appends the stream's next bytes, or cuts the file
 * shorter), so a state it had is exactly "the stream's first n bytes", and a copy cut to an old
 * size (zeros at the end) or stitched from two states shows.
 */
class SourceChangingDuringCopyTest extends RealFileSystemTest {
    private static final int STREAM = 48 << 20;
    private static final int COPIES = 40;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = TestFileSystem.class, names = {"BTRFS", "XFS", "EXT4"})
    void aSourceAppendedToAndCut_whileItIsCopied_givesOneStateOfIt_orSourceChanged(TestFileSystem fs)
            throws Exception {
        Path dir = directoryOn(fs);
        byte[] stream = nonZeroStream();
        Path source = dir.resolve("log");
        Files.write(source, java.util.Arrays.copyOf(stream, 4 << 20));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> keepChanging(source, stream, stop, writerFailure), "writer");
        writer.start();
        Map<ReflinkCopyOption, int[]> outcomes = new EnumMap<>(ReflinkCopyOption.class);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
                for (int i = 0; i < COPIES; i++) {
                    for (ReflinkCopyOption mode : fs.clones() ? ReflinkCopyOption.values()
                            : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
                        Path target = dir.resolve("copy-" + mode);
                        int[] counts = outcomes.computeIfAbsent(mode, m -> new int[2]);
                        try {
                            CopyResult result = Reflink.copy(source, target, mode, StandardCopyOption.REPLACE_EXISTING);
                            assertIsAStateOfTheSource(target, stream, mode + ", copy " + i + ", " + result);
                            counts[0]++;
                        } catch (SourceChangedException e) {
                            assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
                            counts[1]++;
                        }
                    }
                }
            });
        } finally {
            stop.set(true);
            writer.join();
        }
        if (writerFailure.get() != null) {
            fail("the writer failed", writerFailure.get());
        }
        StringBuilder summary = new StringBuilder(fs + ":");
        outcomes.forEach((mode, counts) -> summary.append(' ').append(mode).append(" ").append(counts[0])
                .append(" whole states, ").append(counts[1]).append(" SourceChanged;"));
        System.out.println(summary);
        for (Map.Entry<ReflinkCopyOption, int[]> entry : outcomes.entrySet()) {
            assertEquals(COPIES, entry.getValue()[0] + entry.getValue()[1], entry.getKey() + ": copies missing");
        }
        if (fs.clones()) {
            assertEquals(0, outcomes.get(ReflinkCopyOption.ALWAYS)[1],
                    "a clone is one moment of the source: it never sees the source change");
        }
    }

    /** The writer: appends the stream's next bytes, or cuts the file back, until told to stop. */
    private static void keepChanging(Path source, byte[] stream, AtomicBoolean stop, AtomicReference<Throwable> failure) {
        Random random = new Random(17);
        try (FileChannel log = FileChannel.open(source, StandardOpenOption.WRITE)) {
            while (!stop.get()) {
                long size = log.size();
                if (size > STREAM - (1 << 20) || random.nextInt(8) == 0) {
                    log.truncate(random.nextInt((int) size + 1));
                } else {
                    int length = 1 + random.nextInt(256 << 10);
                    log.write(ByteBuffer.wrap(stream, (int) size, length), size);
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.set(e);
        }
    }

    private static void assertIsAStateOfTheSource(Path copy, byte[] stream, String what) throws IOException {
        byte[] bytes = Files.readAllBytes(copy);
        assertTrue(bytes.length <= stream.length, what + ": longer than the source ever was");
        int mismatch = java.util.Arrays.mismatch(bytes, 0, bytes.length, stream, 0, bytes.length);
        assertEquals(-1, mismatch, what + ": " + bytes.length + " bytes, differing from the source at " + mismatch
                + (mismatch >= 0 && bytes[mismatch] == 0 ? " (zeros: cut to an old size)" : ""));
    }

    private static byte[] nonZeroStream() {
        byte[] stream = randomBytes(STREAM, 23);
        for (int i = 0; i < stream.length; i++) {
            if (stream[i] == 0) {
                stream[i] = 1;
            }
        }
        return stream;
    }
}
