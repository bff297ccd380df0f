package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reflink.dedupeTree on real btrfs and xfs: identical files come to share every block (filefrag
 * is the witness), near-duplicates share all but the pieces that differ, files that only look
 * alike at their edges share nothing, links are neither followed nor counted twice, and no byte,
 * inode, mode or mtime of any file changes. A second run over the deduplicated tree asks the
 * kernel nothing.
 */
class TreeDedupeTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;
    /** More identical files than one FIDEDUPERANGE request can name (127 destinations). */
    private static final int MANY = 130;

    private static final int MANY_SIZE = (64 << 10) + 100;
    private static final int BIG_SIZE = (3 << 20) + 5;
    private static final int NEAR_SIZE = (2 << 20) + 1234;
    /** Offsets that the probes (first, last block and the blocks at 2/8, 4/8, 6/8) do not read. */
    private static final int NEAR_1_CHANGE = 300_000;

    private static final int NEAR_2_CHANGE = 1_800_000;
    private static final int LOOKALIKE_SIZE = 1 << 20;
    /** Two sets of identical files that the probes cannot tell apart: they differ in blocks 24 to 48 only. */
    private static final int MIXED_SIZE = (1 << 20) + 3;

    private static final int MIXED_X = 3;
    /** Enough differing destinations in one request for the engine to read them in full (TreeDeduplicator.MIXED). */
    private static final int MIXED_Y = 4;

    /** The tree every test here deduplicates, and what it holds. */
    private record Tree(
            Path root,
            List<Path> many,
            List<Path> big,
            Path hardLink,
            Path nearBase,
            Path near1,
            Path near2,
            Path lookalike1,
            Path lookalike2,
            Path outside,
            List<Path> mixed) {

        static Tree build(Path dir) throws IOException {
            Path root = dir.resolve("tree");
            List<Path> many = new ArrayList<>();
            for (int i = 0; i < MANY; i++) {
                many.add(writeRandomFile(root.resolve("many/d" + i % 7 + "/copy-" + i), MANY_SIZE, 1));
            }
            List<Path> big = List.of(
                    writeRandomFile(root.resolve("big/a"), BIG_SIZE, 2),
                    writeRandomFile(root.resolve("big/deep/er/b"), BIG_SIZE, 2),
                    writeRandomFile(root.resolve("c"), BIG_SIZE, 2));
            Path hardLink = Files.createLink(root.resolve("big/hard-link-to-a"), big.get(0));
            Path nearBase = writeRandomFile(root.resolve("near/base"), NEAR_SIZE, 3);
            Path near1 = writeChanged(root.resolve("near/one"), NEAR_SIZE, 3, NEAR_1_CHANGE);
            Path near2 = writeChanged(root.resolve("near/two"), NEAR_SIZE, 3, NEAR_2_CHANGE);
            // the same first and last blocks, different middles
            byte[] edges = randomBytes(LOOKALIKE_SIZE, 4);
            Path lookalike1 = Files.write(root.resolve("lookalike-1"), edges);
            byte[] middle = randomBytes(LOOKALIKE_SIZE - 2 * BLOCK, 5);
            System.arraycopy(middle, 0, edges, BLOCK, middle.length);
            Path lookalike2 = Files.write(root.resolve("lookalike-2"), edges);
            // links: to a file inside (not counted), to a directory outside with a duplicate (not followed)
            Files.createSymbolicLink(root.resolve("link-to-c"), root.resolve("c"));
            Path outside = writeRandomFile(dir.resolve("outside/duplicate-of-c"), BIG_SIZE, 2);
            Files.createSymbolicLink(root.resolve("link-to-outside"), dir.resolve("outside"));
            Files.createFile(root.resolve("empty-1"));
            Files.createFile(root.resolve("empty-2"));
            List<Path> mixed = new ArrayList<>();
            byte[] x = randomBytes(MIXED_SIZE, 7);
            for (int i = 0; i < MIXED_X; i++) {
                mixed.add(Files.write(
                        Files.createDirectories(root.resolve("mixed")).resolve("x" + i), x));
            }
            byte[] y = x.clone();
            System.arraycopy(randomBytes(25 * BLOCK, 8), 0, y, 24 * BLOCK, 25 * BLOCK);
            for (int i = 0; i < MIXED_Y; i++) {
                mixed.add(Files.write(root.resolve("mixed/y" + i), y));
            }
            return new Tree(root, many, big, hardLink, nearBase, near1, near2, lookalike1, lookalike2, outside, mixed);
        }

        private static Path writeChanged(Path file, int size, long seed, int offset) throws IOException {
            writeRandomFile(file, size, seed);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                byte[] was = randomBytes(size, seed);
                channel.write(ByteBuffer.wrap(new byte[] {(byte) ~was[offset]}), offset);
            }
            return file;
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void aTreeOfDuplicates_sharesWhatIsIdentical_changesNothingElse_andASecondRunAsksTheKernelNothing(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Tree tree = Tree.build(dir);
        NothingLost before = NothingLost.snapshot(dir);
        for (Path file : tree.many()) {
            assertTrue(Extents.noneShared(file), "written independently, yet shared: " + file);
        }
        Set<Path> told = ConcurrentHashMap.newKeySet();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void deduplicated(Path source, Path target, DedupeResult result) {
                told.add(target);
            }
        };

        TreeDedupeSummary first =
                Reflink.dedupeTree(List.of(tree.root()), TreeDedupe.options().listener(listener));

        assertEquals(List.of(), first.failures());
        // the many, the big, the near-duplicates, the mixed set and, read in full and separated, its y files
        assertEquals(5, first.groups(), first.toString());
        assertEquals(MANY - 1 + 2 + 2 + (MIXED_X - 1) + (MIXED_Y - 1), first.files(), first.toString());
        assertEquals(2, first.differing(), first.toString());
        assertEquals(first.files(), told.size());
        assertFalse(told.contains(tree.hardLink()), "a hard link of a file counts once");
        long identical = (long) (MANY - 1) * MANY_SIZE + 2L * BIG_SIZE + (MIXED_X - 1 + MIXED_Y - 1) * MIXED_SIZE;
        long nearShared = first.bytesDeduplicated() - identical;
        assertTrue(nearShared >= 2L * (NEAR_SIZE - (128 << 10)) && nearShared < 2L * NEAR_SIZE, first.toString());
        assertTrue(first.requests() >= 2, "the many need two requests at least: " + first);
        for (Path file : concat(concat(tree.many(), tree.big()), tree.mixed())) {
            assertTrue(Extents.allShared(file), file + " " + Extents.of(file));
        }
        assertTrue(Extents.allShared(tree.hardLink()));
        for (Path near : List.of(tree.near1(), tree.near2())) {
            assertTrue(Extents.blockShared(near, 0) && Extents.blockShared(near, NEAR_SIZE / BLOCK), near.toString());
        }
        assertFalse(Extents.blockShared(tree.near1(), NEAR_1_CHANGE / BLOCK), "a differing block was shared");
        assertFalse(Extents.blockShared(tree.near2(), NEAR_2_CHANGE / BLOCK), "a differing block was shared");
        assertTrue(Extents.noneShared(tree.lookalike1()) && Extents.noneShared(tree.lookalike2()));
        assertTrue(Extents.noneShared(tree.outside()), "a symbolic link was followed out of the tree");
        before.assertEntriesUnchanged(); // every byte, inode, mode and mtime (descriptors: checked after each test)

        TreeDedupeSummary second = Reflink.dedupeTree(tree.root());

        assertEquals(List.of(), second.failures());
        assertEquals(0, second.requests(), "a second run asked the kernel: " + second);
        assertEquals(0, second.bytesDeduplicated(), second.toString());
        assertEquals(MANY - 1 + 2 + (MIXED_X - 1) + (MIXED_Y - 1), second.filesAlreadyShared(), second.toString());
        before.assertEntriesUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void aDryRun_listsTheIdenticalFiles_andChangesNothing(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Tree tree = Tree.build(dir);
        NothingLost before = NothingLost.snapshot(dir);
        List<Path> listed = new ArrayList<>();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public synchronized void wouldDedupe(Path source, Path target, long bytes) {
                listed.add(target);
            }
        };

        TreeDedupeSummary dry = Reflink.dedupeTree(
                List.of(tree.root()), TreeDedupe.options().dryRun(true).listener(listener));

        assertEquals(4, dry.groups(), dry.toString()); // the near-duplicates are not identical
        assertEquals(MANY - 1 + 2 + (MIXED_X - 1) + (MIXED_Y - 1), listed.size());
        assertEquals(0, dry.requests());
        assertTrue(Extents.noneShared(tree.big().get(1)));
        before.assertEntriesUnchanged();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void onAFileSystemThatCannotDedupe_failsWithReflinkFailed_namingFidedupeRange_andChangesNothing(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        writeRandomFile(dir.resolve("tree/a"), 100_000, 6);
        writeRandomFile(dir.resolve("tree/sub/b"), 100_000, 6);
        NothingLost before = NothingLost.snapshot(dir);

        ReflinkFailedException e =
                assertThrows(ReflinkFailedException.class, () -> Reflink.dedupeTree(dir.resolve("tree")));

        NothingLost.assertMentions(e, "FIDEDUPERANGE", "EOPNOTSUPP");
        before.assertEntriesUnchanged();
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
