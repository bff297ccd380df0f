package io.github.reflink4j.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree copy on a file system whose listings leave the entry type out (d_type DT_UNKNOWN, as
 * some file systems do): each entry's type is then read with one statx. The listings here are
 * rewritten to DT_UNKNOWN by injection (see {@link FaultySyscalls}), as btrfs, xfs and ext4 all
 * fill d_type in; every other call reaches the kernel.
 */
class TreeCopyWithoutEntryTypesTest extends RealFileSystemTest {

    /** The real listing, every entry's type replaced by UNKNOWN. */
    @SuppressWarnings("unchecked")
    private static Object withoutTypes(FaultySyscalls.Call call) throws Throwable {
        Object more = call.proceed();
        List<DirectoryEntry> entries = (List<DirectoryEntry>) call.args()[2];
        entries.replaceAll(e -> new DirectoryEntry(e.name(), e.inode(), DirectoryEntry.Type.UNKNOWN));
        return more;
    }

    @Test
    void injectedListingsWithoutEntryTypes_copyFilesDirectoriesLinksAndFifos_asTheyAre() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = Files.createDirectories(dir.resolve("source/sub"));
        source = source.getParent();
        writeRandomFile(source.resolve("file"), 64 * 1024, 1);
        writeRandomFile(source.resolve("sub/inner"), 9000, 2);
        Files.createSymbolicLink(source.resolve("link"), Path.of("sub/inner"));
        Shell.run("mkfifo \"$1\"", source.resolve("fifo").toString());
        Path target = dir.resolve("target");
        FaultySyscalls faults = new FaultySyscalls().on("readDirectory", TreeCopyWithoutEntryTypesTest::withoutTypes);

        TreeCopySummary summary = TreeCopier.copy(faults.syscalls(), source, target, TreeCopy.options());

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertTrue(faults.calls("readDirectory") >= 2, "the listings were not rewritten");
        assertEquals(2, summary.files());
        assertEquals(2, summary.directories());
        assertEquals(2, summary.symlinks()); // the link and the FIFO
        assertArrayEquals(Files.readAllBytes(source.resolve("file")), Files.readAllBytes(target.resolve("file")));
        assertArrayEquals(
                Files.readAllBytes(source.resolve("sub/inner")), Files.readAllBytes(target.resolve("sub/inner")));
        assertTrue(
                Extents.allShared(target.resolve("file")),
                Extents.of(target.resolve("file")).toString());
        assertTrue(Files.isDirectory(target.resolve("sub"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(Path.of("sub/inner"), Files.readSymbolicLink(target.resolve("link")));
        assertTrue(Files.isRegularFile(target.resolve("sub/inner"), LinkOption.NOFOLLOW_LINKS));
        assertEquals(
                "fifo",
                Shell.run("stat -c %F \"$1\"", target.resolve("fifo").toString())
                        .strip());
    }
}
