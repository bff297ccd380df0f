package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.CopyOption;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.tests.support.NothingLost;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.function.ThrowingSupplier;
import org.opentest4j.AssertionFailedError;

/**
 * What the public API does with input it cannot copy: null arguments, impossible ranges,
 * special files, the same file twice, a tree into itself, link loops, paths of other providers
 * and contradictory options. Every refusal is the documented exception, thrown before anything is
 * written, and nothing is lost or left behind; nothing hangs (each call that could block, on a
 * FIFO above all, runs under a generous hang guard, which is no timing assertion).
 */
class BadInputTest extends RealFileSystemTest {
    private static final Duration HANG_GUARD = Duration.ofSeconds(30);
    private static final int SIZE = 10_000;

    private static <T> T guarded(ThrowingSupplier<T> call) {
        return assertTimeoutPreemptively(HANG_GUARD, call, "hung: a call that must fail at once");
    }

    private static <T extends Throwable> T throwsGuarded(Class<T> expected, Executable call) {
        return guarded(() -> assertThrows(expected, call));
    }

    /** A check whose failure starts with {@code name}, so that one of many in an assertAll can be told. */
    private static Executable named(String name, Executable check) {
        return () -> {
            try {
                check.execute();
            } catch (AssertionFailedError e) {
                throw new AssertionFailedError(name + ": " + e.getMessage(), e);
            }
        };
    }

    // ---- null arguments

    @Test
    void nullArguments_throwNullPointerExceptionNamingTheArgument_beforeAnythingIsWritten() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 1);
        Path target = dir.resolve("target");
        Map<String, Executable> calls = new LinkedHashMap<>();
        NothingLost before;
        try (FileChannel in = FileChannel.open(source);
                FileChannel out = FileChannel.open(
                        dir.resolve("open-target"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            before = NothingLost.snapshot(dir);
            calls.put("source: copy(null, target)", () -> Reflink.copy(null, target));
            calls.put("target: copy(source, null)", () -> Reflink.copy(source, null));
            calls.put(
                    "option: copy(source, target, (CopyOption) null)",
                    () -> Reflink.copy(source, target, (CopyOption) null));
            calls.put(
                    "options: copy(source, target, (CopyOption[]) null)",
                    () -> Reflink.copy(source, target, (CopyOption[]) null));
            calls.put("source: always(null, target)", () -> Reflink.always(null, target));
            calls.put("target: auto(source, null)", () -> Reflink.auto(source, null));
            calls.put(
                    "source: partial(null, ...)",
                    () -> Reflink.partial((Path) null, 0, target, 0, 1, ReflinkCopyOption.AUTO));
            calls.put(
                    "target: partial(source, 0, null, ...)",
                    () -> Reflink.partial(source, 0, (Path) null, 0, 1, ReflinkCopyOption.AUTO));
            calls.put(
                    "mode: partial(source, 0, target, 0, 1, null)",
                    () -> Reflink.partial(source, 0, target, 0, 1, null));
            calls.put(
                    "source: partial((FileChannel) null, ...)",
                    () -> Reflink.partial((FileChannel) null, 0, out, 0, 1, ReflinkCopyOption.AUTO));
            calls.put(
                    "target: partial(in, 0, (FileChannel) null, ...)",
                    () -> Reflink.partial(in, 0, (FileChannel) null, 0, 1, ReflinkCopyOption.AUTO));
            calls.put("mode: partial(in, 0, out, 0, 1, null)", () -> Reflink.partial(in, 0, out, 0, 1, null));
            calls.put("source: reflink(null, out, AUTO)", () -> Reflink.reflink(null, out, ReflinkCopyOption.AUTO));
            calls.put("target: reflink(in, null, AUTO)", () -> Reflink.reflink(in, null, ReflinkCopyOption.AUTO));
            calls.put("mode: reflink(in, out, null)", () -> Reflink.reflink(in, out, null));
            calls.put("source: copyTree(null, target)", () -> Reflink.copyTree(null, target));
            calls.put("target: copyTree(dir, null)", () -> Reflink.copyTree(dir, null));
            calls.put(
                    "settings: copyTree(dir, target, (TreeCopy) null)",
                    () -> Reflink.copyTree(dir, target, (TreeCopy) null));
            calls.put("source: dedupe(null, target)", () -> Reflink.dedupe(null, source));
            calls.put("target: dedupe(source, null)", () -> Reflink.dedupe(source, null));
            calls.put("root: dedupeTree(null)", () -> Reflink.dedupeTree(null));
            calls.put("roots: dedupeTree(null, settings)", () -> Reflink.dedupeTree(null, TreeDedupe.options()));
            calls.put(
                    "root: dedupeTree([null], settings)",
                    () -> Reflink.dedupeTree(java.util.Arrays.asList((Path) null), TreeDedupe.options()));
            calls.put("settings: dedupeTree(roots, null)", () -> Reflink.dedupeTree(List.of(dir), null));
            calls.put(
                    "listener: TreeDedupe.options().listener(null)",
                    () -> TreeDedupe.options().listener(null));
            calls.put("file: sharing(null)", () -> Reflink.sharing(null));
            calls.put("directory: isSupported(null)", () -> Reflink.isSupported(null));
            calls.put("directory: removeLeftovers(null)", () -> Reflink.removeLeftovers(null));
            calls.put("directory: removeLeftovers(null, spared)", () -> Reflink.removeLeftovers(null, List.of()));
            calls.put("spared: removeLeftovers(dir, null)", () -> Reflink.removeLeftovers(dir, null));
            calls.put("path: wrap((Path) null)", () -> Reflink.wrap((Path) null));
            calls.put("fileSystem: wrap((FileSystem) null)", () -> Reflink.wrap((FileSystem) null));
            calls.put(
                    "listener: TreeCopy.options().listener(null)",
                    () -> TreeCopy.options().listener(null));
            calls.put("name: ReflinkCopyOption.fromName(null)", () -> ReflinkCopyOption.fromName(null));
            assertAll(calls.entrySet().stream()
                    .map(call -> named(call.getKey(), () -> {
                        String argument =
                                call.getKey().substring(0, call.getKey().indexOf(':'));
                        NullPointerException e = throwsGuarded(NullPointerException.class, call.getValue());
                        assertTrue(
                                String.valueOf(e.getMessage()).contains(argument),
                                "the message does not name '" + argument + "': " + e);
                    })));
        }
        before.assertUnchanged();
    }

    // ---- ranges

    @Test
    void negativeOrOverflowingRanges_throwIllegalArgumentException_beforeTheTargetIsCreatedOrWritten()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 2);
        Path absent = dir.resolve("absent");
        Path existing = writeRandomFile(dir.resolve("existing"), SIZE, 3);
        long[][] ranges = {
            {-1, 0, 1},
            {0, -1, 1},
            {0, 0, -1},
            {Long.MIN_VALUE, 0, 1},
            {Long.MAX_VALUE, 0, 1},
            {0, Long.MAX_VALUE, 1},
            {1, 0, Long.MAX_VALUE},
            {0, 1, Long.MAX_VALUE}
        };
        NothingLost before;
        try (FileChannel in = FileChannel.open(source);
                FileChannel out = FileChannel.open(existing, StandardOpenOption.WRITE)) {
            before = NothingLost.snapshot(dir);
            assertAll(Arrays.stream(ranges)
                    .flatMap(r -> Stream.of(ReflinkCopyOption.values()).flatMap(mode -> {
                        String range = Arrays.toString(r) + " " + mode;
                        return Stream.of(
                                named(
                                        "new target " + range,
                                        () -> throwsGuarded(
                                                IllegalArgumentException.class,
                                                () -> Reflink.partial(source, r[0], absent, r[1], r[2], mode))),
                                named(
                                        "existing target " + range,
                                        () -> throwsGuarded(
                                                IllegalArgumentException.class,
                                                () -> Reflink.partial(source, r[0], existing, r[1], r[2], mode))),
                                named(
                                        "channels " + range,
                                        () -> throwsGuarded(
                                                IllegalArgumentException.class,
                                                () -> Reflink.partial(in, r[0], out, r[1], r[2], mode))));
                    })));
            assertEquals(0, out.position(), "the channel's position moved");
        }
        before.assertUnchanged();
    }

    @Test
    void rangePastTheSourcesEnd_copiesWhatExists_andARangeWhollyPastIt_copiesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 4);
        byte[] bytes = Files.readAllBytes(source);
        Path tail = dir.resolve("tail");
        Path nothing = dir.resolve("nothing");
        NothingLost before = NothingLost.snapshot(dir);

        CopyResult partly = guarded(() -> Reflink.partial(source, 6000, tail, 0, SIZE, ReflinkCopyOption.AUTO));
        CopyResult none = guarded(() -> Reflink.partial(source, 2 * SIZE, nothing, 0, SIZE, ReflinkCopyOption.AUTO));

        assertEquals(SIZE - 6000, partly.bytes(), partly.toString());
        assertArrayEquals(Arrays.copyOfRange(bytes, 6000, SIZE), Files.readAllBytes(tail));
        assertEquals(CopyMethod.NONE, none.method(), none.toString());
        assertEquals(0, none.bytes(), none.toString());
        // documented: an absent target is created, so one that receives no byte is an empty file
        assertEquals(0, Files.size(nothing));
        Files.delete(nothing);
        before.assertUnchangedExcept(tail, Arrays.copyOfRange(bytes, 6000, SIZE));
    }

    // ---- special files

    /** A directory, a FIFO, a socket, /dev/null and /dev/zero: none is a regular file. */
    private static Map<String, Path> specialFiles(Path dir) throws IOException {
        Map<String, Path> specials = new LinkedHashMap<>();
        specials.put("a directory", Files.createDirectory(dir.resolve("directory")));
        Path fifo = dir.resolve("fifo");
        Shell.run("mkfifo \"$1\"", fifo.toString());
        specials.put("a FIFO", fifo);
        specials.put("a socket", dir.resolve("socket"));
        specials.put("/dev/null", Path.of("/dev/null"));
        specials.put("/dev/zero", Path.of("/dev/zero"));
        return specials;
    }

    /** A UNIX socket bound at {@code path}, so that a socket file is there while it is open. */
    private static ServerSocketChannel listenAt(Path path) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(path));
        return channel;
    }

    @Test
    void rangeCopy_fromADirectoryFifoSocketOrDevice_failsNamingIt_neverHangs_andCreatesNoTarget() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Map<String, Path> specials = specialFiles(dir);
        try (ServerSocketChannel socket = listenAt(specials.get("a socket"))) {
            NothingLost before = NothingLost.snapshot(dir);
            Map<String, Executable> checks = new LinkedHashMap<>();
            specials.forEach((what, special) -> {
                Path target = dir.resolve("from-" + special.getFileName());
                checks.put("from " + what, () -> {
                    FileSystemException e = throwsGuarded(
                            FileSystemException.class,
                            () -> Reflink.partial(special, 0, target, 0, SIZE, ReflinkCopyOption.AUTO));
                    assertEquals(special.toString(), e.getFile(), e.toString());
                });
            });
            assertAll(checks.entrySet().stream().map(check -> named(check.getKey(), check.getValue())));
            before.assertUnchanged();
        }
    }

    @Test
    void rangeCopy_intoADirectoryOrSocket_failsNamingIt_andWritesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 5);
        Map<String, Path> specials = specialFiles(dir);
        try (ServerSocketChannel socket = listenAt(specials.get("a socket"))) {
            NothingLost before = NothingLost.snapshot(dir);
            assertAll(Stream.of("a directory", "a socket")
                    .map(what -> named("into " + what, () -> {
                        FileSystemException e = throwsGuarded(
                                FileSystemException.class,
                                () -> Reflink.partial(source, 0, specials.get(what), 0, SIZE, ReflinkCopyOption.AUTO));
                        assertEquals(specials.get(what).toString(), e.getFile(), e.toString());
                    })));
            before.assertUnchanged();
        }
    }

    /**
     * A FIFO or a device as the target of a range copy: refused as "not a regular file", at once;
     * nothing is written into it.
     */
    @Test
    void rangeCopy_intoAFifoOrDevice_failsNamingIt_neverHangs_andWritesNothing() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 5);
        Map<String, Path> specials = specialFiles(dir);
        Path fifo = specials.get("a FIFO");
        NothingLost before = NothingLost.snapshot(dir);
        assertAll(Stream.of("a FIFO", "/dev/null", "/dev/zero")
                .map(what -> named("into " + what, () -> {
                    FileSystemException e = throwsGuarded(
                            FileSystemException.class,
                            () -> releasingFifo(
                                    fifo,
                                    () -> Reflink.partial(
                                            source, 0, specials.get(what), 0, SIZE, ReflinkCopyOption.AUTO)));
                    assertEquals(specials.get(what).toString(), e.getFile(), e.toString());
                    NothingLost.assertMentions(e, "not a regular file");
                })));
        before.assertUnchanged();
    }

    /** Runs {@code call}; if it hangs on the FIFO (an open for writing waits for a reader), a reader ends the wait. */
    private static Object releasingFifo(Path fifo, Executable call) throws Throwable {
        try {
            return assertTimeoutPreemptively(HANG_GUARD, () -> {
                call.execute();
                return null;
            });
        } catch (AssertionFailedError hung) {
            Shell.exec("exec 3<>\"$1\"", fifo.toString()); // an open for reading and writing never waits
            throw hung;
        }
    }

    @Test
    void channelCopy_fromACharacterDevice_failsAndLeavesTheTargetAsItWas() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path target = writeRandomFile(dir.resolve("target"), SIZE, 6);
        NothingLost before = NothingLost.snapshot(dir);
        Map<String, Object> outcomes = new LinkedHashMap<>();
        try (FileChannel zero = FileChannel.open(Path.of("/dev/zero"));
                FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE)) {
            outcomes.put("reflink", outcome(() -> Reflink.reflink(zero, out, ReflinkCopyOption.AUTO)));
            outcomes.put("partial", outcome(() -> Reflink.partial(zero, 0, out, 0, SIZE, ReflinkCopyOption.AUTO)));
        }
        before.assertUnchanged(); // first: whatever was thrown, the target must be as it was
        outcomes.forEach((call, outcome) -> {
            assertInstanceOf(FileSystemException.class, outcome, call + " from /dev/zero: " + outcome);
            NothingLost.assertMentions((Throwable) outcome, "/dev/zero");
        });
    }

    /** What a call returned, or what it threw. */
    private static Object outcome(ThrowingSupplier<?> call) {
        try {
            return guarded(call);
        } catch (AssertionFailedError hung) {
            throw hung;
        } catch (Throwable thrown) {
            return thrown;
        }
    }

    // ---- the same file

    @Test
    void copy_ofAFileOntoItself_doesNothing_andAnOverlappingRangeOfIt_isIllegal() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path file = writeRandomFile(dir.resolve("file"), 3 * 4096, 7);
        Path hardLink = Files.createLink(dir.resolve("hard-link"), file);
        Path otherSpelling = dir.resolve(".").resolve("file");
        NothingLost before = NothingLost.snapshot(dir);

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            for (Path same : new Path[] {file, hardLink, otherSpelling}) {
                assertEquals(
                        CopyMethod.NONE,
                        guarded(() -> Reflink.copy(file, same, mode)).method(),
                        mode + " " + same);
                assertEquals(
                        CopyMethod.NONE,
                        guarded(() -> Reflink.copy(file, same, mode, REPLACE_EXISTING))
                                .method(),
                        mode + " " + same + " with REPLACE_EXISTING");
            }
            for (Path same : new Path[] {file, hardLink}) {
                IllegalArgumentException e = throwsGuarded(
                        IllegalArgumentException.class, () -> Reflink.partial(file, 0, same, 4096, 8192, mode));
                NothingLost.assertMentions(e, "overlaps");
                try (FileChannel rw = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    throwsGuarded(IllegalArgumentException.class, () -> Reflink.partial(rw, 4096, rw, 0, 8192, mode));
                    assertEquals(
                            CopyMethod.NONE,
                            guarded(() -> Reflink.reflink(rw, rw, mode)).method());
                }
            }
        }
        before.assertUnchanged();
    }

    // ---- trees

    @Test
    void treeCopy_intoItself_isRefusedBeforeAnythingIsCreated() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = dir.resolve("tree");
        writeRandomFile(source.resolve("sub").resolve("file"), SIZE, 8);
        Path linkIntoTree = Files.createSymbolicLink(dir.resolve("link"), source.resolve("sub"));
        NothingLost before = NothingLost.snapshot(dir);

        for (Path target : new Path[] {
            source,
            source.resolve("copy"),
            source.resolve("sub/deeper/copy"),
            linkIntoTree.resolve("copy"),
            dir.resolve("tree/../tree/copy")
        }) {
            FileSystemException e = throwsGuarded(FileSystemException.class, () -> Reflink.copyTree(source, target));
            NothingLost.assertMentions(e, source.toString());
        }
        before.assertUnchanged();
    }

    // ---- symbolic link loops

    @Test
    void aSymbolicLinkLoop_asSource_failsWithEloopNamingIt() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Files.createSymbolicLink(a, b.getFileName());
        Files.createSymbolicLink(b, a.getFileName());
        Path target = dir.resolve("target");
        Path other = writeRandomFile(dir.resolve("other"), SIZE, 9);
        NothingLost before = NothingLost.snapshot(dir);
        Map<String, Executable> calls = new LinkedHashMap<>();
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            calls.put("copy " + mode, () -> Reflink.copy(a, target, mode));
            calls.put("partial " + mode, () -> Reflink.partial(a, 0, target, 0, SIZE, mode));
        }
        calls.put("copyTree", () -> Reflink.copyTree(a, target));
        calls.put("dedupe", () -> Reflink.dedupe(a, other));
        calls.put("sharing", () -> Reflink.sharing(a));

        assertAll(calls.entrySet().stream()
                .map(call -> named(call.getKey(), () -> {
                    FileSystemException e = throwsGuarded(FileSystemException.class, call.getValue());
                    assertEquals(a.toString(), e.getFile(), e.toString());
                    assertTrue(
                            String.valueOf(e.getReason()).contains("Too many levels of symbolic links"),
                            "no ELOOP in " + e);
                })));
        before.assertUnchanged();
    }

    // ---- other providers

    @Test
    void always_withAPathOfAnotherProvider_throwsReflinkUnsupportedExceptionSayingWhy_andWritesNothing()
            throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path local = writeRandomFile(dir.resolve("local"), SIZE, 10);
        Path target = dir.resolve("target");
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix());
                FileSystem zip = FileSystems.newFileSystem(dir.resolve("archive.zip"), Map.of("create", "true"))) {
            Path inJimfs = Files.write(jimfs.getPath("/source"), Files.readAllBytes(local));
            Path inZip = Files.write(zip.getPath("/source"), Files.readAllBytes(local));
            Path jimfsTarget = jimfs.getPath("/target");
            NothingLost before = NothingLost.snapshot(dir);
            Map<String, Executable> calls = new LinkedHashMap<>();
            calls.put("always jimfs to local", () -> Reflink.always(inJimfs, target));
            calls.put("always zip to local", () -> Reflink.always(inZip, target));
            calls.put("copy ALWAYS local to jimfs", () -> Reflink.copy(local, jimfsTarget, ReflinkCopyOption.ALWAYS));
            calls.put(
                    "partial ALWAYS jimfs",
                    () -> Reflink.partial(inJimfs, 0, target, 0, SIZE, ReflinkCopyOption.ALWAYS));
            calls.put(
                    "copyTree ALWAYS jimfs",
                    () -> Reflink.copyTree(jimfs.getPath("/"), target, ReflinkCopyOption.ALWAYS));
            calls.put(
                    "Files.copy ALWAYS wrapped jimfs",
                    () -> Files.copy(Reflink.wrap(inJimfs), Reflink.wrap(jimfsTarget), ReflinkCopyOption.ALWAYS));
            calls.put("dedupe jimfs", () -> Reflink.dedupe(inJimfs, local));
            calls.put("dedupeTree jimfs", () -> Reflink.dedupeTree(jimfs.getPath("/")));
            calls.put("sharing jimfs", () -> Reflink.sharing(inJimfs));

            assertAll(calls.entrySet().stream()
                    .map(call -> named(call.getKey(), () -> {
                        ReflinkUnsupportedException e =
                                throwsGuarded(ReflinkUnsupportedException.class, call.getValue());
                        assertTrue(e.getMessage().contains("not the platform's own"), "no reason in " + e);
                    })));
            assertFalse(Files.exists(jimfsTarget), "a target was written in Jimfs");
            before.assertUnchanged();
            // where no clone is demanded, the copy goes through the other provider
            assertEquals(
                    SIZE, Reflink.copy(inZip, target, ReflinkCopyOption.AUTO).bytes());
            assertSameContent(local, target);
        }
    }

    // ---- options

    @Test
    void unknownOrConflictingOptions_throwTheDocumentedException_beforeAnythingIsWritten() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 11);
        Path tree =
                writeRandomFile(dir.resolve("tree").resolve("file"), SIZE, 12).getParent();
        Path target = dir.resolve("target");
        Path wrappedSource = Reflink.wrap(source);
        Path wrappedTarget = Reflink.wrap(target);
        CopyOption unknown = new CopyOption() {
            @Override
            public String toString() {
                return "UNKNOWN";
            }
        };
        NothingLost before = NothingLost.snapshot(dir);
        Map<String, Executable> illegal = new LinkedHashMap<>();
        illegal.put(
                "copy ALWAYS NEVER",
                () -> Reflink.copy(source, target, ReflinkCopyOption.ALWAYS, ReflinkCopyOption.NEVER));
        illegal.put("always(NEVER)", () -> Reflink.always(source, target, ReflinkCopyOption.NEVER));
        illegal.put("auto(ALWAYS)", () -> Reflink.auto(source, target, ReflinkCopyOption.ALWAYS));
        illegal.put(
                "Files.copy ALWAYS NEVER",
                () -> Files.copy(wrappedSource, wrappedTarget, ReflinkCopyOption.ALWAYS, ReflinkCopyOption.NEVER));
        illegal.put(
                "copyTree AUTO NEVER",
                () -> Reflink.copyTree(
                        tree, dir.resolve("tree-copy"), ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER));
        illegal.put("parallelism 0", () -> TreeCopy.options().parallelism(0));
        illegal.put("fromName", () -> ReflinkCopyOption.fromName("sometimes"));
        Map<String, Executable> unsupported = new LinkedHashMap<>();
        unsupported.put("copy ATOMIC_MOVE", () -> Reflink.copy(source, target, StandardCopyOption.ATOMIC_MOVE));
        unsupported.put("copy unknown", () -> Reflink.copy(source, target, unknown));
        unsupported.put("Files.copy unknown", () -> Files.copy(wrappedSource, wrappedTarget, unknown));
        unsupported.put(
                "copyTree ATOMIC_MOVE",
                () -> Reflink.copyTree(tree, dir.resolve("tree-copy"), StandardCopyOption.ATOMIC_MOVE));
        // documented on ReflinkCopyOption: between a reflink path and a plain one the JDK copies, and refuses it
        unsupported.put(
                "Files.copy wrapped to plain ALWAYS",
                () -> Files.copy(wrappedSource, target, ReflinkCopyOption.ALWAYS));

        assertAll(Stream.concat(
                illegal.entrySet().stream()
                        .map(call -> named(
                                call.getKey(), () -> throwsGuarded(IllegalArgumentException.class, call.getValue()))),
                unsupported.entrySet().stream()
                        .map(call -> named(
                                call.getKey(),
                                () -> throwsGuarded(UnsupportedOperationException.class, call.getValue())))));
        before.assertUnchanged();
    }
}
