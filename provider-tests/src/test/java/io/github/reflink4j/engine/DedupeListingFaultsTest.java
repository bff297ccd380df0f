package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The listing of a tree deduplication when the statx of a listed entry fails or finds it gone:
 * injected (see {@link FaultySyscalls}), since the kernel fails a statx with EIO only on a failing
 * disk, and a removal between getdents and statx is a race no test can time. A failing entry is
 * listed as a failure naming it, a vanished one is left out silently, and the rest is deduplicated.
 */
class DedupeListingFaultsTest extends RealFileSystemTest {
    private static final byte[] GONE = "gone".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FAILING = "failing".getBytes(StandardCharsets.UTF_8);

    @Test
    void anEntryWhoseStatxFails_isAFailureNamingIt_aVanishedOneIsLeftOut_andTheRestIsShared() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path tree = Files.createDirectory(dir.resolve("tree"));
        for (String name : List.of("a", "d", "gone", "failing")) {
            writeRandomFile(tree.resolve(name), 64 * 1024, 1);
        }
        FaultySyscalls faults = new FaultySyscalls().on("statusAt", call -> {
            byte[] name = (byte[]) call.args()[1];
            if ((Integer) call.args()[0] != Syscalls.AT_FDCWD && Arrays.equals(name, GONE)) {
                return null; // as if removed since the listing
            }
            if ((Integer) call.args()[0] != Syscalls.AT_FDCWD && Arrays.equals(name, FAILING)) {
                throw call.fail(Errno.EIO);
            }
            return call.proceed();
        });

        TreeDedupeSummary summary = TreeDeduplicator.dedupe(faults.syscalls(), List.of(tree), TreeDedupe.options());

        assertEquals(1, summary.failures().size(), summary.toString());
        assertEquals(tree.resolve("failing"), summary.failures().get(0).file());
        FileSystemException error =
                (FileSystemException) summary.failures().get(0).error();
        assertEquals(tree.resolve("failing").toString(), error.getFile());
        assertTrue(error.getMessage().contains("Input/output error"), error.getMessage());
        assertEquals(1, summary.groups());
        assertEquals(1, summary.files());
        assertTrue(
                Extents.allShared(tree.resolve("a")),
                Extents.of(tree.resolve("a")).toString());
        assertTrue(
                Extents.allShared(tree.resolve("d")),
                Extents.of(tree.resolve("d")).toString());
        assertTrue(
                Extents.noneShared(tree.resolve("gone")),
                Extents.of(tree.resolve("gone")).toString());
        assertTrue(
                Extents.noneShared(tree.resolve("failing")),
                Extents.of(tree.resolve("failing")).toString());
        assertArrayEquals(Files.readAllBytes(tree.resolve("a")), Files.readAllBytes(tree.resolve("d")));
    }
}
