package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Dedupe aligns to the file system's block size, not to the preferred I/O size statx reports:
 * on an xfs made with a 1 MiB stripe and mounted with {@code largeio}, {@code stx_blksize} is
 * 1 MiB while blocks are 4 KiB. Splitting a differing range by the former once recursed without
 * end (StackOverflowError) and leaked a descriptor. An xfs image of its own is made and mounted
 * for this test, and removed after.
 */
class DedupeOnStripedXfsTest extends RealFileSystemTest {
    private static final int SIZE = 8 << 20;
    private static Path image;
    private static Path mount;

    @BeforeAll
    static void mountStripedXfs() throws IOException {
        if (!AttributesTest.isRoot()) {
            TestFileSystem.unavailable("mounting an xfs image with a 1 MiB stripe needs root");
        }
        Path base = TestFileSystem.EXT4.mountPoint().getParent().getParent();
        image = Files.createTempFile(base, "striped-xfs-", ".img");
        mount = Files.createTempDirectory(base, "striped-xfs-");
        Shell made = Shell.exec(
                "truncate -s 600M \"$1\" && mkfs.xfs -q -f -m reflink=1 -d su=1m,sw=1 -l size=64m,su=32k"
                        + " \"$1\" && mount -o loop,largeio \"$1\" \"$2\" && chmod 1777 \"$2\"",
                image.toString(),
                mount.toString());
        if (made.exitCode() != 0) {
            Shell.exec("umount \"$1\"", mount.toString());
            Files.deleteIfExists(mount);
            Files.deleteIfExists(image);
            mount = null;
            image = null;
            TestFileSystem.unavailable(
                    "cannot make and mount a striped xfs (xfsprogs, loop devices): " + made.stderr());
        }
    }

    @AfterAll
    static void unmount() throws IOException {
        if (mount != null) {
            Shell unmounted = Shell.exec("umount \"$1\" || umount -l \"$1\"", mount.toString());
            if (unmounted.exitCode() == 0) {
                Files.deleteIfExists(mount);
            }
        }
        if (image != null) {
            Files.deleteIfExists(image); // a lazily unmounted image goes when its loop device lets go
        }
    }

    @Test
    void theMountReallyPrefersMebibyteIo_withFourKibibyteBlocks() throws IOException {
        Path probe = Files.write(mount.resolve("probe"), new byte[4096]);
        try {
            assertEquals(
                    "1048576 4096",
                    Shell.run("stat -c %o \"$1\" | tr -d '\\n'; echo -n ' '; stat -f -c %S \"$1\"", probe.toString())
                            .trim());
        } finally {
            Files.delete(probe);
        }
    }

    @Test
    void twoFilesDifferingInOneByte_shareAllButTheSmallestSplitAroundIt_andNeitherChanges() throws IOException {
        byte[] data = randomBytes(SIZE, 7);
        Path source = Files.write(mount.resolve("source"), data);
        data[(3 << 20) + 5] ^= 1;
        Path target = Files.write(mount.resolve("target"), data);
        List<String> descriptors = Leaks.openDescriptorsBelow(mount);
        try {
            DedupeResult result = Reflink.dedupe(source, target);
            assertTrue(result.differs(), "one byte differs");
            assertEquals(SIZE, result.bytesCompared());
            long unshared = SIZE - result.bytesDeduplicated();
            assertTrue(
                    unshared > 0 && unshared <= 128 << 10,
                    "all but the 128 KiB around the differing byte should be shared, unshared: " + unshared);
            assertTrue(
                    Extents.blockShared(target, 0) && Extents.blockShared(target, SIZE / 4096 - 1),
                    "filefrag: the first and last blocks are shared");
            assertFalse(Extents.blockShared(target, ((3 << 20) + 5) / 4096), "the block that differs is not shared");
            assertArrayEquals(data, Files.readAllBytes(target), "dedupe changed the target's bytes");
            data[(3 << 20) + 5] ^= 1;
            assertArrayEquals(data, Files.readAllBytes(source), "dedupe changed the source's bytes");
            assertEquals(descriptors, Leaks.openDescriptorsBelow(mount), "descriptors left open");
        } finally {
            Files.delete(source);
            Files.delete(target);
        }
    }

    @Test
    void anInterruptedThread_stopsADedupe_keepsItsInterruptStatus_andChangesNoByte() throws IOException {
        byte[] data = randomBytes(SIZE * 4, 8);
        Path source = Files.write(mount.resolve("source"), data);
        Path target = Files.write(mount.resolve("target"), data);
        List<String> descriptors = Leaks.openDescriptorsBelow(mount);
        try {
            Thread.currentThread().interrupt();
            InterruptedIOException e = assertThrows(InterruptedIOException.class, () -> Reflink.dedupe(source, target));
            assertTrue(Thread.interrupted(), "the interrupt status was cleared");
            assertTrue(
                    e.getMessage().contains(source.toString()) && e.getMessage().contains(target.toString()),
                    e.getMessage());
            assertArrayEquals(data, Files.readAllBytes(source));
            assertArrayEquals(data, Files.readAllBytes(target));
            assertEquals(descriptors, Leaks.openDescriptorsBelow(mount), "descriptors left open");
            assertEquals(List.of(), Leaks.temporaryFiles(mount));
        } finally {
            Thread.interrupted();
            Files.delete(source);
            Files.delete(target);
        }
    }
}
