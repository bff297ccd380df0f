package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Groups of same-size files deduplicated by several workers: each group shared on its own, and
 * an Error thrown in a worker (here by the listener) reaching the caller as itself, as it does
 * with one worker, after the other workers stopped, leaving no descriptor open.
 */
class TreeDedupeInParallelTest extends RealFileSystemTest {

    /** An Error of the test's own, so that no other can be mistaken for it. */
    private static final class ListenerError extends Error {
        ListenerError() {
            super("thrown by the test's listener");
        }
    }

    /** tree/{a1, a2} of 192 KiB, tree/{b1, b2} of 128 KiB, tree/{c1, c2} of 64 KiB: three groups. */
    private static Path threeGroups(Path dir) throws IOException {
        Path tree = Files.createDirectory(dir.resolve("tree"));
        int seed = 1;
        for (String group : List.of("a", "b", "c")) {
            int size = (3 - (group.charAt(0) - 'a')) * 64 * 1024;
            writeRandomFile(tree.resolve(group + "1"), size, seed);
            writeRandomFile(tree.resolve(group + "2"), size, seed);
            seed++;
        }
        return tree;
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2, 3})
    void severalGroups_withAnyNumberOfWorkers_areEachShared(int parallelism) throws IOException {
        Path tree = threeGroups(directoryOn(TestFileSystem.BTRFS));

        TreeDedupeSummary summary =
                Reflink.dedupeTree(List.of(tree), TreeDedupe.options().parallelism(parallelism));

        assertEquals(List.of(), summary.failures());
        assertEquals(3, summary.groups());
        assertEquals(3, summary.files());
        assertEquals((3 + 2 + 1) * 64 * 1024, summary.bytesDeduplicated());
        for (String name : List.of("a1", "a2", "b1", "b2", "c1", "c2")) {
            assertTrue(Extents.allShared(tree.resolve(name)), name + ": " + Extents.of(tree.resolve(name)));
        }
        assertArrayEquals(Files.readAllBytes(tree.resolve("a1")), Files.readAllBytes(tree.resolve("a2")));
    }

    @ParameterizedTest(name = "parallelism {0}")
    @ValueSource(ints = {1, 2})
    void anErrorThrownInAWorker_reachesTheCallerAsItself_andLeavesNoDescriptorOpen(int parallelism) throws IOException {
        Path tree = threeGroups(directoryOn(TestFileSystem.BTRFS));
        ListenerError thrown = new ListenerError();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void deduplicated(Path source, Path target, DedupeResult result) {
                throw thrown;
            }
        };

        ListenerError caught = assertThrows(
                ListenerError.class,
                () -> Reflink.dedupeTree(
                        List.of(tree),
                        TreeDedupe.options().parallelism(parallelism).listener(listener)));

        assertSame(thrown, caught);
        // the descriptors are checked by RealFileSystemTest after the test: none may be left open
    }
}
