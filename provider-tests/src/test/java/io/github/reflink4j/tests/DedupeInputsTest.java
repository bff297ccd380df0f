package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * {@link Reflink#dedupe(Path, Path)} given one file twice, files of different sizes, and what
 * it cannot dedupe: a directory, a missing source or target. A file with itself has nothing to
 * share; files of different sizes share their common whole blocks and are reported to differ;
 * the rest is a typed NIO exception naming the file at fault first, with nothing changed or
 * created and no descriptor left open.
 */
class DedupeInputsTest extends RealFileSystemTest {
    private static final int BLOCK = 4096;

    @Test
    void dedupe_ofAFileAndAHardLinkToIt_comparesNothing_andChangesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path file = writeRandomFile(dir.resolve("file"), 5 * BLOCK, 1);
        Path link = Files.createLink(dir.resolve("link"), file);
        NothingLost before = NothingLost.snapshot(dir);

        DedupeResult result = Reflink.dedupe(file, link);

        assertEquals(new DedupeResult(0, 0, false), result);
        before.assertUnchanged();
        assertTrue(Extents.noneShared(file), "one file is not shared with itself");
    }

    @Test
    void dedupe_ofFilesOfDifferentSizes_sharesTheCommonWholeBlocks_andSaysTheyDiffer() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        byte[] common = randomBytes(3 * BLOCK, 2);
        byte[] longer = new byte[3 * BLOCK + 100];
        byte[] shorter = new byte[3 * BLOCK + 50];
        System.arraycopy(common, 0, longer, 0, common.length);
        System.arraycopy(common, 0, shorter, 0, common.length);
        System.arraycopy(randomBytes(100, 3), 0, longer, common.length, 100);
        System.arraycopy(randomBytes(50, 4), 0, shorter, common.length, 50);
        Path a = Files.write(dir.resolve("a"), longer);
        Path b = Files.write(dir.resolve("b"), shorter);

        DedupeResult result = Reflink.dedupe(a, b);

        assertEquals(new DedupeResult(3 * BLOCK, 3 * BLOCK, true), result);
        assertEquals(longer.length, Files.size(a));
        assertTrue(Arrays.equals(longer, Files.readAllBytes(a)), "the source changed");
        assertTrue(Arrays.equals(shorter, Files.readAllBytes(b)), "the target's bytes changed");
        for (long block = 0; block < 3; block++) {
            assertTrue(Extents.blockShared(b, block), "block " + block + " of the target is not shared");
        }
        assertFalse(Extents.blockShared(b, 3), "the unaligned tail that ends only one file is never shared");
    }

    @Test
    void dedupe_withADirectoryAsSource_throwsFileSystemException_namingBoth_andChangesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path target = writeRandomFile(dir.resolve("target"), 2 * BLOCK, 5);
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.dedupe(sub, target));

        assertEquals(sub.toString(), e.getFile());
        assertEquals(target.toString(), e.getOtherFile());
        assertEquals("dedupe needs two regular files", e.getReason());
        before.assertUnchanged();
    }

    @Test
    void dedupe_ofAMissingSource_throwsNoSuchFileException_namingTheSourceFirst() throws IOException {
        Path dir = directoryOn(TestFileSystem.XFS);
        Path missing = dir.resolve("missing");
        Path target = writeRandomFile(dir.resolve("target"), BLOCK, 6);
        NothingLost before = NothingLost.snapshot(dir);

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Reflink.dedupe(missing, target));

        assertEquals(missing.toString(), e.getFile());
        assertEquals(target.toString(), e.getOtherFile());
        before.assertUnchanged();
    }

    @Test
    void dedupe_intoAMissingTarget_throwsNoSuchFileException_namingTheTargetFirst_andCreatesNothing()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.XFS);
        Path source = writeRandomFile(dir.resolve("source"), BLOCK, 7);
        Path missing = dir.resolve("missing");
        NothingLost before = NothingLost.snapshot(dir);

        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Reflink.dedupe(source, missing));

        assertEquals(missing.toString(), e.getFile());
        assertEquals(source.toString(), e.getOtherFile());
        assertFalse(Files.exists(missing));
        before.assertUnchanged();
    }
}
