package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher cli/target/reflink, run as a user runs it, on the JDK running these tests: it
 * copies as {@code java -jar reflink.jar} does, with its output and exit status, makes its
 * class-data sharing archive once per jar and JDK in the cache directory, and loads the
 * command's classes from it afterwards. Whether a class came from the archive is read from the
 * JVM's own class-loading log ({@code -Xlog:class+load}, given through REFLINK4J_JAVA_OPTS).
 */
class LauncherTest {
    private static final String COMMAND_CLASS = "io.github.reflink4j.cli.CpCommand";

    @TempDir
    Path work;

    private Path cacheHome;
    /** The source copied by {@code java -jar reflink.jar}: the mode a copy gets under this umask. */
    private static Path referenceCopy;

    private Path source;
    private byte[] data;

    @BeforeEach
    void aSourceFileAndAnEmptyCache() throws IOException {
        cacheHome = Files.createDirectory(work.resolve("cache"));
        data = RealFileSystemTest.randomBytes(100_000, 7);
        source = Files.write(work.resolve("source.bin"), data);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        referenceCopy = work.resolve("reference.bin");
        CommandRun plain = CommandRun.reflink("cp", source.toString(), referenceCopy.toString());
        assertEquals(0, plain.exitCode(), plain.stderr());
        assertTrue(
                PosixFilePermissions.toString(Files.getPosixFilePermissions(referenceCopy))
                        .startsWith("rw-r"),
                "the tests' umask lets a group read (java -jar's copy: " + Files.getPosixFilePermissions(referenceCopy)
                        + ")");
    }

    @Test
    void withAnEmptyCache_copies_thenMakesTheArchive_whichTheNextRunLoadsTheCommandFrom() throws IOException {
        Launch first = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("first.bin").toString());

        first.copiedExactly(work.resolve("first.bin"));
        assertFalse(first.loadedFromArchive(COMMAND_CLASS), "no archive yet: " + first.classLoads());
        Path archive = theOneArchive();
        BasicFileAttributes made = Files.readAttributes(archive, BasicFileAttributes.class);

        Launch second = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("second.bin").toString());

        second.copiedExactly(work.resolve("second.bin"));
        assertTrue(second.loadedFromArchive(COMMAND_CLASS), second.classLoads());
        assertEquals(archive, theOneArchive(), "the archive is reused, not made again");
        BasicFileAttributes reused = Files.readAttributes(archive, BasicFileAttributes.class);
        assertEquals(made.fileKey(), reused.fileKey());
        assertEquals(made.lastModifiedTime(), reused.lastModifiedTime());
    }

    @Test
    void aFailingCommand_keepsItsExitStatusAndMessage_withAndWithoutTheArchive() throws IOException {
        Path missing = work.resolve("missing.bin");
        for (int run = 1; run <= 2; run++) {
            Launch launch = launch(
                    CommandRun.launcher(),
                    "cp",
                    missing.toString(),
                    work.resolve("copy.bin").toString());

            assertEquals(
                    1,
                    launch.run().exitCode(),
                    "run " + run + ": " + launch.run().stderr());
            assertEquals("", launch.run().stdout());
            assertEquals(
                    "reflink cp: cannot copy '" + missing + "' to '" + work.resolve("copy.bin") + "': no such file\n",
                    launch.run().stderr(),
                    "run " + run);
        }
        theOneArchive();
    }

    @Test
    void anUnwritableCacheDirectory_stillCopies_withoutAnArchive() throws IOException {
        // a regular file where the cache directory would be: no one can create it, not even root
        cacheHome = Files.writeString(work.resolve("not-a-directory"), "");

        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("copy.bin").toString());

        launch.copiedExactly(work.resolve("copy.bin"));
        assertFalse(launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
        assertEquals("", Files.readString(cacheHome));
    }

    @Test
    void throughASymbolicLink_fromAnotherWorkingDirectory_findsItsJar_andRelativePathsAreTheUsers() throws IOException {
        Path link = Files.createSymbolicLink(
                work.resolve("reflink"), CommandRun.launcher().toAbsolutePath());
        Path elsewhere = Files.createDirectory(work.resolve("elsewhere"));
        Files.copy(source, elsewhere.resolve("here.bin"));

        for (int run = 1; run <= 2; run++) {
            Launch launch = launchIn(elsewhere, link, "cp", "here.bin", "there-" + run + ".bin");

            launch.copiedExactly(elsewhere.resolve("there-" + run + ".bin"));
            assertEquals(run == 2, launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
            theOneArchive(); // made in the background after the first
        }
    }

    @Test
    void aRebuiltJar_getsAnArchiveOfItsOwn_andTheStaleOneIsRemoved() throws IOException {
        Path install = Files.createDirectory(work.resolve("install"));
        Path launcher = Files.copy(CommandRun.launcher(), install.resolve("reflink"));
        Path jar = Files.copy(CommandRun.jar(), install.resolve("reflink.jar"));
        launch(launcher, "cp", source.toString(), work.resolve("before.bin").toString());
        Path stale = theOneArchive();

        // a rebuild: the same launcher, a jar with another modification time
        Files.setLastModifiedTime(
                jar, FileTime.fromMillis(Files.getLastModifiedTime(jar).toMillis() - 60_000));
        Launch rebuilt = launch(
                launcher, "cp", source.toString(), work.resolve("after.bin").toString());

        rebuilt.copiedExactly(work.resolve("after.bin"));
        assertFalse(rebuilt.loadedFromArchive(COMMAND_CLASS), "the stale archive is not used: " + rebuilt.classLoads());
        Path fresh = theOneArchive();
        assertNotEquals(stale, fresh);
        assertFalse(Files.exists(stale));
        assertTrue(launch(
                        launcher,
                        "cp",
                        source.toString(),
                        work.resolve("again.bin").toString())
                .loadedFromArchive(COMMAND_CLASS));
    }

    @Test
    void aDamagedArchive_isIgnoredSilently() throws IOException {
        launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("first.bin").toString());
        Path archive = theOneArchive();
        Files.write(archive, RealFileSystemTest.randomBytes(64 * 1024, 3));

        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("second.bin").toString());

        launch.copiedExactly(work.resolve("second.bin")); // no warning of the JVM's on stdout or stderr
        assertFalse(launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
    }

    @Test
    void twoFirstLaunchesAtOnce_bothCopy_andLeaveOneWholeArchive() throws IOException {
        CompletableFuture<Launch> other = CompletableFuture.supplyAsync(() -> launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("a.bin").toString()));
        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("b.bin").toString());

        launch.copiedExactly(work.resolve("b.bin"));
        other.join().copiedExactly(work.resolve("a.bin"));
        theOneArchive();
        assertTrue(launch(
                        CommandRun.launcher(),
                        "cp",
                        source.toString(),
                        work.resolve("c.bin").toString())
                .loadedFromArchive(COMMAND_CLASS));
    }

    @Test
    void aCacheDirectoryOthersMayWrite_isNeitherUsedNorFilled() throws IOException {
        Path cache = Files.createDirectory(cacheHome.resolve("reflink4j"));
        Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));

        for (int run = 1; run <= 2; run++) {
            Launch launch = launch(
                    CommandRun.launcher(),
                    "cp",
                    source.toString(),
                    work.resolve("copy-" + run + ".bin").toString());

            launch.copiedExactly(work.resolve("copy-" + run + ".bin"));
            assertFalse(launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
        }
        assertEquals(List.of(), files(cache), "nothing written where others may write");
    }

    @Test
    void anArchiveAnotherUserOwns_isNotUsed() throws IOException {
        launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("first.bin").toString());
        Path archive = theOneArchive();
        Files.setOwner(
                archive, archive.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));

        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("second.bin").toString());

        launch.copiedExactly(work.resolve("second.bin"));
        assertFalse(launch.loadedFromArchive(COMMAND_CLASS), "the JVM would trust its classes: " + launch.classLoads());
    }

    @Test
    void withoutHomeOrAnAbsoluteXdgCacheHome_noArchive_andNoDirectoryIsMadeUp() throws IOException {
        Path elsewhere = Files.createDirectory(work.resolve("elsewhere"));

        Launch launch = launch(
                Map.of("HOME", "", "XDG_CACHE_HOME", "relative-cache"),
                elsewhere,
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("copy.bin").toString());

        launch.copiedExactly(work.resolve("copy.bin"));
        assertFalse(launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
        assertEquals(List.of(), files(elsewhere), "a relative XDG_CACHE_HOME is ignored, as the XDG rule says");
    }

    @Test
    void theFirstLaunch_exitsWithTheCommandsStatus_whileTheArchiveIsMadeInTheBackground() throws IOException {
        Path missing = work.resolve("missing.bin");
        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                missing.toString(),
                work.resolve("copy.bin").toString());

        assertEquals(1, launch.run().exitCode(), launch.run().stderr());
        theOneArchive();
        assertTrue(launch(
                        CommandRun.launcher(),
                        "cp",
                        source.toString(),
                        work.resolve("copy.bin").toString())
                .loadedFromArchive(COMMAND_CLASS));
    }

    @Test
    void aLockLeftByATrainingThatDied_isTakenOver_withWhatItLeft() throws Exception {
        Path cache = Files.createDirectories(cacheHome.resolve("reflink4j"));
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path lock = Files.createDirectory(cache.resolve("training.lock"));
        Files.writeString(lock.resolve("pid"), gone.pid() + "\n");
        Path leftover = Files.writeString(cache.resolve("reflink-jdk0-1-2.aot." + gone.pid() + ".partial"), "half");

        launch(
                        CommandRun.launcher(),
                        "cp",
                        source.toString(),
                        work.resolve("first.bin").toString())
                .copiedExactly(work.resolve("first.bin"));

        theOneArchive();
        assertFalse(Files.exists(leftover), "the dead training's partial archive is removed");
    }

    @Test
    void aLockOfATrainingStillRunning_isLeftAlone() throws Exception {
        Path cache = Files.createDirectories(cacheHome.resolve("reflink4j"));
        Path lock = Files.createDirectory(cache.resolve("training.lock"));
        Files.writeString(lock.resolve("pid"), ProcessHandle.current().pid() + "\n"); // alive: this JVM

        Launch launch = launch(
                CommandRun.launcher(),
                "cp",
                source.toString(),
                work.resolve("copy.bin").toString());

        launch.copiedExactly(work.resolve("copy.bin"));
        Thread.sleep(2000); // a training, had one started, would be under way
        assertEquals(List.of(lock), files(cache), "no second training beside the running one");
        Files.delete(lock.resolve("pid"));
        Files.delete(lock);
    }

    @Test
    void withREFLINK4J_CDS_0_noArchiveIsMadeOrUsed() throws IOException {
        for (int run = 1; run <= 2; run++) {
            Launch launch = launch(
                    Map.of("REFLINK4J_CDS", "0"),
                    work,
                    CommandRun.launcher(),
                    "cp",
                    source.toString(),
                    work.resolve("copy-" + run + ".bin").toString());

            launch.copiedExactly(work.resolve("copy-" + run + ".bin"));
            assertFalse(launch.loadedFromArchive(COMMAND_CLASS), launch.classLoads());
        }
        assertEquals(List.of(), files(cacheHome.resolve("reflink4j")));
    }

    /**
     * The only file in the cache, an archive for this JDK, once the training the first launch
     * started in the background is over (its lock gone); no scratch or partial file is left.
     */
    private Path theOneArchive() throws IOException {
        Path cache = cacheHome.resolve("reflink4j");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while (Files.exists(cache.resolve("training.lock")) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while the training ran", e);
            }
        }
        List<Path> files = files(cache);
        assertEquals(1, files.size(), "one archive, nothing else, 180 s after the launch: " + files);
        String name = files.get(0).getFileName().toString();
        assertTrue(name.matches("reflink-jdk" + Runtime.version().feature() + "-[0-9]+-[0-9]+\\.(jsa|aot)"), name);
        assertTrue(Files.isRegularFile(files.get(0), LinkOption.NOFOLLOW_LINKS) && Files.size(files.get(0)) > 0);
        return files.get(0);
    }

    private static List<Path> files(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.sorted().toList();
        }
    }

    private Launch launch(Path launcher, String... arguments) {
        return launch(Map.of(), work, launcher, arguments);
    }

    private Launch launchIn(Path workingDirectory, Path launcher, String... arguments) {
        return launch(Map.of(), workingDirectory, launcher, arguments);
    }

    /**
     * The launcher run on this JDK (JAVA_HOME), with the test's cache (XDG_CACHE_HOME) and the
     * command's class loading logged to a file of its own.
     */
    private Launch launch(
            Map<String, String> extraEnvironment, Path workingDirectory, Path launcher, String... arguments) {
        try {
            Path log = Files.createTempFile(work, "class-load", ".log");
            Map<String, String> environment = new HashMap<>(Map.of(
                    "JAVA_HOME",
                    System.getProperty("java.home"),
                    "XDG_CACHE_HOME",
                    cacheHome.toString(),
                    "REFLINK4J_CDS",
                    "",
                    "REFLINK4J_JAVA_OPTS",
                    "-Xlog:class+load=info:file=" + log));
            environment.putAll(extraEnvironment);
            List<String> command =
                    new ArrayList<>(List.of(launcher.toAbsolutePath().toString()));
            command.addAll(List.of(arguments));
            return new Launch(CommandRun.run(command, environment, workingDirectory), Files.readString(log));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private record Launch(CommandRun run, String classLoads) {
        /** The command succeeded, said nothing, and the target holds the source's bytes. */
        void copiedExactly(Path target) throws IOException {
            assertEquals(0, run.exitCode(), run.stderr());
            assertEquals("", run.stdout());
            assertEquals("", run.stderr());
            assertArrayEquals(RealFileSystemTest.randomBytes(100_000, 7), Files.readAllBytes(target));
            // the command keeps the user's umask, not the 077 the launcher makes its cache with:
            // the mode is the one java -jar reflink.jar gives
            assertEquals(
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(referenceCopy)),
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(target)),
                    "the target's mode");
            assertTrue(classLoads.contains(COMMAND_CLASS + " source: "), "the command ran: " + classLoads);
        }

        boolean loadedFromArchive(String className) {
            return classLoads.contains(className + " source: shared objects file");
        }
    }
}
