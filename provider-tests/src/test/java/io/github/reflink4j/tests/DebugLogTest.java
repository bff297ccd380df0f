package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkFileSystemProvider;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * reflink4j's {@code System.Logger} records, in forked JVMs with the JDK's default backend
 * (java.util.logging): silent at its default settings, and at FINE on {@code io.github.reflink4j}
 * a record for each copy that fell back from a clone, with the errno, and one naming the native
 * binding, or why none loaded.
 */
class DebugLogTest extends RealFileSystemTest {
    private static final String EOPNOTSUPP = "ioctl(FICLONE): Operation not supported (EOPNOTSUPP, errno 95)";

    @Test
    void fallback_atDefaultLoggingSettings_printsNothing() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 1);

        String output = CopyEventTest.fork(
                List.of(),
                CopyProgram.class,
                source.toString(),
                dir.resolve("target").toString());

        assertEquals(List.of("copied with COPY_FILE_RANGE"), output.lines().collect(Collectors.toList()));
    }

    @Test
    void fallback_withDebugOn_logsThePathsTheMethodAndTheErrno_andTheBinding() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 2);
        Path target = dir.resolve("target");

        String output = CopyEventTest.fork(
                List.of("-Djava.util.logging.config.file=" + debugConfiguration(dir)),
                CopyProgram.class,
                source.toString(),
                target.toString());

        assertTrue(
                output.contains("io.github.reflink4j.copy FINE: copied " + source + " to " + target
                        + " with COPY_FILE_RANGE (50000 bytes), not a clone: " + EOPNOTSUPP),
                output);
        assertTrue(
                output.contains("io.github.reflink4j.binding FINE: native binding: "
                        + Reflink.nativeBinding().orElseThrow()),
                output);
        assertTrue(output.contains("copied with COPY_FILE_RANGE"), output);
    }

    @Test
    void clone_withDebugOn_logsNothing() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 3);

        String output = CopyEventTest.fork(
                List.of("-Djava.util.logging.config.file=" + debugConfiguration(dir)),
                CopyProgram.class,
                source.toString(),
                dir.resolve("target").toString());

        assertEquals(List.of("copied with CLONE"), output.lines().collect(Collectors.toList()));
    }

    /**
     * reflink4j as the default provider: java.util.logging, started by the first record inside a
     * copy, reads its configuration through reflink4j; the record still comes out, once.
     */
    @Test
    void fallback_withDebugOn_asTheDefaultProvider_logsOnce_withoutRecursion() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 4);
        Path target = dir.resolve("target");

        String output = CopyEventTest.fork(
                List.of(
                        "-Djava.util.logging.config.file=" + debugConfiguration(dir),
                        "-Djava.nio.file.spi.DefaultFileSystemProvider=" + ReflinkFileSystemProvider.class.getName()),
                DefaultProviderModeTest.PlainCopyProgram.class,
                "plain",
                source.toString(),
                target.toString());

        assertTrue(output.contains("default provider=" + ReflinkFileSystemProvider.class.getName()), output);
        assertTrue(output.lines().anyMatch("copied"::equals), output);
        assertEquals(
                1,
                output.lines()
                        .filter(line ->
                                line.startsWith("io.github.reflink4j.copy FINE: copied " + source + " to " + target)
                                        && line.endsWith(EOPNOTSUPP))
                        .count(),
                output);
        assertSameContent(source, target);
    }

    /**
     * reflink4j as the default provider and no logging asked for: a copy that falls back starts
     * no logging backend, so a program that names its LogManager after its first copy (as JBoss
     * LogManager and log4j-jul have programs do) still gets it, as without reflink4j.
     */
    @Test
    void fallback_asTheDefaultProvider_leavesTheProgramsLogManagerChoiceAlone() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 6);
        Path target = dir.resolve("target");

        String output = CopyEventTest.fork(
                List.of("-Djava.nio.file.spi.DefaultFileSystemProvider=" + ReflinkFileSystemProvider.class.getName()),
                LogManagerAfterCopyProgram.class,
                source.toString(),
                target.toString());

        assertEquals(
                List.of(
                        "provider " + ReflinkFileSystemProvider.class.getName(),
                        "log manager " + LogManagerAfterCopyProgram.ProgramsLogManager.class.getName()),
                output.lines().collect(Collectors.toList()));
        assertSameContent(source, target);
    }

    /** The same program with {@code -Dreflink4j.log=on}: the record is there, at the cost of the choice. */
    @Test
    void fallback_asTheDefaultProvider_withLogOn_logsTheFallback() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 7);
        Path target = dir.resolve("target");
        Path configuration = debugConfiguration(dir);

        String output = CopyEventTest.fork(
                List.of(
                        "-Dreflink4j.log=on",
                        "-Djava.nio.file.spi.DefaultFileSystemProvider=" + ReflinkFileSystemProvider.class.getName()),
                LogManagerAfterCopyProgram.class,
                source.toString(),
                target.toString(),
                configuration.toString());

        assertEquals(
                1,
                output.lines()
                        .filter(line ->
                                line.startsWith("io.github.reflink4j.copy FINE: copied " + source + " to " + target)
                                        && line.endsWith(EOPNOTSUPP))
                        .count(),
                output);
        assertTrue(output.contains("log manager java.util.logging.LogManager"), output);
    }

    @Test
    void bindingThatCannotLoad_withDebugOn_isLoggedWithTheReason_andTheCopyGoesThroughTheJdk() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 50_000, 5);

        String output = CopyEventTest.fork(
                List.of("-Djava.util.logging.config.file=" + debugConfiguration(dir), "-Dreflink4j.binding=none-such"),
                CopyProgram.class,
                source.toString(),
                dir.resolve("target").toString());

        assertTrue(
                output.contains("io.github.reflink4j.binding FINE: no native binding loaded: copies go through"
                        + " the JDK, none can clone"),
                output);
        assertTrue(output.contains("\"none-such\": the binding must be foreign, jnr or auto"), output);
        assertTrue(output.contains("not a clone: the native binding is unavailable"), output);
        assertTrue(output.contains("copied with READ_WRITE"), output);
        assertSameContent(source, dir.resolve("target"));
    }

    /** A java.util.logging configuration that shows reflink4j's DEBUG records, one line each, named. */
    private static Path debugConfiguration(Path dir) throws IOException {
        return Files.writeString(
                dir.resolve("logging.properties"),
                String.join(
                        "\n",
                        "handlers = java.util.logging.ConsoleHandler",
                        "java.util.logging.ConsoleHandler.level = ALL",
                        "java.util.logging.SimpleFormatter.format = %3$s %4$s: %5$s%6$s%n",
                        "io.github.reflink4j.level = FINE",
                        ""));
    }

    /**
     * Copies its first argument to its second with a plain {@code Files.copy}, then names its own
     * LogManager, as a program using JBoss LogManager does, and prints which one the JVM uses. A
     * third argument is a logging configuration, given as a system property before the copy.
     */
    public static final class LogManagerAfterCopyProgram {
        /** The program's own LogManager. */
        public static final class ProgramsLogManager extends java.util.logging.LogManager {}

        public static void main(String[] args) throws IOException {
            if (args.length > 2) {
                System.setProperty("java.util.logging.config.file", args[2]);
            }
            Files.copy(Path.of(args[0]), Path.of(args[1]));
            System.out.println(
                    "provider " + FileSystems.getDefault().provider().getClass().getName());
            System.setProperty("java.util.logging.manager", ProgramsLogManager.class.getName());
            System.out.println("log manager "
                    + java.util.logging.LogManager.getLogManager().getClass().getName());
        }
    }

    /** Copies its first argument to its second with {@code Reflink.copy}. */
    public static final class CopyProgram {
        public static void main(String[] args) throws IOException {
            CopyResult result = Reflink.copy(Path.of(args[0]), Path.of(args[1]));
            System.out.println("copied with " + result.method());
        }
    }
}
