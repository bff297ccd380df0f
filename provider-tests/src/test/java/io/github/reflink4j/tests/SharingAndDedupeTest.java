package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.SharingReport;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reflink.sharing against outside witnesses (filefrag -v, btrfs filesystem du), and
 * Reflink.dedupe, which must never change a byte.
 */
class SharingAndDedupeTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void sharing_ofAPartlyRewrittenClone_matchesFilefrag(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 256 * BLOCK, 1);
        Path clone = dir.resolve("clone");
        Reflink.auto(source, clone);
        try (FileChannel channel = FileChannel.open(clone, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(randomBytes(10 * BLOCK, 2)), 100 * BLOCK);
        }

        SharingReport report = Reflink.sharing(clone);

        assertEquals(256 * BLOCK, report.size());
        assertEquals(0, report.holeBytes());
        assertEquals(
                filefragSharedBytes(clone),
                report.sharedBytes(),
                Extents.of(clone).toString());
        assertEquals(fs.clones() ? 246 * BLOCK : 0, report.sharedBytes());
        assertEquals(fs.clones() ? 10 * BLOCK : 256 * BLOCK, report.exclusiveBytes());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void sharing_ofACloneWithOver1000Extents_pagesThroughFiemap_andMatchesFilefrag(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        int blocks = 1200;
        Path source = writeRandomFile(dir.resolve("source"), blocks * BLOCK, 11);
        Path clone = dir.resolve("clone");
        Reflink.always(source, clone);
        try (FileChannel channel = FileChannel.open(clone, StandardOpenOption.WRITE)) {
            for (int block = 0; block < blocks; block += 2) {
                channel.write(ByteBuffer.wrap(randomBytes(BLOCK, block)), (long) block * BLOCK);
                channel.force(false); // one extent per rewritten block
            }
        }

        SharingReport report = Reflink.sharing(clone);

        assertTrue(Extents.of(clone).size() > 1000, "only " + Extents.of(clone).size() + " extents");
        assertEquals(filefragSharedBytes(clone), report.sharedBytes());
        assertEquals(blocks / 2 * BLOCK, report.sharedBytes());
        assertEquals(blocks / 2 * BLOCK, report.exclusiveBytes());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void sharing_countsHoles(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path sparse = dir.resolve("sparse");
        try (FileChannel channel = FileChannel.open(sparse, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(randomBytes(16 * BLOCK, 3)), 64 * BLOCK);
        }
        try (RandomAccessFile file = new RandomAccessFile(sparse.toFile(), "rw")) {
            file.setLength(256 * BLOCK);
        }

        SharingReport report = Reflink.sharing(sparse);

        assertEquals(256 * BLOCK, report.size());
        assertEquals(16 * BLOCK, report.exclusiveBytes(), report.toString());
        assertEquals(240 * BLOCK, report.holeBytes());
    }

    @Test
    void sharing_onBtrfs_agreesWithBtrfsFilesystemDu() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 128 * BLOCK, 4);
        Reflink.always(source, dir.resolve("clone"));
        try (FileChannel channel = FileChannel.open(dir.resolve("clone"), StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(randomBytes(3 * BLOCK, 5)), 0);
        }

        SharingReport report = Reflink.sharing(dir.resolve("clone")); // syncs the file (FIEMAP_FLAG_SYNC) first
        String du = Extents.run(
                "btrfs", "filesystem", "du", "--raw", dir.resolve("clone").toString());
        String[] columns = du.lines().skip(1).findFirst().orElseThrow().trim().split("\\s+");

        assertEquals(Long.parseLong(columns[1]), report.exclusiveBytes(), du);
        assertEquals(Long.parseLong(columns[0]), report.sharedBytes() + report.exclusiveBytes(), du);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void dedupe_ofTwoIndependentlyWrittenIdenticalFiles_makesThemShare_withoutChangingAByte(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        int size = 40 * 1024 * 1024 + 123; // several kernel requests, an unaligned end
        Path a = writeRandomFile(dir.resolve("a"), size, 6);
        Path b = writeRandomFile(dir.resolve("b"), size, 6);
        assertTrue(Extents.noneShared(b), "written independently, so nothing shared yet");
        byte[] before = Files.readAllBytes(b);

        DedupeResult result = Reflink.dedupe(a, b);

        assertEquals(new DedupeResult(size, size, false), result);
        assertTrue(Extents.allShared(a) && Extents.allShared(b), Extents.of(b).toString());
        assertEquals(size, Reflink.sharing(b).sharedBytes());
        assertArrayEquals(before, Files.readAllBytes(a));
        assertArrayEquals(before, Files.readAllBytes(b));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void dedupe_ofDifferentFiles_changesNothing_andSaysTheyDiffer(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("a"), 1 << 20, 7);
        Path b = writeRandomFile(dir.resolve("b"), 1 << 20, 8);
        byte[] aBefore = Files.readAllBytes(a);
        byte[] bBefore = Files.readAllBytes(b);

        DedupeResult result = Reflink.dedupe(a, b);

        assertEquals(new DedupeResult(1 << 20, 0, true), result);
        assertTrue(Extents.noneShared(a) && Extents.noneShared(b), Extents.of(b).toString());
        assertArrayEquals(aBefore, Files.readAllBytes(a));
        assertArrayEquals(bBefore, Files.readAllBytes(b));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void dedupe_ofFilesDifferingInOneBlock_sharesTheRest(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        int size = 8 << 20;
        Path a = writeRandomFile(dir.resolve("a"), size, 9);
        Path b = writeRandomFile(dir.resolve("b"), size, 9);
        try (FileChannel channel = FileChannel.open(b, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[] {42}), 5_000_000);
        }
        byte[] bBefore = Files.readAllBytes(b);

        DedupeResult result = Reflink.dedupe(a, b);

        assertTrue(result.differs());
        assertTrue(result.bytesDeduplicated() >= size - (256 << 10), result.toString());
        assertArrayEquals(bBefore, Files.readAllBytes(b));
        assertFalse(Extents.blockShared(b, 5_000_000 / BLOCK), "the differing block cannot be shared");
        assertTrue(Extents.blockShared(b, 0));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void dedupe_onAFileSystemThatCannot_failsWithReflinkFailed_andChangesNothing(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("a"), 100_000, 10);
        Path b = writeRandomFile(dir.resolve("b"), 100_000, 10);

        ReflinkFailedException e = assertThrows(ReflinkFailedException.class, () -> Reflink.dedupe(a, b));

        assertTrue(e.getMessage().contains("FIDEDUPERANGE"), e.getMessage());
        assertSameContent(a, b);
    }

    /** The bytes of {@code file} in extents filefrag marks shared, clipped to the file's size. */
    private static long filefragSharedBytes(Path file) throws IOException {
        long size = Files.size(file);
        long shared = 0;
        for (Extents.Extent extent : Extents.of(file)) {
            if (extent.shared()) {
                shared += Math.min(size, (extent.lastBlock() + 1) * BLOCK) - extent.firstBlock() * BLOCK;
            }
        }
        return shared;
    }
}
