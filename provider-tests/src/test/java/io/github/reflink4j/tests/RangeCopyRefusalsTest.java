package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * {@code Reflink.partial} between paths, where it must refuse or do nothing: a missing source, a
 * source or target that is not a regular file, overlapping ranges of one file, a range past the
 * source's end, an ALWAYS that cannot clone; a target it created for a failed copy is removed
 * again, an existing one left as it was.
 */
class RangeCopyRefusalsTest extends RealFileSystemTest {

    @Test
    void partial_fromAMissingSource_throwsNoSuchFile_namingIt_andCreatesNoTarget() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = dir.resolve("missing");
        Path target = dir.resolve("target");

        NoSuchFileException e = assertThrows(
                NoSuchFileException.class, () -> Reflink.partial(source, 0, target, 0, 4096, ReflinkCopyOption.AUTO));

        assertEquals(source.toString(), e.getFile());
        assertTrue(Files.notExists(target));
    }

    @Test
    void partial_fromADirectory_isRefusedAsNotARegularFile_andCreatesNoTarget() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = Files.createDirectory(dir.resolve("source"));
        Path target = dir.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(
                FileSystemException.class, () -> Reflink.partial(source, 0, target, 0, 4096, ReflinkCopyOption.AUTO));

        assertEquals(source.toString(), e.getFile());
        NothingLost.assertMentions(e, "the source is not a regular file");
        before.assertUnchanged();
    }

    @Test
    void partial_ontoADirectory_isRefusedAsNotARegularFile_namingTheTarget_andChangesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 8192, 1);
        Path target = Files.createDirectory(dir.resolve("target"));
        NothingLost before = NothingLost.snapshot(dir);

        FileSystemException e = assertThrows(
                FileSystemException.class, () -> Reflink.partial(source, 0, target, 0, 4096, ReflinkCopyOption.AUTO));

        assertEquals(target.toString(), e.getFile());
        NothingLost.assertMentions(e, "the target is not a regular file");
        before.assertUnchanged();
    }

    @Test
    void partial_always_thatCannotClone_intoAnAbsentTarget_failsWithTheErrno_andRemovesTheTargetItCreated()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 16_384, 2);
        Path target = dir.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        ReflinkFailedException e = assertThrows(
                ReflinkFailedException.class,
                () -> Reflink.partial(source, 0, target, 0, 8192, ReflinkCopyOption.ALWAYS));

        assertTrue(e.errno() > 0, e.toString());
        NothingLost.assertMentions(e, source.toString());
        before.assertUnchanged();
    }

    @Test
    void partial_always_thatCannotClone_intoAnExistingTarget_failsAndLeavesTheTargetAsItWas() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 16_384, 3);
        writeRandomFile(dir.resolve("target"), 20_000, 4);
        Path target = dir.resolve("target");
        NothingLost before = NothingLost.snapshot(dir);

        assertThrows(
                ReflinkFailedException.class,
                () -> Reflink.partial(source, 0, target, 4096, 8192, ReflinkCopyOption.ALWAYS));

        before.assertUnchanged();
    }

    @Test
    void partial_ofOverlappingRangesOfOneFile_throwsIllegalArgument_andChangesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path file = writeRandomFile(dir.resolve("file"), 64 * 1024, 5);
        NothingLost before = NothingLost.snapshot(dir);

        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> Reflink.partial(file, 0, file, 4096, 16_384, ReflinkCopyOption.AUTO));

        NothingLost.assertMentions(e, "overlaps", file.toString());
        before.assertUnchanged();
    }

    @Test
    void partial_startingPastTheSourcesEnd_copiesNothing_andLeavesAnExistingTargetAsItWas() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 6);
        Path target = writeRandomFile(dir.resolve("target"), 5000, 7);
        byte[] old = Files.readAllBytes(target);

        CopyResult result = Reflink.partial(source, 20_000, target, 0, 4096, ReflinkCopyOption.AUTO);

        assertEquals(CopyMethod.NONE, result.method());
        assertEquals(0, result.bytes());
        assertArrayEquals(old, Files.readAllBytes(target));
    }
}
