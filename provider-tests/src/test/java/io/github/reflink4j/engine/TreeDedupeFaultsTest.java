package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reflink4j.DedupeFailure;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The tree dedupe at the system-call seam ({@link FaultySyscalls}), on real btrfs: how many
 * requests it issues and with how many destinations, how many descriptors it holds, and what it
 * does when a file cannot be opened, is swapped for a link, or the thread is interrupted.
 */
class TreeDedupeFaultsTest extends RealFileSystemTest {
    private static final int SIZE = (256 << 10) + 7;

    private static List<Path> identicalFiles(Path root, int count) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            files.add(writeRandomFile(root.resolve("d" + i % 5).resolve("f" + i), SIZE, 1));
        }
        return files;
    }

    /**
     * The real binding, but every open of {@code file} for reading (by its name in its directory:
     * the names of {@link #identicalFiles} are unique) goes through {@code fault}.
     */
    private static FaultySyscalls onOpening(Path file, FaultySyscalls.Fault fault) {
        byte[] name = file.getFileName().toString().getBytes(StandardCharsets.UTF_8);
        return new FaultySyscalls()
                .on(
                        "openForReading",
                        call -> Arrays.equals((byte[]) call.args()[1], name) ? fault.call(call) : call.proceed());
    }

    @Test
    void groupsOfManyFiles_goToTheKernelAt127DestinationsPerRequest_withBoundedDescriptors_andASecondRunIssuesNone()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        int count = 300; // a source and 299 destinations: 127 + 127 + 45
        List<Path> files = identicalFiles(root, count);
        List<Integer> destinationsPerRequest = new CopyOnWriteArrayList<>();
        AtomicInteger mostOpen = new AtomicInteger();
        FaultySyscalls faults = new FaultySyscalls().on("dedupeRange", call -> {
            if (call.args().length == 5 && call.args()[3] instanceof int[] targets) {
                destinationsPerRequest.add(targets.length);
            }
            mostOpen.accumulateAndGet(Leaks.openDescriptorsBelow(dir).size(), Math::max);
            return call.proceed();
        });

        TreeDedupeSummary first = TreeDeduplicator.dedupe(
                faults.syscalls(), List.of(root), TreeDedupe.options().parallelism(1));

        assertEquals(List.of(), first.failures());
        assertEquals(count - 1, first.files());
        assertEquals((long) (count - 1) * SIZE, first.bytesDeduplicated());
        assertEquals(List.of(127, 127, 45), destinationsPerRequest, "one request per batch, the file being small");
        assertEquals(first.requests(), faults.calls("dedupeRange"));
        // the source, 127 destinations, the root (open for the run) and the directories reached (two here)
        assertTrue(mostOpen.get() <= 1 + 127 + 1 + 2, "descriptors open during a request: " + mostOpen.get());
        assertEquals(List.of(), faults.closedTwice());
        for (Path file : files) {
            assertTrue(Extents.allShared(file), file.toString());
        }

        FaultySyscalls again = new FaultySyscalls();
        TreeDedupeSummary second = TreeDeduplicator.dedupe(again.syscalls(), List.of(root), TreeDedupe.options());

        assertEquals(0, again.calls("dedupeRange"), "FIDEDUPERANGE requests on the second run");
        assertEquals(0, second.requests());
        assertEquals(count - 1, second.filesAlreadyShared());
        assertEquals(List.of(), second.failures());
    }

    @Test
    void aFileThatCannotBeOpened_isReportedWithItsPathAndErrno_andTheOthersAreDeduplicated() throws IOException {
        Path dir = directoryOn(TestFileSystem.XFS);
        Path root = dir.resolve("tree");
        List<Path> files = identicalFiles(root, 4);
        Path unreadable = files.get(2);
        FaultySyscalls faults = onOpening(unreadable, call -> {
            throw call.fail(Errno.EACCES);
        });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(faults.syscalls(), List.of(root), TreeDedupe.options());

        assertEquals(1, summary.failures().size(), summary.toString());
        DedupeFailure failure = summary.failures().get(0);
        assertEquals(unreadable, failure.file());
        assertInstanceOf(AccessDeniedException.class, failure.error());
        NothingLost.assertMentions(failure.error(), unreadable.toString(), "EACCES", "openForReading");
        assertEquals(2, summary.files());
        assertTrue(Extents.noneShared(unreadable));
        for (Path file : List.of(files.get(0), files.get(1), files.get(3))) {
            assertTrue(Extents.allShared(file), file.toString());
        }
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void aFileSwappedForASymbolicLinkAfterTheListing_isNotFollowed() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        List<Path> files = identicalFiles(root, 3);
        Path swapped = files.get(1);
        Path outside = writeRandomFile(dir.resolve("outside/identical"), SIZE, 1);
        AtomicBoolean swappedYet = new AtomicBoolean();
        FaultySyscalls faults = onOpening(swapped, call -> {
            if (swappedYet.compareAndSet(false, true)) {
                Files.delete(swapped);
                Files.createSymbolicLink(swapped, outside);
            }
            return call.proceed();
        });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(faults.syscalls(), List.of(root), TreeDedupe.options());

        assertTrue(swappedYet.get(), "the swap never happened");
        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(swapped, summary.failures().get(0).file());
        NothingLost.assertMentions(summary.failures().get(0).error(), "ELOOP");
        assertTrue(Extents.noneShared(outside), "the dedupe followed the link out of the tree");
        assertTrue(Extents.allShared(files.get(0)) && Extents.allShared(files.get(2)));
    }

    /** Records where each descriptor opened through {@code faults} pointed ({@code /proc/self/fd}), as it was opened. */
    private static FaultySyscalls recordingOpens(List<Path> opened) {
        FaultySyscalls.Fault record = call -> {
            Object fd = call.proceed();
            opened.add(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)));
            return fd;
        };
        return new FaultySyscalls().on("openDirectory", record).on("openForReading", record);
    }

    /**
     * tree/d1, listed, is moved away after the listing and replaced by a link to a directory
     * outside the tree ({@code link}) or by another directory, each holding a file "f" identical
     * to the listed tree/d1/f: neither is opened, let alone deduplicated.
     */
    @ParameterizedTest(name = "replaced by a link: {0}")
    @ValueSource(booleans = {true, false})
    void aParentDirectorySwappedAfterTheListing_isNotGoneThrough_andNothingOutsideTheTreeIsOpened(boolean link)
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        byte[] data = randomBytes(SIZE, 5);
        Path swapped = root.resolve("d1");
        List<Path> inside = new ArrayList<>();
        for (String name : List.of("d1/f", "d2/f", "d3/f")) {
            Files.createDirectories(root.resolve(name).getParent());
            inside.add(Files.write(root.resolve(name), data));
        }
        Path outside = link ? dir.resolve("outside") : swapped; // the replacement is made after the listing
        Path outsideFile = outside.resolve("f"); // what tree/d1/f would be now
        List<Path> opened = new CopyOnWriteArrayList<>();
        FaultySyscalls faults = recordingOpens(opened);
        AtomicBoolean swappedYet = new AtomicBoolean();
        TreeDedupeListener swapAfterTheListing = new TreeDedupeListener() {
            @Override
            public void candidatesFound(long files, long bytes) {
                try {
                    Files.move(swapped, dir.resolve("d1-moved"));
                    Files.createDirectories(outside);
                    Files.write(outsideFile, data);
                    if (link) {
                        Files.createSymbolicLink(swapped, outside);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                swappedYet.set(true);
            }
        };
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(
                faults.syscalls(),
                List.of(root),
                TreeDedupe.options().parallelism(1).listener(swapAfterTheListing));

        assertTrue(swappedYet.get(), "the swap never happened");
        assertTrue(opened.size() >= 2 * 3, "opens recorded: " + opened); // the root, d2, d3 and their files
        for (Path path : opened) { // a directory opened (O_DIRECTORY) and found replaced is harmless
            assertFalse(
                    path.startsWith(outsideFile) || link && path.startsWith(outside),
                    "opened outside the tree as listed: " + path + " of " + opened);
        }
        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(inside.get(0), summary.failures().get(0).file());
        NothingLost.assertMentions(
                summary.failures().get(0).error(), inside.get(0).toString(), swapped.toString(), "replaced");
        assertEquals(1, summary.files(), summary.toString());
        assertTrue(Extents.allShared(inside.get(1)) && Extents.allShared(inside.get(2)));
        assertTrue(Extents.noneShared(outsideFile), "the dedupe went through the swapped directory");
        assertTrue(Extents.noneShared(dir.resolve("d1-moved/f")), "the file moved away was deduplicated");
        assertArrayEquals(data, Files.readAllBytes(outsideFile));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void filesWhosePathsAreLongerThanPathMax_areListedAndDeduplicated() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = Files.createDirectories(dir.resolve("tree"));
        String name = "n".repeat(250);
        int depth = 20; // 20 names of 250 bytes: paths over PATH_MAX (4096), which no open(2) of a path takes
        // bash goes down by relative cd, as no path the JVM could give reaches the files
        Shell.run(
                "cd \"$1\" && for i in $(seq \"$2\"); do mkdir \"$3\" && cd \"$3\" || exit 1; done"
                        + " && head -c 300001 /dev/urandom > a && cp --reflink=never a b",
                root.toString(),
                String.valueOf(depth),
                name);
        try {
            FaultySyscalls faults = new FaultySyscalls();
            TreeDedupeSummary first = TreeDeduplicator.dedupe(faults.syscalls(), List.of(root), TreeDedupe.options());

            assertEquals(List.of(), first.failures());
            assertEquals(1, first.files(), first.toString());
            assertEquals(300001, first.bytesDeduplicated(), first.toString());
            TreeDedupeSummary second = TreeDeduplicator.dedupe(faults.syscalls(), List.of(root), TreeDedupe.options());
            assertEquals(1, second.filesAlreadyShared(), "shared, by FIEMAP: " + second);
            assertEquals(0, second.requests(), second.toString());
            assertEquals(List.of(), faults.closedTwice());
        } finally {
            Shell.run("rm -rf \"$1\"", root.resolve(name).toString()); // rm goes down by name; the JVM cannot
        }
    }

    @Test
    void aDeepTree_isListedAndDeduplicatedWithBoundedDescriptors() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        int depth = 60;
        Path deepest = root;
        for (int d = 0; d < depth; d++) {
            deepest = deepest.resolve("d" + d);
        }
        Files.createDirectories(deepest);
        Path a = writeRandomFile(deepest.resolve("a"), SIZE, 6);
        Path b = writeRandomFile(root.resolve("d0/b"), SIZE, 6); // reached by a chain from the deepest
        AtomicInteger mostWhileListing = new AtomicInteger();
        AtomicInteger mostWhileDeduplicating = new AtomicInteger();
        FaultySyscalls faults = new FaultySyscalls()
                .on("readDirectory", call -> {
                    mostWhileListing.accumulateAndGet(
                            Leaks.openDescriptorsBelow(dir).size(), Math::max);
                    return call.proceed();
                })
                .on("dedupeRange", call -> {
                    mostWhileDeduplicating.accumulateAndGet(
                            Leaks.openDescriptorsBelow(dir).size(), Math::max);
                    return call.proceed();
                });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(
                faults.syscalls(), List.of(root), TreeDedupe.options().parallelism(1));

        assertEquals(List.of(), summary.failures());
        assertEquals(1, summary.files(), summary.toString());
        assertTrue(Extents.allShared(a) && Extents.allShared(b));
        assertTrue(faults.calls("readDirectory") >= 2 * (depth + 1), "directories listed");
        // the root's, and the chain of 16 (the directory being listed among them)
        assertTrue(
                mostWhileListing.get() >= 2 && mostWhileListing.get() <= 1 + 16,
                "descriptors open while listing: " + mostWhileListing.get());
        // the root's, a chain of 4, the source and its destination
        assertTrue(
                mostWhileDeduplicating.get() >= 3 && mostWhileDeduplicating.get() <= 1 + 4 + 2,
                "descriptors open while deduplicating: " + mostWhileDeduplicating.get());
        assertEquals(List.of(), faults.closedTwice());
    }

    /** {@code count} directories in 10 others, each holding a file "f" of {@code data}. */
    private static List<Path> oneFilePerDirectory(Path root, int count, byte[] data) throws IOException {
        List<Path> files = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            Path sub = Files.createDirectories(root.resolve("a" + d % 10).resolve("d" + d));
            files.add(Files.write(sub.resolve("f"), data));
        }
        return files;
    }

    @Test
    void anInterruptDuringTheListingOfALargeTree_stopsIt_keepsTheStatus_changesNothing_andClosesEveryDescriptor()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.XFS);
        byte[] data = randomBytes(64 << 10, 3);
        int directories = 200;
        List<Path> files = oneFilePerDirectory(dir.resolve("tree"), directories, data);
        Path root = dir.resolve("tree");
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        int interruptAt = 30; // a directory takes two readDirectory calls at least: 15 of 211 listed
        FaultySyscalls faults = new FaultySyscalls()
                .on(
                        "readDirectory",
                        call -> call.n() == interruptAt ? FaultySyscalls.INTERRUPT_AFTER.call(call) : call.proceed());
        AtomicBoolean told = new AtomicBoolean();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void candidatesFound(long count, long bytes) {
                told.set(true);
            }
        };
        InterruptedIOException e;
        try {
            e = assertThrows(
                    InterruptedIOException.class,
                    () -> TreeDeduplicator.dedupe(
                            faults.syscalls(),
                            List.of(root),
                            TreeDedupe.options().parallelism(1).listener(listener)));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status was not kept");
        }

        NothingLost.assertMentions(e, "listing", root.toString(), "nothing was deduplicated");
        assertTrue(faults.calls("readDirectory") >= interruptAt, "the interrupt never came");
        assertTrue(
                faults.calls("readDirectory") <= interruptAt + 1,
                "directories listed after the interrupt: " + faults.calls("readDirectory"));
        assertFalse(told.get(), "the listing went on to the dedupe");
        assertEquals(0, faults.calls("openForReading"));
        assertEquals(0, faults.calls("dedupeRange"));
        for (Path file : List.of(files.get(0), files.get(directories - 1))) {
            assertTrue(Extents.noneShared(file), file.toString());
            assertArrayEquals(data, Files.readAllBytes(file));
        }
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void anInterrupt_stopsTheDedupeBetweenTwoRequests_keepsTheStatus_andClosesEveryDescriptor() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        byte[] data = randomBytes(40 << 20, 9); // three requests of 16 MiB at most
        Files.createDirectories(root);
        Path a = Files.write(root.resolve("a"), data);
        Path b = Files.write(root.resolve("b"), data);
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        FaultySyscalls faults = new FaultySyscalls().on("dedupeRange", FaultySyscalls.INTERRUPT_AFTER);
        InterruptedIOException e;
        try {
            e = assertThrows(
                    InterruptedIOException.class,
                    () -> TreeDeduplicator.dedupe(
                            faults.syscalls(),
                            List.of(root),
                            TreeDedupe.options().parallelism(1)));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status was not kept");
        }

        NothingLost.assertMentions(e, a.toString(), b.toString(), "after " + (16 << 20) + " bytes");
        assertEquals(1, faults.calls("dedupeRange"), "requests after the interrupt");
        assertTrue(Extents.blockShared(b, 0), "the first request shared");
        assertFalse(Extents.blockShared(b, (40 << 20) / 4096 - 1), "a request after the interrupt shared");
        assertArrayEquals(data, Files.readAllBytes(a));
        assertArrayEquals(data, Files.readAllBytes(b));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        assertEquals(List.of(), faults.closedTwice());
    }

    @Test
    void anInterruptOfTheCallerWhileWorkersRun_stopsEveryWorker_keepsTheStatus_andClosesEveryDescriptor()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        int groups = 4;
        for (int g = 0; g < groups; g++) {
            byte[] data = randomBytes(20 << 20, 20 + g); // two requests each
            Files.createDirectories(root.resolve("g" + g));
            Files.write(root.resolve("g" + g + "/a"), data);
            Files.write(root.resolve("g" + g + "/b"), data);
        }
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        Thread caller = Thread.currentThread();
        FaultySyscalls faults = new FaultySyscalls().on("dedupeRange", call -> {
            caller.interrupt(); // the thread that called dedupeTree, waiting for its workers
            return call.proceed();
        });
        try {
            assertThrows(
                    InterruptedIOException.class,
                    () -> TreeDeduplicator.dedupe(
                            faults.syscalls(),
                            List.of(root),
                            TreeDedupe.options().parallelism(2)));
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt status was not kept");
        }

        assertTrue(faults.calls("dedupeRange") < 2 * groups, "requests: " + faults.calls("dedupeRange"));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        assertEquals(List.of(), faults.closedTwice());
    }
}
