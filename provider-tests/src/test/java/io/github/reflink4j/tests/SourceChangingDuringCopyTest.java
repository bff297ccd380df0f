package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
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
 * A source appended to, overwritten in place and cut by another thread while it is copied over
 * and over, in each mode, over the previous copy: no hang, no crash, and every copy ends either
 * as one state the source really had, or with {@link SourceChangedException} and the previous
 * copy left whole. Each change writes bytes of a generation of its own (the same random stream,
 * shifted), and the writer records every state it leaves the file in as a list of segments, so
 * that a copy cut to an old size, stitched from two states, or holding a torn write shows. On
 * btrfs, xfs and ext4. A state is recorded just before it is written and again when it is, so a
 * copy that sees a write's result before the writer goes on still finds it.
 */
class SourceChangingDuringCopyTest extends RealFileSystemTest {
    private static final int LIMIT = 32 << 20;
    private static final int COPIES = 30;
    /**
     * Linux 6.13 and later date a write finely when the time was just looked at (multigrain
     * timestamps), so an overwrite in place within one clock tick of the copy's first look shows;
     * before, only changes of size are sure to, so the writer then only appends and cuts.
     */
    private static final boolean FINE_GRAINED_TIMESTAMPS = kernelAtLeast(6, 13);

    private static boolean kernelAtLeast(int major, int minor) {
        String[] version = System.getProperty("os.version", "0.0").split("[.-]");
        try {
            int ma = Integer.parseInt(version[0]);
            int mi = version.length > 1 ? Integer.parseInt(version[1]) : 0;
            return ma > major || ma == major && mi >= minor;
        } catch (NumberFormatException e) {
            return false; // an unknown kernel: the safe assumption
        }
    }

    /** Bytes [start, end) of generation {@code generation}. */
    record Segment(int start, int end, int generation) {}

    private final byte[] base = randomBytes(LIMIT, 23);

    private byte at(int offset, int generation) {
        return base[(int) ((offset + generation * 7919L) % LIMIT)];
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS", "EXT4"})
    void aSourceChangedWhileItIsCopied_givesOneStateOfIt_orSourceChangedAndThePreviousCopy(TestFileSystem fs)
            throws Exception {
        for (int i = 0; i < base.length; i++) {
            if (base[i] == 0) {
                base[i] = 1; // no zeros: a tail of zeros is a copy cut to an old size
            }
        }
        Path dir = directoryOn(fs);
        Path source = dir.resolve("log");
        List<List<Segment>> states = new ArrayList<>();
        List<Segment> first = List.of(new Segment(0, 4 << 20, 0));
        Files.write(source, bytesOf(first));
        states.add(first);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> writerFailure = new AtomicReference<>();
        Thread writer = new Thread(() -> keepChanging(source, first, states, stop, writerFailure), "writer");
        writer.start();
        Map<ReflinkCopyOption, int[]> outcomes = new EnumMap<>(ReflinkCopyOption.class);
        Map<ReflinkCopyOption, byte[]> previous = new EnumMap<>(ReflinkCopyOption.class);
        try {
            assertTimeoutPreemptively(Duration.ofSeconds(150), () -> {
                for (int i = 0; i < COPIES; i++) {
                    for (ReflinkCopyOption mode : fs.clones()
                            ? ReflinkCopyOption.values()
                            : new ReflinkCopyOption[] {ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER}) {
                        Path target = dir.resolve("copy-" + mode);
                        int[] counts = outcomes.computeIfAbsent(mode, m -> new int[2]);
                        try {
                            CopyResult result = Reflink.copy(source, target, mode, StandardCopyOption.REPLACE_EXISTING);
                            byte[] copy = Files.readAllBytes(target);
                            assertIsAStateOfTheSource(copy, states, mode + ", copy " + i + ", " + result);
                            previous.put(mode, copy);
                            counts[0]++;
                        } catch (SourceChangedException e) {
                            assertTrue(e.getMessage().contains(source.toString()), e.getMessage());
                            if (previous.containsKey(mode)) {
                                assertArrayEquals(
                                        previous.get(mode),
                                        Files.readAllBytes(target),
                                        mode + ": the previous copy was not left whole");
                            } else {
                                assertFalse(Files.exists(target), mode + ": a failed first copy left its target");
                            }
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
        StringBuilder summary = new StringBuilder(fs + ", " + states.size() + " states of the source:");
        outcomes.forEach((mode, counts) -> summary.append(' ')
                .append(mode)
                .append(' ')
                .append(counts[0])
                .append(" whole states, ")
                .append(counts[1])
                .append(" SourceChanged;"));
        System.out.println(summary);
        for (Map.Entry<ReflinkCopyOption, int[]> entry : outcomes.entrySet()) {
            assertEquals(COPIES, entry.getValue()[0] + entry.getValue()[1], entry.getKey() + ": copies missing");
        }
        assertTrue(
                outcomes.get(ReflinkCopyOption.NEVER)[1] > 0,
                "not one NEVER copy met a change: the test did not exercise the check. " + summary);
        if (fs.clones()) {
            assertEquals(
                    0,
                    outcomes.get(ReflinkCopyOption.ALWAYS)[1],
                    "a clone is one moment of the source: it never sees the source change");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = ReflinkCopyOption.class,
            names = {"AUTO", "NEVER"})
    void aFileHoldingFewerBytesThanItsSizeSays_isCopiedAsFarAsItReads_asFilesCopyDoes(ReflinkCopyOption mode)
            throws IOException {
        Path online = Path.of("/sys/devices/system/cpu/online"); // sysfs: its size says 4096
        if (!Files.isReadable(online) || Files.size(online) <= Files.readAllBytes(online).length) {
            TestFileSystem.unavailable(online + " is not a sysfs file whose size exceeds its content here");
        }
        Path dir = directoryOn(TestFileSystem.EXT4);
        Reflink.copy(online, dir.resolve("by-reflink4j"), mode);
        Files.copy(online, dir.resolve("by-the-jdk"));
        assertArrayEquals(
                Files.readAllBytes(dir.resolve("by-the-jdk")),
                Files.readAllBytes(dir.resolve("by-reflink4j")),
                "padded to the size sysfs reports");
    }

    /** The writer: appends, overwrites in place or cuts, each with a new generation, until told to stop. */
    private void keepChanging(
            Path source,
            List<Segment> initial,
            List<List<Segment>> states,
            AtomicBoolean stop,
            AtomicReference<Throwable> failure) {
        Random random = new Random(17);
        List<Segment> state = initial;
        int generation = 0;
        try (FileChannel log = FileChannel.open(source, StandardOpenOption.WRITE)) {
            while (!stop.get()) {
                int size = state.isEmpty() ? 0 : state.get(state.size() - 1).end();
                int choice = random.nextInt(10);
                List<Segment> next;
                if (size > LIMIT - (1 << 20) || choice == 0) {
                    int cut = random.nextInt(size + 1);
                    next = cut(state, cut);
                    record(states, next);
                    log.truncate(cut);
                } else {
                    generation++;
                    int start = choice < 4 && size > 0 && FINE_GRAINED_TIMESTAMPS ? random.nextInt(size) : size;
                    int length = 1 + random.nextInt(256 << 10);
                    byte[] bytes = new byte[length];
                    for (int i = 0; i < length; i++) {
                        bytes[i] = at(start + i, generation);
                    }
                    next = new ArrayList<>(cut(state, start));
                    next.add(new Segment(start, start + length, generation));
                    for (Segment s : state) {
                        if (s.end() > start + length) {
                            next.add(new Segment(Math.max(s.start(), start + length), s.end(), s.generation()));
                        }
                    }
                    record(states, next); // before the write: a copy may see the new state before this thread goes on
                    ByteBuffer buffer = ByteBuffer.wrap(bytes);
                    while (buffer.hasRemaining()) {
                        log.write(buffer, start + buffer.position());
                    }
                }
                state = List.copyOf(next);
                record(states, state);
            }
        } catch (IOException | RuntimeException e) {
            failure.set(e);
        }
    }

    private static void record(List<List<Segment>> states, List<Segment> state) {
        synchronized (states) {
            if (!states.get(states.size() - 1).equals(state)) {
                states.add(List.copyOf(state));
            }
        }
    }

    private static List<Segment> cut(List<Segment> state, int end) {
        List<Segment> kept = new ArrayList<>();
        for (Segment s : state) {
            if (s.start() < end) {
                kept.add(new Segment(s.start(), Math.min(s.end(), end), s.generation()));
            }
        }
        return kept;
    }

    private byte[] bytesOf(List<Segment> state) {
        int size = state.isEmpty() ? 0 : state.get(state.size() - 1).end();
        byte[] bytes = new byte[size];
        for (Segment s : state) {
            for (int i = s.start(); i < s.end(); i++) {
                bytes[i] = at(i, s.generation());
            }
        }
        return bytes;
    }

    private boolean matches(byte[] copy, List<Segment> state) {
        int size = state.isEmpty() ? 0 : state.get(state.size() - 1).end();
        if (size != copy.length) {
            return false;
        }
        for (Segment s : state) {
            for (int i = s.start(); i < s.end(); i++) {
                if (copy[i] != at(i, s.generation())) {
                    return false;
                }
            }
        }
        return true;
    }

    private void assertIsAStateOfTheSource(byte[] copy, List<List<Segment>> states, String what) {
        List<List<Segment>> all;
        synchronized (states) {
            all = List.copyOf(states);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            if (matches(copy, all.get(i))) {
                return;
            }
        }
        int zeros = 0;
        while (zeros < copy.length && copy[copy.length - 1 - zeros] == 0) {
            zeros++;
        }
        fail(what + ": " + copy.length + " bytes that are none of the source's " + all.size() + " states"
                + (zeros > 0 ? " (ends in " + zeros + " zeros: cut to an old size)" : ""));
    }
}
