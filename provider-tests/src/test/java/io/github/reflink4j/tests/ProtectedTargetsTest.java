package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.CopyOption;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkException;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Targets the kernel protects: immutable and append-only files and directories (chattr +i, +a),
 * a read-only mount (EROFS), a file-size limit (EFBIG), a btrfs nodatacow directory, and files
 * an unprivileged user may not read or write. Each copy fails with the typed NIO exception
 * naming the path the kernel refused and the reason, or, where the kernel allows it, succeeds;
 * either way nothing is lost and nothing is left.
 */
class ProtectedTargetsTest extends RealFileSystemTest {
    private static final int NOBODY = 65534;
    private static final int SIZE = 200_000;

    /** Where a chattr flag is set: on the existing target, or on the target's directory. */
    enum On {
        TARGET_FILE,
        TARGET_DIRECTORY
    }

    /**
     * Copies for another JVM (run as another user, or under a ulimit): each group of four
     * arguments (mode, "replace" or "new", source, target) is one copy, reported on one line as
     * {@code case N: ok METHOD BYTES} or {@code case N: ExceptionClass|file|other|message}.
     */
    public static final class CopyCases {
        public static void main(String[] args) {
            for (int i = 0; i + 3 < args.length; i += 4) {
                ReflinkCopyOption mode = ReflinkCopyOption.valueOf(args[i]);
                CopyOption[] options = "replace".equals(args[i + 1])
                        ? new CopyOption[] {mode, REPLACE_EXISTING}
                        : new CopyOption[] {mode};
                String outcome;
                try {
                    CopyResult result = Reflink.copy(Path.of(args[i + 2]), Path.of(args[i + 3]), options);
                    outcome = "ok " + result.method() + " " + result.bytes();
                } catch (FileSystemException e) {
                    outcome = e.getClass().getSimpleName() + "|" + e.getFile() + "|" + e.getOtherFile() + "|"
                            + e.getMessage();
                } catch (Throwable e) {
                    outcome = e.getClass().getSimpleName() + "|||" + e.getMessage();
                }
                System.out.println("case " + i / 4 + ": " + outcome.replace('\n', ' '));
            }
        }
    }

    /** One line of CopyCases' output. */
    record Outcome(String line) {
        String exception() {
            return line.startsWith("ok ") ? "none" : line.split("\\|", -1)[0];
        }

        String file() {
            return line.split("\\|", -1)[1];
        }

        String message() {
            return line.split("\\|", 4)[3];
        }
    }

    private static List<Outcome> outcomes(ForkedJvm.Result result, int cases) {
        assertEquals(0, result.exitCode(), "the forked JVM died (a signal such as SIGXFSZ?): " + result.output());
        List<Outcome> outcomes = new ArrayList<>();
        for (String line : result.output().split("\n")) {
            if (line.startsWith("case " + outcomes.size() + ": ")) {
                outcomes.add(new Outcome(line.substring(line.indexOf(": ") + 2)));
            }
        }
        assertEquals(cases, outcomes.size(), "one line per case in: " + result.output());
        return outcomes;
    }

    // ---- chattr +i and +a

    static Stream<Arguments> protectedTargets() {
        List<Arguments> all = new ArrayList<>();
        for (TestFileSystem fs : new TestFileSystem[] {TestFileSystem.BTRFS, TestFileSystem.EXT4}) {
            for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
                if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                    continue;
                }
                for (String flag : new String[] {"i", "a"}) {
                    all.add(Arguments.of(fs, mode, flag, On.TARGET_FILE, true, true));
                    all.add(Arguments.of(fs, mode, flag, On.TARGET_FILE, true, false));
                    all.add(Arguments.of(fs, mode, flag, On.TARGET_DIRECTORY, false, false));
                    if ("i".equals(flag)) { // +a: see replaceExisting_inAnAppendOnlyDirectory_leavesNoTemporaryFile
                        all.add(Arguments.of(fs, mode, flag, On.TARGET_DIRECTORY, true, true));
                    }
                    all.add(Arguments.of(fs, mode, flag, On.TARGET_DIRECTORY, true, false));
                }
            }
        }
        return all.stream();
    }

    /**
     * What the kernel allows: an immutable file or directory changes in no way; an append-only
     * directory takes new names but loses none (so a new target can be made in it, but no
     * temporary file can be renamed over an existing one, nor removed again); an append-only file
     * cannot be replaced. Without REPLACE_EXISTING an existing target is refused first.
     */
    @ParameterizedTest(name = "{0}, {1}, chattr +{2} on the {3}, existing target {4}, REPLACE_EXISTING {5}")
    @MethodSource("protectedTargets")
    void copy_ontoAnImmutableOrAppendOnlyTarget_isRefusedNamingTheTarget_andLosesNothing(
            TestFileSystem fs, ReflinkCopyOption mode, String flag, On on, boolean existing, boolean replace)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 1);
        Path into = Files.createDirectory(dir.resolve("protected"));
        Path target = into.resolve("target");
        if (existing) {
            writeRandomFile(target, SIZE / 2, 2);
        }
        Path flagged = on == On.TARGET_FILE ? target : into;
        Shell set = Shell.exec("chattr +" + flag + " \"$1\"", flagged.toString());
        if (set.exitCode() != 0) {
            TestFileSystem.unavailable(fs + " cannot take chattr +" + flag + " here: " + set.stderr());
        }
        CopyOption[] options = replace ? new CopyOption[] {mode, REPLACE_EXISTING} : new CopyOption[] {mode};
        boolean allowed = "a".equals(flag) && on == On.TARGET_DIRECTORY && !existing;
        try {
            NothingLost before = NothingLost.snapshot(dir);
            if (allowed) {
                CopyResult result = Reflink.copy(source, target, options);
                assertEquals(SIZE, result.bytes(), result.toString());
                before.assertUnchangedExcept(target, Files.readAllBytes(source));
                assertSameContent(source, target);
                return;
            }
            FileSystemException e =
                    assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, options));
            if (existing && !replace) {
                assertInstanceOf(FileAlreadyExistsException.class, e);
            } else {
                assertInstanceOf(AccessDeniedException.class, e, "EPERM is access denied: " + e);
                NothingLost.assertMentions(e, "Operation not permitted");
            }
            assertEquals(target.toString(), e.getFile(), "the exception names the target: " + e);
            before.assertUnchanged();
        } finally {
            Shell.run("chattr -" + flag + " \"$1\"", flagged.toString());
        }
    }

    /**
     * An append-only directory takes the temporary file but lets it be neither renamed over the
     * target nor removed again: the copy must find this out before it writes a whole copy of the
     * source there, for no file can be removed from it afterwards.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("modesOnBtrfsAndExt4")
    void replaceExisting_inAnAppendOnlyDirectory_isRefusedNamingTheTarget_andLeavesNoTemporaryFile(
            TestFileSystem fs, ReflinkCopyOption mode) throws IOException {
        copy_ontoAnImmutableOrAppendOnlyTarget_isRefusedNamingTheTarget_andLosesNothing(
                fs, mode, "a", On.TARGET_DIRECTORY, true, true);
    }

    static Stream<Arguments> modesOnBtrfsAndExt4() {
        return Stream.of(TestFileSystem.BTRFS, TestFileSystem.EXT4)
                .flatMap(fs -> Stream.of(ReflinkCopyOption.values())
                        .filter(mode -> fs.clones() || mode != ReflinkCopyOption.ALWAYS)
                        .map(mode -> Arguments.of(fs, mode)));
    }

    // ---- read-only mount

    static Stream<Arguments> modesAndTargets() {
        return Stream.of(TestFileSystem.BTRFS, TestFileSystem.EXT4)
                .flatMap(fs -> Stream.of(ReflinkCopyOption.values())
                        .filter(mode -> fs.clones() || mode != ReflinkCopyOption.ALWAYS)
                        .flatMap(mode -> Stream.of(Arguments.of(fs, mode, false), Arguments.of(fs, mode, true))));
    }

    @ParameterizedTest(name = "{0}, {1}, over an existing target {2}")
    @MethodSource("modesAndTargets")
    void copy_intoAReadOnlyBindMount_failsWithErofsNamingTheTarget_andLosesNothing(
            TestFileSystem fs, ReflinkCopyOption mode, boolean existing) throws IOException {
        requireRoot("a read-only bind mount");
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 3);
        Path readOnly = Files.createDirectory(dir.resolve("read-only"));
        Path target = readOnly.resolve("target");
        if (existing) {
            writeRandomFile(target, SIZE / 2, 4);
        }
        Shell.run(
                "mount --bind \"$1\" \"$1\" && mount -o remount,bind,ro \"$1\" || { umount \"$1\"; exit 1; }",
                readOnly.toString());
        try {
            NothingLost before = NothingLost.snapshot(dir);
            CopyOption[] options = existing ? new CopyOption[] {mode, REPLACE_EXISTING} : new CopyOption[] {mode};

            FileSystemException e =
                    assertThrows(FileSystemException.class, () -> Reflink.copy(source, target, options));

            assertFalse(e instanceof ReflinkException, "EROFS is not a failed clone: " + e);
            NothingLost.assertMentions(e, "Read-only file system");
            assertEquals(target.toString(), e.getFile(), "the exception names the target: " + e);
            before.assertUnchanged();
        } finally {
            Shell.run("umount \"$1\"", readOnly.toString());
        }
    }

    // ---- file-size limit

    /**
     * {@code ulimit -f} (RLIMIT_FSIZE) below the source's size, in a JVM of its own: the kernel
     * refuses the write past the limit with EFBIG (HotSpot ignores SIGXFSZ, which would otherwise
     * kill it; the forked JVM's exit code shows it survived), and the copy fails with "File too
     * large" naming the target, removing a new one and keeping an old one. On btrfs AUTO's clone is
     * refused too (EINVAL, for a clone that would pass the limit) and it falls back to a copy that
     * then meets EFBIG.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copy_pastTheFileSizeLimit_failsWithEfbigNamingTheTarget_andLosesNothing(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 2 << 20, 5);
        Map<String, String[]> cases = new LinkedHashMap<>();
        for (ReflinkCopyOption mode : new ReflinkCopyOption[] {ReflinkCopyOption.NEVER, ReflinkCopyOption.AUTO}) {
            Path existing = writeRandomFile(dir.resolve("existing-" + mode), 100_000, 6);
            cases.put(mode + " new", new String[] {
                mode.name(),
                "new",
                source.toString(),
                dir.resolve("new-" + mode).toString()
            });
            cases.put(
                    mode + " existing", new String[] {mode.name(), "replace", source.toString(), existing.toString()});
        }
        NothingLost before = NothingLost.snapshot(dir);

        ForkedJvm.Result result = ForkedJvm.of(CopyCases.class)
                .shell("ulimit -f 1024") // 1 MiB
                .jvmOptions("-XX:-UsePerfData")
                .run(60, cases.values().stream().flatMap(Stream::of).toArray(String[]::new));

        List<Outcome> outcomes = outcomes(result, cases.size());
        List<String> names = new ArrayList<>(cases.keySet());
        assertAll(Stream.iterate(0, i -> i < names.size(), i -> i + 1).map(i -> () -> {
            Outcome outcome = outcomes.get(i);
            assertEquals("FileSystemException", outcome.exception(), names.get(i) + ": " + outcome);
            assertTrue(outcome.message().contains("File too large"), names.get(i) + ": " + outcome);
            assertEquals(cases.get(names.get(i))[3], outcome.file(), names.get(i) + " names the target: " + outcome);
        }));
        before.assertUnchanged();
    }

    // ---- btrfs nodatacow

    @Test
    void copy_ofACopyOnWriteFile_intoANodatacowDirectory_cannotClone_alwaysFailsSayingWhy_autoCopiesTheBytes()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 7);
        Path noCow = Files.createDirectory(dir.resolve("nodatacow"));
        Shell.run("chattr +C \"$1\" && lsattr -d \"$1\" | grep -q '^[^ ]*C'", noCow.toString());
        Path always = noCow.resolve("always");
        Path auto = noCow.resolve("auto");
        NothingLost before = NothingLost.snapshot(dir);

        ReflinkFailedException e = assertThrows(
                ReflinkFailedException.class, () -> Reflink.copy(source, always, ReflinkCopyOption.ALWAYS));
        before.assertUnchanged();
        CopyResult result = Reflink.copy(source, auto, ReflinkCopyOption.AUTO);

        assertEquals("EINVAL", e.errnoName(), e.toString());
        NothingLost.assertMentions(e, "nodatacow");
        assertEquals(source.toString(), e.getFile(), e.toString());
        assertEquals(always.toString(), e.getOtherFile(), e.toString());
        assertNotEquals(CopyMethod.CLONE, result.method(), result.toString());
        assertEquals(0, result.clonedBytes(), "a nodatacow file cannot share blocks: " + result);
        assertEquals(1 << 20, result.bytes(), result.toString());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(auto));
        assertTrue(Extents.noneShared(auto), "filefrag shows a shared extent in the nodatacow copy");
        assertTrue(Extents.noneShared(source), "filefrag shows a shared extent in the source");
        before.assertUnchangedExcept(auto, Files.readAllBytes(source));
    }

    // ---- an unprivileged user

    /**
     * As nobody: a source only root may read (mode 000) is refused with AccessDeniedException
     * naming the source; a target in a directory only root may write is refused naming the target.
     * Nothing is created, in any mode.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void copy_byAnUnprivilegedUser_ofAnUnreadableSourceOrIntoAnUnwritableDirectory_isAccessDeniedNamingThePath(
            TestFileSystem fs) throws IOException {
        requireRoot("running a copy as nobody");
        Path dir = directoryOn(fs);
        Files.setAttribute(dir, "unix:mode", 0755);
        Path writable = Files.createDirectory(dir.resolve("writable"));
        Files.setAttribute(writable, "unix:mode", 0777);
        Path unwritable = Files.createDirectory(dir.resolve("unwritable")); // root's, 0755
        Files.setAttribute(unwritable, "unix:mode", 0755);
        Path unreadable = writeRandomFile(dir.resolve("unreadable"), SIZE, 8);
        Files.setAttribute(unreadable, "unix:mode", 0);
        Path readable = writeRandomFile(dir.resolve("readable"), SIZE, 9);
        Files.setAttribute(readable, "unix:mode", 0644);
        List<String> arguments = new ArrayList<>();
        List<String[]> expected = new ArrayList<>(); // what is named, and why
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                continue;
            }
            arguments.addAll(List.of(
                    mode.name(),
                    "new",
                    unreadable.toString(),
                    writable.resolve("from-" + mode).toString()));
            expected.add(new String[] {unreadable.toString(), mode + " from an unreadable source"});
            arguments.addAll(List.of(
                    mode.name(),
                    "new",
                    readable.toString(),
                    unwritable.resolve("into-" + mode).toString()));
            expected.add(
                    new String[] {unwritable.resolve("into-" + mode).toString(), mode + " into an unwritable directory"
                    });
        }
        NothingLost before = NothingLost.snapshot(dir);

        ForkedJvm.Result result =
                ForkedJvm.of(CopyCases.class).asUser(NOBODY).run(60, arguments.toArray(String[]::new));

        List<Outcome> outcomes = outcomes(result, expected.size());
        assertAll(Stream.iterate(0, i -> i < expected.size(), i -> i + 1).map(i -> () -> {
            Outcome outcome = outcomes.get(i);
            String what = expected.get(i)[1];
            assertEquals("AccessDeniedException", outcome.exception(), what + ": " + outcome);
            assertEquals(expected.get(i)[0], outcome.file(), what + ", the path named: " + outcome);
            assertTrue(outcome.message().contains("Permission denied"), what + ": " + outcome);
        }));
        before.assertUnchanged();
    }

    private static void requireRoot(String what) {
        if (!AttributesTest.isRoot()) {
            TestFileSystem.unavailable(what + " needs root");
        }
    }
}
