package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.reflink4j.DedupeFailure;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A {@link TreeDedupeListener} that throws, as its javadoc says: the exception does not stop the
 * dedupe of other groups (nor, in parallel, the other workers), it is recorded as a failure of
 * the file the listener was told about, and no descriptor is left open.
 */
class ThrowingDedupeListenerTest extends RealFileSystemTest {
    private static final int SIZE = (192 << 10) + 3;

    private static final class ListenerFailure extends RuntimeException {
        ListenerFailure(String message) {
            super(message);
        }
    }

    /** What the listener throws, counted. */
    private static ListenerFailure thrown(AtomicInteger count, Path file) {
        count.incrementAndGet();
        return new ListenerFailure("listener failed on " + file);
    }

    /** Deduplicates {@code root} with {@code listener}, checking no descriptor below {@code dir} is left open. */
    private static TreeDedupeSummary dedupeLeavingNothingOpen(
            Path dir, Path root, int parallelism, TreeDedupeListener listener) throws IOException {
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        TreeDedupeSummary summary = Reflink.dedupeTree(
                List.of(root), TreeDedupe.options().parallelism(parallelism).listener(listener));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir), "descriptors left open");
        return summary;
    }

    /** {@code groups} groups of three identical files each, every group different. */
    private static List<List<Path>> groups(Path root, int groups) {
        List<List<Path>> all = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            List<Path> group = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                group.add(writeRandomFile(root.resolve("g" + g).resolve("f" + i), SIZE, 100 + g));
            }
            all.add(group);
        }
        return all;
    }

    @Test
    void aListenerThrowingWhenToldOfAFailure_leavesNoDescriptorOpen_andTheOtherFilesAreDeduplicated()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path root = dir.resolve("tree");
        List<Path> files = groups(root, 1).get(0);
        Path changed = files.get(1);
        AtomicInteger failuresTold = new AtomicInteger();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void candidatesFound(long count, long bytes) {
                try { // after the listing: the file no longer has the size listed, and is found open
                    Files.write(changed, new byte[] {1}, StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }

            @Override
            public void failed(Path file, Path other, IOException error) {
                throw thrown(failuresTold, file);
            }
        };

        TreeDedupeSummary summary = dedupeLeavingNothingOpen(dir, root, 1, listener);

        assertEquals(1, failuresTold.get(), summary.toString());
        assertEquals(2, summary.failures().size(), summary.toString());
        DedupeFailure changedFailure = summary.failures().get(0);
        assertEquals(changed, changedFailure.file());
        NothingLost.assertMentions(changedFailure.error(), changed.toString(), "changed in size");
        DedupeFailure listenerFailure = summary.failures().get(1);
        assertEquals(changed, listenerFailure.file());
        assertTrue(listenerFailure.error().getCause() instanceof ListenerFailure, listenerFailure.toString());
        NothingLost.assertMentions(listenerFailure.error(), "TreeDedupeListener", "failed");
        assertEquals(1, summary.files(), summary.toString());
        assertTrue(Extents.allShared(files.get(0)) && Extents.allShared(files.get(2)));
        assertTrue(Extents.noneShared(changed));
    }

    @Test
    void aListenerThrowingOnEveryFileInParallel_stopsNoWorker_andEachThrowIsRecordedForItsFile() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        int groupCount = 6;
        List<List<Path>> groups = groups(dir.resolve("tree"), groupCount);
        AtomicInteger told = new AtomicInteger();
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void deduplicated(Path source, Path target, DedupeResult result) {
                throw thrown(told, target);
            }
        };

        TreeDedupeSummary summary = dedupeLeavingNothingOpen(dir, dir.resolve("tree"), 3, listener);

        assertEquals(2 * groupCount, told.get(), summary.toString());
        assertEquals(2 * groupCount, summary.files(), summary.toString());
        assertEquals(2 * groupCount, summary.failures().size(), summary.toString());
        for (DedupeFailure failure : summary.failures()) {
            assertSame(ListenerFailure.class, failure.error().getCause().getClass(), failure.toString());
            assertTrue(
                    failure.error()
                            .getCause()
                            .getMessage()
                            .endsWith(failure.file().toString()),
                    failure.toString());
        }
        for (List<Path> group : groups) {
            for (Path file : group) {
                assertTrue(Extents.allShared(file), file.toString());
            }
        }
    }
}
