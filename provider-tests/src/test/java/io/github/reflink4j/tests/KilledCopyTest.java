package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.engine.Leftovers;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Contents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A process killed (SIGKILL: no finally block, no shutdown hook runs) in the middle of replacing
 * an existing target: the target is untouched, byte for byte and inode for inode, the source too,
 * and exactly one temporary file is left beside the target, under reflink4j's pattern. The next
 * copy into that directory, by {@code reflink cp} or by {@code copyTree}, removes it and says so.
 * A copy that is alive but stopped (SIGSTOP) for longer than the cleanup's grace keeps its
 * temporary file, by its lock alone, and completes when continued.
 */
class KilledCopyTest extends RealFileSystemTest {
    /** Big enough that a NEVER copy on ext4 takes far longer than the test needs to see it start. */
    private static final long SOURCE_SIZE = 512L << 20;

    private static final long GROWN = 16L << 20;
    private static final Pattern TEMPORARY = Pattern.compile("\\.target\\.reflink4j-[0-9a-f]{12}\\.tmp");

    /** Replaces args[1] with a copy of args[0] (NEVER: every byte written, so it takes a while). */
    public static final class Replace {
        public static void main(String[] args) throws IOException {
            Reflink.copy(
                    Path.of(args[0]), Path.of(args[1]), ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("copied");
        }
    }

    /** What copies next into the directory of the leftover. */
    enum NextCopy {
        REFLINK_CP,
        COPY_TREE
    }

    @ParameterizedTest(name = "then {0}")
    @EnumSource(NextCopy.class)
    void killedReplacement_leavesTargetWhollyOld_andOneTemporaryFile_thatTheNextCopyIntoItsDirectoryRemoves(
            NextCopy next) throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = Contents.writeRandom(dir.resolve("source"), SOURCE_SIZE, 1);
        Path target = Contents.writeRandom(dir.resolve("target"), 3 << 20, 2);
        String sourceHash = Contents.sha256(source);
        String targetHash = Contents.sha256(target);
        Object targetInode = inode(target);

        Path leftover;
        try (ForkedJvm.Running copy = ForkedJvm.of(Replace.class).start(source.toString(), target.toString())) {
            leftover = awaitGrowingTemporaryFile(dir, copy);
            Shell.run("kill -KILL \"$1\"", Long.toString(copy.pid()));
            assertEquals(128 + 9, copy.waitFor(60), "killed by SIGKILL: " + copy.output());
        }

        assertEquals(targetHash, Contents.sha256(target), "the existing target changed");
        assertEquals(targetInode, inode(target), "the existing target was replaced");
        assertEquals(sourceHash, Contents.sha256(source), "the source changed");
        assertEquals(List.of(leftover), temporaryFiles(dir), "exactly one temporary file, of the killed copy");
        assertTrue(Files.size(leftover) < SOURCE_SIZE, "the leftover was written in part: " + Files.size(leftover));

        awaitOlderThanGrace(leftover);
        if (next == NextCopy.REFLINK_CP) {
            Path other = writeRandomFile(directoryOn(TestFileSystem.EXT4).resolve("other"), 4096, 3);
            CommandRun run = CommandRun.reflink(
                    "cp", other.toString(), dir.resolve("other").toString());
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("reflink cp: removed '" + leftover + "', left by an interrupted copy\n", run.stderr());
            assertSameContent(other, dir.resolve("other"));
        } else {
            Path tree = directoryOn(TestFileSystem.EXT4);
            writeRandomFile(tree.resolve("other"), 4096, 4);
            TreeCopySummary summary = Reflink.copyTree(tree, dir);
            assertTrue(summary.succeeded(), summary.failures().toString());
            assertEquals(1, summary.files());
            assertEquals(List.of(leftover), summary.leftoversRemoved());
            assertSameContent(tree.resolve("other"), dir.resolve("other"));
        }
        assertFalse(Files.exists(leftover, LinkOption.NOFOLLOW_LINKS), "the leftover is still there");
        assertEquals(List.of(), temporaryFiles(dir));
        assertEquals(targetHash, Contents.sha256(target), "the cleanup touched the target");
        assertEquals(targetInode, inode(target));
        assertEquals(sourceHash, Contents.sha256(source));
    }

    @Test
    void liveCopy_stoppedLongerThanTheGrace_keepsItsTemporaryFile_andCompletes() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = Contents.writeRandom(dir.resolve("source"), SOURCE_SIZE, 5);
        Path target = Contents.writeRandom(dir.resolve("target"), 3 << 20, 6);
        String sourceHash = Contents.sha256(source);

        try (ForkedJvm.Running copy = ForkedJvm.of(Replace.class).start(source.toString(), target.toString())) {
            Path temporary = awaitGrowingTemporaryFile(dir, copy);
            Shell.run("kill -STOP \"$1\"", Long.toString(copy.pid()));
            try {
                awaitOlderThanGrace(temporary); // only its lock tells it from a dead copy's now
                assertEquals(List.of(), Reflink.removeLeftovers(dir), "a live copy's file was taken for a leftover");
                assertEquals(List.of(temporary), temporaryFiles(dir));
            } finally {
                Shell.run("kill -CONT \"$1\"", Long.toString(copy.pid()));
            }
            assertEquals(0, copy.waitFor(120), copy.output());
            assertEquals("copied\n", copy.output());
        }

        assertEquals(sourceHash, Contents.sha256(target), "the copy did not complete");
        assertEquals(sourceHash, Contents.sha256(source), "the source changed");
        assertEquals(List.of(), temporaryFiles(dir));
    }

    /**
     * Polls (bounded) until the copy's temporary file exists and holds {@link #GROWN} bytes: the
     * copy is then in the middle of its data.
     */
    private static Path awaitGrowingTemporaryFile(Path dir, ForkedJvm.Running copy) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!copy.isAlive()) {
                fail("the copy ended before it could be killed: " + copy.output());
            }
            for (Path file : temporaryFiles(dir)) {
                try {
                    if (Files.size(file) >= GROWN) {
                        return file;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // renamed over the target meanwhile: the copy ended, seen on the next round
                }
            }
            Thread.sleep(1);
        }
        throw new AssertionError("no growing temporary file appeared in " + dir + ": " + copy.output());
    }

    /** The names in {@code dir} that match the temporary pattern of "target". */
    private static List<Path> temporaryFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(
                            p -> TEMPORARY.matcher(p.getFileName().toString()).matches())
                    .toList();
        }
    }

    /**
     * Polls (bounded) until the file's status-change time is more than {@link Leftovers#GRACE_SECONDS}
     * old: before that a cleanup rightly takes it for a copy that is only starting.
     */
    static void awaitOlderThanGrace(Path... files) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Leftovers.GRACE_SECONDS + 60);
        for (Path file : files) {
            for (; ; ) {
                FileTime changed = (FileTime) Files.getAttribute(file, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
                long age = System.currentTimeMillis() / 1000 - changed.to(TimeUnit.SECONDS);
                if (age > Leftovers.GRACE_SECONDS) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    fail(file + " stays younger than the grace: changed at " + changed);
                }
                Thread.sleep(100);
            }
        }
    }
}
