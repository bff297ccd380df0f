package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.SharingReport;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * {@link Reflink#sharing(Path)} where there is no extent map to read (tmpfs has no FIEMAP: the
 * allocation stands for the data, none of it shared), for an empty file, and for what is no
 * regular file or no file at all: a typed NIO exception naming the path, no descriptor left.
 */
class SharingReportLimitsTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;

    @Test
    void sharing_onTmpfs_withoutAnExtentMap_countsTheAllocatedBytesAsExclusive_andTheRestAsHoles() throws IOException {
        Path dir = directoryOn(TestFileSystem.TMPFS);
        Path sparse = dir.resolve("sparse");
        try (FileChannel channel = FileChannel.open(sparse, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(randomBytes(8 * BLOCK, 1)), 32 * BLOCK);
            channel.truncate(128 * BLOCK);
            channel.write(ByteBuffer.wrap(new byte[] {1}), 128 * BLOCK - 1);
        }
        long allocated = allocatedBytes(sparse);
        assertTrue(allocated >= 9 * BLOCK && allocated < 128 * BLOCK, "the fixture is sparse: " + allocated);

        SharingReport report = Reflink.sharing(sparse);

        assertEquals(new SharingReport(128 * BLOCK, 0, allocated, 128 * BLOCK - allocated), report);
    }

    @Test
    void sharing_onTmpfs_ofAFileWhoseLastBlockIsPartlyUsed_neverCountsMoreDataThanTheSize() throws IOException {
        Path file = writeRandomFile(directoryOn(TestFileSystem.TMPFS).resolve("file"), 2 * BLOCK + 5, 2);
        assertEquals(3 * BLOCK, allocatedBytes(file), "the fixture: three whole pages allocated");

        SharingReport report = Reflink.sharing(file);

        assertEquals(new SharingReport(2 * BLOCK + 5, 0, 2 * BLOCK + 5, 0), report);
    }

    @Test
    void sharing_ofAnEmptyFile_isAllZero() throws IOException {
        Path empty = Files.createFile(directoryOn(TestFileSystem.BTRFS).resolve("empty"));

        assertEquals(new SharingReport(0, 0, 0, 0), Reflink.sharing(empty));
    }

    @Test
    void sharing_ofADirectory_throwsFileSystemException_namingIt_andSayingItIsNoRegularFile() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.sharing(sub));

        assertEquals(sub.toString(), e.getFile());
        assertEquals("not a regular file", e.getReason());
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
    }

    @Test
    void sharing_ofAMissingFile_throwsNoSuchFileException_namingIt() throws IOException {
        Path missing = directoryOn(TestFileSystem.XFS).resolve("missing");

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Reflink.sharing(missing));

        assertEquals(missing.toString(), e.getFile());
        assertTrue(Files.notExists(missing));
    }
}
