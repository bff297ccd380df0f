package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
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
 * A tree copy never reads or writes outside its two trees, even when a directory of either is
 * swapped for a symbolic link to an outside directory while it runs (the race GNU cp's fts and
 * the JDK's SecureDirectoryStream close with openat(O_NOFOLLOW) and a (dev, ino) check). An
 * entry caught mid-swap may be reported as a failure; no outside byte may cross.
 *
 * <p>The racing tests run rounds for a fixed time per file system (20 s in all per file
 * system). The old, path-based engine (walkFileTree, then copies by absolute path) let outside
 * bytes through within 6 rounds (under 0.2 s) in each of 6 runs on btrfs and xfs: the source
 * race in rounds 1 to 6, the merge-target race in rounds 1 to 5, the created-target race
 * always in round 1; the single-swap tests fail on every file system every time.
 */
class TreeCopySafetyTest extends RealFileSystemTest {
    /** How long the source-side race runs per file system. */
    private static final Duration SOURCE_RACE = Duration.ofSeconds(10);
    /** How long each target-side race runs per file system. */
    private static final Duration TARGET_RACE = Duration.ofSeconds(5);

    private static final int FILES_IN_SUB = 100;

    /** source/{top.txt, sub/f000..f099, sub/nested/g0..g9, other/x0..x9}, all saying "inside". */
    private static Path buildSource(Path root) throws IOException {
        Files.createDirectories(root.resolve("sub/nested"));
        Files.createDirectories(root.resolve("other"));
        Files.writeString(root.resolve("top.txt"), "inside top");
        for (int i = 0; i < FILES_IN_SUB; i++) {
            Files.writeString(root.resolve(String.format("sub/f%03d", i)), "inside " + i);
        }
        for (int i = 0; i < 10; i++) {
            Files.writeString(root.resolve("sub/nested/g" + i), "inside nested " + i);
            Files.writeString(root.resolve("other/x" + i), "inside other " + i);
        }
        return root;
    }

    /** The directory a swapped link points to: the same names as source/sub, plus names of its own, all marked. */
    private static Path buildOutside(Path root, String marker) throws IOException {
        Files.createDirectories(root.resolve("nested"));
        for (int i = 0; i < FILES_IN_SUB; i++) {
            Files.writeString(root.resolve(String.format("f%03d", i)), marker + " " + i);
        }
        for (int i = 0; i < 10; i++) {
            Files.writeString(root.resolve("nested/g" + i), marker + " nested " + i);
            Files.writeString(root.resolve("outside-only-" + i), marker + " only " + i);
        }
        return root;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void copyTree_withSourceDirectorySwappedForLink_neverReadsOutside(TestFileSystem fs) throws Exception {
        Path dir = directoryOn(fs);
        String marker = "OUTSIDE-" + UUID.randomUUID();
        Path source = buildSource(dir.resolve("source"));
        Path outside = buildOutside(dir.resolve("outside"), marker);
        Swapper swapper = Swapper.start(source.resolve("sub"), dir.resolve("parked"), outside, dir);
        int rounds = 0;
        int roundsWithSubCopied = 0;
        long deadline = System.nanoTime() + SOURCE_RACE.toNanos();
        try {
            do {
                Path target = dir.resolve("target-" + rounds);
                TreeCopySummary summary = Reflink.copyTree(source, target);
                rounds++;

                assertNone(
                        outsideBytesIn(target, marker),
                        "round " + rounds + ": files from the outside directory were copied; failures reported: "
                                + failures(summary));
                if ("inside 0".equals(readIfRegularFile(target.resolve("sub/f000")))) {
                    roundsWithSubCopied++;
                }
                deleteRecursively(target);
            } while (System.nanoTime() < deadline);
        } finally {
            swapper.stop();
        }
        assertTrue(swapper.swaps() > 0, "the source directory was never swapped");
        assertTrue(
                roundsWithSubCopied > 0,
                "in " + rounds + " rounds, source/sub was never copied: the test proved nothing");
    }

    /**
     * Guards the swap after listing: source/sub and source/other are listed as directories with
     * the root; when the walk (depth first, in the file system's listing order, found at run
     * time) creates the copy of whichever of them comes first, the other, not yet entered, is
     * swapped for a link to an outside directory. Entering it later must not follow the link.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_withSourceDirectorySwappedForLinkOnceTheCopyHasBegun_neverReadsOutside(TestFileSystem fs)
            throws Exception {
        Path dir = directoryOn(fs);
        String marker = "OUTSIDE-" + UUID.randomUUID();
        Path source = buildSource(dir.resolve("source"));
        Path outside = buildOutside(dir.resolve("outside"), marker);
        Path sub = source.resolve("sub");
        Path other = source.resolve("other");
        Path parked = dir.resolve("parked");
        // the sibling entered first is the signal; the one still to come is swapped
        SwapOnce swap =
                new SwapOnce(entry -> entry.equals(sub) ? other : entry.equals(other) ? sub : null, parked, outside);
        Path target = dir.resolve("target");

        TreeCopySummary summary;
        try {
            summary = Reflink.copyTree(
                    source, target, TreeCopy.options().parallelism(1).listener(swap));
        } finally {
            swap.restore();
        }

        assertNull(swap.error.get(), "the swap itself failed");
        assertTrue(swap.done.get(), "neither source/sub nor source/other was entered, so nothing was swapped");
        assertNone(
                outsideBytesIn(target, marker),
                "source/" + swap.swapped().getFileName() + " swapped once the "
                        + "copy of its sibling was created: files from the outside directory were copied; failures reported: "
                        + failures(summary));
        assertEquals("inside top", Files.readString(target.resolve("top.txt")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void copyTree_withMergeTargetSubdirectorySwappedForLink_neverWritesOutside(TestFileSystem fs) throws Exception {
        targetRace(fs, true);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void copyTree_withCreatedTargetDirectorySwappedForLink_neverWritesOutside(TestFileSystem fs) throws Exception {
        targetRace(fs, false);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_withTargetDirectorySwappedForLinkRightAfterItIsCreated_neverWritesOutside(TestFileSystem fs)
            throws Exception {
        Path dir = directoryOn(fs);
        Path source = buildSource(dir.resolve("source"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        Path target = dir.resolve("target");
        Path targetSub = target.resolve("sub");
        SwapOnce swap = new SwapOnce(
                entry -> Files.isDirectory(targetSub, NOFOLLOW_LINKS) ? targetSub : null,
                dir.resolve("parked"),
                outside);

        TreeCopySummary summary;
        try {
            summary = Reflink.copyTree(
                    source, target, TreeCopy.options().parallelism(1).listener(swap));
        } finally {
            swap.restore();
        }

        assertNull(swap.error.get(), "the swap itself failed");
        assertTrue(swap.done.get(), "no callback came after target/sub was created, so it was never swapped");
        assertNone(
                entries(outside),
                "the copy wrote into the directory a target link pointed to; failures reported: " + failures(summary));
        assertEquals("inside top", Files.readString(target.resolve("top.txt")));
    }

    /**
     * Rounds of: copy the tree while a thread swaps target/sub for a link to an empty outside
     * directory and back; after each, the outside directory must still be empty.
     */
    private void targetRace(TestFileSystem fs, boolean merge) throws Exception {
        Path dir = directoryOn(fs);
        Path source = buildSource(dir.resolve("source"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        int rounds = 0;
        long swaps = 0;
        long deadline = System.nanoTime() + TARGET_RACE.toNanos();
        do {
            Path target = dir.resolve("target-" + rounds);
            if (merge) {
                Files.createDirectories(target.resolve("sub"));
            }
            Path displaced = Files.createDirectory(dir.resolve("displaced-" + rounds));
            Swapper swapper = Swapper.start(target.resolve("sub"), dir.resolve("parked"), outside, displaced);
            TreeCopySummary summary;
            try {
                summary = Reflink.copyTree(source, target);
            } finally {
                swapper.stop();
            }
            rounds++;
            swaps += swapper.swaps();

            assertNone(
                    entries(outside),
                    "round " + rounds + ": the copy wrote into the directory a target "
                            + "link pointed to; failures reported: " + failures(summary));
            deleteRecursively(target);
            deleteRecursively(displaced);
        } while (System.nanoTime() < deadline);
        assertTrue(swaps > 0, "in " + rounds + " rounds the target directory was never swapped");
    }

    /** Fails, naming how many were found and the first few, unless {@code found} is empty. */
    static void assertNone(List<String> found, String message) {
        assertTrue(
                found.isEmpty(),
                () -> message + ": " + found.size() + " found, e.g. "
                        + found.stream().limit(5).toList());
    }

    /** The failures of a summary, briefly: their count and the first two. */
    static String failures(TreeCopySummary summary) {
        return summary.failures().size() + " "
                + summary.failures().stream()
                        .limit(2)
                        .map(f -> f.source().getFileName() + ": " + f.error())
                        .toList();
    }

    /** Regular files under {@code target} that came from outside: by name or by their marked content. */
    private static List<String> outsideBytesIn(Path target, String marker) throws IOException {
        List<String> leaked = new ArrayList<>();
        if (!Files.exists(target, NOFOLLOW_LINKS)) {
            return leaked;
        }
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path file : (Iterable<Path>) walk::iterator) {
                if (Files.isRegularFile(file, NOFOLLOW_LINKS)) {
                    String content = Files.readString(file, StandardCharsets.ISO_8859_1);
                    if (content.contains(marker)
                            || file.getFileName().toString().startsWith("outside-only")) {
                        leaked.add(target.relativize(file) + ": " + content);
                    }
                }
            }
        }
        return leaked;
    }

    private static String readIfRegularFile(Path file) throws IOException {
        return Files.isRegularFile(file, NOFOLLOW_LINKS) ? Files.readString(file) : null;
    }

    private static List<String> entries(Path directory) throws IOException {
        try (Stream<Path> walk = Files.walk(directory)) {
            return walk.filter(p -> !p.equals(directory))
                    .map(p -> directory.relativize(p).toString())
                    .sorted()
                    .toList();
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root, NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * Swaps one directory for a link to {@code outside} and back, in a loop, on a thread of its
     * own: rename it to {@code parked}, link its name to {@code outside}, pause, remove the
     * link, rename it back. A directory the copy re-creates in the gap is left in place and
     * ours is moved into {@code displaced}. Any other error fails the test at {@link #stop()}.
     */
    private static final class Swapper {
        private final Path directory;
        private final Path parked;
        private final Path outside;
        private final Path displaced;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> error = new AtomicReference<>();
        private final Thread thread;
        private volatile long swaps;

        private Swapper(Path directory, Path parked, Path outside, Path displaced) {
            this.directory = directory;
            this.parked = parked;
            this.outside = outside;
            this.displaced = displaced;
            this.thread = new Thread(this::loop, "swapper of " + directory.getFileName());
        }

        static Swapper start(Path directory, Path parked, Path outside, Path displaced) {
            Swapper swapper = new Swapper(directory, parked, outside, displaced);
            swapper.thread.start();
            return swapper;
        }

        long swaps() {
            return swaps;
        }

        private void loop() {
            try {
                int collisions = 0;
                while (!stop.get()) {
                    if (!Files.isDirectory(directory, NOFOLLOW_LINKS)) {
                        Thread.onSpinWait(); // a target directory the copy has not created yet
                        continue;
                    }
                    Files.move(directory, parked);
                    try {
                        Files.createSymbolicLink(directory, outside);
                    } catch (FileAlreadyExistsException e) {
                        // the copy created the directory again in the gap: keep its, set ours aside
                        Files.move(parked, displaced.resolve("collision-" + collisions++));
                        continue;
                    }
                    swaps++;
                    pause();
                    Files.delete(directory);
                    try {
                        Files.move(parked, directory);
                    } catch (FileSystemException e) {
                        // the copy created the directory again in the gap: keep its, set ours aside
                        Files.move(parked, displaced.resolve("collision-" + collisions++));
                    }
                    pause();
                }
            } catch (Throwable e) {
                error.set(e);
            }
        }

        private static void pause() {
            LockSupport.parkNanos(ThreadLocalRandom.current().nextLong(20_000, 200_000));
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join();
            assertNull(error.get(), () -> "the swapper failed: " + error.get());
            assertTrue(
                    Files.isDirectory(directory, NOFOLLOW_LINKS) || !Files.exists(directory, NOFOLLOW_LINKS),
                    directory + " was left as a link");
        }
    }

    /** Which directory to swap, if any yet, decided at a listener callback about {@code entry} (a source path). */
    private interface Choice {
        Path directoryToSwap(Path entry) throws IOException;
    }

    /**
     * A listener that, at the first callback of any kind for which {@code choice} names a
     * directory, swaps that directory for a link to {@code outside} and leaves it so until
     * {@link #restore()}.
     */
    private static final class SwapOnce implements TreeCopyListener {
        private final Choice choice;
        private final Path parked;
        private final Path outside;
        private Path directory;
        final AtomicBoolean done = new AtomicBoolean();
        final AtomicReference<Throwable> error = new AtomicReference<>();

        SwapOnce(Choice choice, Path parked, Path outside) {
            this.choice = choice;
            this.parked = parked;
            this.outside = outside;
        }

        /** The directory swapped, once it has been. */
        synchronized Path swapped() {
            return directory;
        }

        private synchronized void maybeSwap(Path entry) {
            if (done.get()) {
                return;
            }
            try {
                Path chosen = choice.directoryToSwap(entry);
                if (chosen != null) {
                    directory = chosen;
                    Files.move(directory, parked);
                    Files.createSymbolicLink(directory, outside);
                    done.set(true);
                }
            } catch (IOException | RuntimeException e) {
                error.compareAndSet(null, e);
                done.set(true);
            }
        }

        synchronized void restore() throws IOException {
            if (directory == null) {
                return;
            }
            if (Files.isSymbolicLink(directory)) {
                Files.delete(directory);
            }
            if (Files.exists(parked, NOFOLLOW_LINKS)) {
                if (Files.exists(directory, NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(
                            directory.toString(), parked.toString(), "cannot put the parked directory back");
                }
                Files.move(parked, directory);
            }
        }

        @Override
        public void directoryCreated(Path source, Path target) {
            maybeSwap(source);
        }

        @Override
        public void fileCopied(Path source, Path target, CopyResult result) {
            maybeSwap(source);
        }

        @Override
        public void failed(Path source, Path target, IOException failure) {
            maybeSwap(source);
        }
    }
}
