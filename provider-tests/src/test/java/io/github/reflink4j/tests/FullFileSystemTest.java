package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.CopyOption;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkException;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real ENOSPC on a 32 MiB ext4 and a 32 MiB btrfs (mixed data and metadata, {@code mkfs.btrfs -M})
 * of this class's own, loop-mounted under /var/tmp for the class and removed after it: a copy
 * that runs out of space fails with the errno named, never falls back to another method, and
 * loses nothing (the source unchanged, a new target removed, an existing one wholly old, no
 * temporary file, no descriptor open).
 *
 * <p>A clone needs no data space, so on btrfs running out takes one of two things: a source on
 * another file system (the shared ext4), where even AUTO must really copy; or a file system filled
 * with a filler file until its metadata too is gone, where not even the target's inode can be
 * made, so that ALWAYS and AUTO fail as NEVER does.
 */
class FullFileSystemTest extends RealFileSystemTest {
    private static final int MIB = 1 << 20;
    private static final int IMAGE_MIB = 32;
    private static final Map<Small, Path> MOUNTS = new EnumMap<>(Small.class);
    private static Path base;

    /** The small file systems of this class. */
    enum Small {
        EXT4("mkfs.ext4 -q -F \"$1\""),
        BTRFS("mkfs.btrfs -q -f -M \"$1\"");

        final String mkfs;

        Small(String mkfs) {
            this.mkfs = mkfs;
        }

        boolean clones() {
            return this == BTRFS;
        }

        @Override
        public String toString() {
            return "a full " + name().toLowerCase(Locale.ROOT);
        }
    }

    @BeforeAll
    static void mountSmallFileSystems() throws IOException {
        if (!AttributesTest.isRoot()) {
            TestFileSystem.unavailable("mounting small loop file systems to fill needs root");
        }
        base = Files.createTempDirectory(
                Path.of("/var/tmp"), "reflink4j-full-" + ProcessHandle.current().pid() + "-");
        for (Small fs : Small.values()) {
            Path image = base.resolve(fs.name().toLowerCase(Locale.ROOT) + ".img");
            Path mount = Files.createDirectory(base.resolve(fs.name().toLowerCase(Locale.ROOT)));
            Shell made = Shell.exec(
                    "truncate -s " + IMAGE_MIB + "M \"$1\" && " + fs.mkfs + " && mount -o loop \"$1\" \"$2\"",
                    image.toString(),
                    mount.toString());
            if (made.exitCode() != 0) {
                TestFileSystem.unavailable("cannot make and mount a " + IMAGE_MIB + " MiB " + fs.name() + " at " + mount
                        + ": " + made.stderr() + made.stdout());
            }
            MOUNTS.put(fs, mount);
        }
    }

    @AfterAll
    static void removeSmallFileSystems() throws IOException {
        if (base == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        for (Path mount : MOUNTS.values()) {
            Shell unmounted = Shell.exec("umount \"$1\"", mount.toString());
            if (unmounted.exitCode() != 0) {
                problems.add(unmounted.stderr());
                Shell.exec("umount -l \"$1\"", mount.toString()); // so that the image can still go
            }
        }
        Shell.run("rm -rf \"$1\"", base.toString());
        assertEquals(List.of(), problems, "small file systems that would not unmount");
    }

    /** Empties the small file systems again, and waits for the space to be free (btrfs frees it at commit). */
    @AfterEach
    void emptySmallFileSystems() {
        for (Path mount : MOUNTS.values()) {
            Shell.run(
                    "find \"$1\" -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} + ; sync -f \"$1\"",
                    mount.toString());
        }
    }

    static Stream<Arguments> copyingModes() {
        return Stream.of(Small.values())
                .flatMap(fs -> Stream.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)
                        .map(mode -> Arguments.of(fs, mode)));
    }

    /** Every mode, onto a new target and over an existing one. */
    static Stream<Arguments> everyMode() {
        return Stream.of(ReflinkCopyOption.values())
                .flatMap(mode -> Stream.of(Arguments.of(mode, false), Arguments.of(mode, true)));
    }

    @ParameterizedTest(name = "ext4 to {0}, {1}")
    @MethodSource("copyingModes")
    void copy_biggerThanTheFreeSpace_intoANewTarget_failsWithEnospcNamingTheTarget_andRemovesIt(
            Small fs, ReflinkCopyOption mode) throws IOException {
        Path into = Files.createDirectory(MOUNTS.get(fs).resolve("into"));
        Path source = bigFile(directoryOn(TestFileSystem.EXT4).resolve("source"), usable(into) + 4 * MIB, 1);
        Path target = into.resolve("target");
        NothingLost before = NothingLost.snapshot(source.getParent(), into);

        FileSystemException e = assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, mode));

        NothingLost.assertMentions(e, "No space left on device");
        assertEquals(target.toString(), e.getFile(), "the file that ran out of space comes first: " + e);
        assertEquals(source.toString(), e.getOtherFile(), e.toString());
        assertFalse(Files.exists(target), "the half-written target was left behind");
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "ext4 to {0}, {1}")
    @MethodSource("copyingModes")
    void replaceExisting_biggerThanTheFreeSpace_leavesTheExistingTargetWhollyOld(Small fs, ReflinkCopyOption mode)
            throws IOException {
        Path into = Files.createDirectory(MOUNTS.get(fs).resolve("into"));
        Path target = writeRandomFile(into.resolve("target"), MIB, 2);
        Path source = bigFile(directoryOn(TestFileSystem.EXT4).resolve("source"), usable(into) + 4 * MIB, 3);
        NothingLost before = NothingLost.snapshot(source.getParent(), into);

        FileSystemException e =
                assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, mode, REPLACE_EXISTING));

        NothingLost.assertMentions(e, "No space left on device");
        assertEquals(target.toString(), e.getFile(), "the exception names the target: " + e);
        before.assertUnchanged(); // the target with its old bytes and inode, no temporary file beside it
    }

    /**
     * The file system is filled with a filler file until a write fails with ENOSPC, then a file
     * already on it is copied on it: on btrfs not even the metadata of the new inode fits, so a
     * clone (which needs no data space) fails too, as ENOSPC, and AUTO does not fall back. (On
     * ext4, which cannot clone, this is the case above again, so only btrfs runs it.)
     */
    @ParameterizedTest(name = "a filled btrfs, {0}, over an existing target: {1}")
    @MethodSource("everyMode")
    void clone_withinAFilledBtrfs_failsWithEnospc_inEveryMode_andLosesNothing(
            ReflinkCopyOption mode, boolean existingTarget) throws IOException {
        Path dir = Files.createDirectory(MOUNTS.get(Small.BTRFS).resolve("dir"));
        Path source = writeRandomFile(dir.resolve("source"), 4 * MIB, 4);
        Path target = dir.resolve("target");
        if (existingTarget) {
            writeRandomFile(target, 64 * 1024, 5);
        }
        fill(dir.resolve("filler"));
        NothingLost before = NothingLost.snapshot(dir);
        CopyOption[] options = existingTarget ? new CopyOption[] {mode, REPLACE_EXISTING} : new CopyOption[] {mode};

        IOException e = assertThrows(IOException.class, () -> Reflink.copy(source, target, options));

        assertInstanceOf(FileSystemException.class, e, "no space is a file system error, not a failed clone: " + e);
        assertFalse(e instanceof ReflinkException, "no space must not read as 'cannot clone': " + e);
        NothingLost.assertMentions(e, "No space left on device");
        assertEquals(target.toString(), ((FileSystemException) e).getFile(), "the exception names the target: " + e);
        before.assertUnchanged();
    }

    @ParameterizedTest(name = "ext4 to {0}")
    @EnumSource(Small.class)
    void treeCopy_thatRunsOutOfSpace_reportsEveryFileThatDidNotFit_keepsTheSource_andLeavesNoPartialFile(Small fs)
            throws IOException {
        Path into = MOUNTS.get(fs);
        Path source = directoryOn(TestFileSystem.EXT4).resolve("tree");
        int files = 6;
        long each = usable(into) / 4; // six files of a quarter of the free space each: two cannot fit
        for (int i = 0; i < files; i++) {
            bigFile(source.resolve(i % 2 == 0 ? "a" : "b").resolve("file-" + i), each, 10 + i);
        }
        Path target = into.resolve("copy");
        NothingLost before = NothingLost.snapshot(source);

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().parallelism(2));

        assertFalse(summary.succeeded(), "a tree larger than the free space copied: " + summary);
        assertEquals(
                files, summary.files() + summary.failures().size(), "every file either copied or reported: " + summary);
        for (TreeCopyFailure failure : summary.failures()) {
            assertInstanceOf(FileSystemException.class, failure.error(), failure.toString());
            NothingLost.assertMentions(failure.error(), "No space left on device");
            assertEquals(
                    failure.target().toString(),
                    ((FileSystemException) failure.error()).getFile(),
                    "the error names the target: " + failure);
            assertFalse(Files.exists(failure.target()), "a partial file was left: " + failure.target());
        }
        List<Path> copied;
        try (Stream<Path> walk = Files.walk(target)) {
            copied = walk.filter(Files::isRegularFile).toList();
        }
        assertEquals(summary.files(), copied.size(), "files in the target: " + copied);
        for (Path copy : copied) {
            assertSameContent(source.resolve(target.relativize(copy)), copy);
        }
        before.assertUnchanged(); // the source tree; no descriptor left open
        assertEquals(List.of(), Leaks.temporaryFiles(target));
    }

    /** The space a new file may take in {@code directory}. */
    private static long usable(Path directory) throws IOException {
        return Files.getFileStore(directory).getUsableSpace();
    }

    /** {@code size} bytes that no block is like another's (1 MiB of random bytes, each block stamped with its number). */
    private static Path bigFile(Path file, long size, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        byte[] chunk = randomBytes(MIB, seed);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0, n = 0; written < size; n++) {
                for (int block = 0; block < MIB; block += 4096) {
                    chunk[block] = (byte) n;
                    chunk[block + 1] = (byte) (n >> 8);
                }
                int length = (int) Math.min(MIB, size - written);
                out.write(chunk, 0, length);
                written += length;
            }
        }
        return file;
    }

    /** Writes zeros into {@code filler} until the file system says ENOSPC, then commits. */
    private static void fill(Path filler) {
        Shell filled = Shell.exec(
                "dd if=/dev/zero of=\"$1\" bs=64k status=none; sync -f \"$1\"; "
                        + "dd if=/dev/zero of=\"$1\" bs=4k oflag=append conv=notrunc status=none; sync -f \"$1\"",
                filler.toString());
        assertTrue(filled.stderr().contains("No space left on device"), "could not fill: " + filled);
    }
}
