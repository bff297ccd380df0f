package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFileSystemProvider;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;

/**
 * Every file copy is a JDK Flight Recorder event {@code io.github.reflink4j.Copy}: recorded in
 * this JVM with {@link Recording} and read back with {@link RecordingFile}, and in forked JVMs
 * started with {@code -XX:StartFlightRecording}, one of them with reflink4j as the default file
 * system provider; and a runtime without the {@code jdk.jfr} module still copies.
 */
class CopyEventTest extends RealFileSystemTest {
    private static final String EVENT = "io.github.reflink4j.Copy";

    @Test
    void clone_onBtrfs_isOneEvent_withMethodClone_allBytesCloned_andNoErrno() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 300_000, 1);
        Path target = dir.resolve("target");

        List<RecordedEvent> events = recorded(dir, () -> Reflink.copy(source, target));

        assertTrue(Extents.allShared(target), Extents.of(target).toString());
        RecordedEvent event = only(events, target);
        assertEquals(source.toString(), event.getString("source"));
        assertEquals("AUTO", event.getString("mode"));
        assertEquals("CLONE", event.getString("method"));
        assertEquals(300_000L, event.getLong("bytes"));
        assertEquals(300_000L, event.getLong("clonedBytes"));
        assertEquals(0, event.getInt("fallbackErrno"));
        assertNull(event.getString("fallbackErrnoName"));
        assertNull(event.getString("fallbackReason"));
        assertNull(event.getString("failure"));
        assertFalse(event.getDuration().isNegative(), event.toString());
    }

    @Test
    void fallback_onExt4_recordsTheRefusedClonesErrno_andTheMethodThatCopied() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 300_000, 2);
        Path target = dir.resolve("target");
        CopyResult[] result = new CopyResult[1];

        List<RecordedEvent> events = recorded(dir, () -> result[0] = Reflink.copy(source, target));

        RecordedEvent event = only(events, target);
        assertNotEquals(CopyMethod.CLONE, result[0].method());
        assertEquals(result[0].method().name(), event.getString("method"));
        assertEquals(300_000L, event.getLong("bytes"));
        assertEquals(0L, event.getLong("clonedBytes"));
        // ext4 has no remap_file_range: the kernel refuses FICLONE with EOPNOTSUPP (95)
        assertEquals(95, event.getInt("fallbackErrno"), event.toString());
        assertEquals("EOPNOTSUPP", event.getString("fallbackErrnoName"));
        assertTrue(event.getString("fallbackReason").startsWith("ioctl(FICLONE): "), event.toString());
        assertNull(event.getString("failure"));
        assertSameContent(source, target);
    }

    @Test
    void fallback_acrossFileSystems_recordsExdev() throws Exception {
        Path from = directoryOn(TestFileSystem.BTRFS);
        Path to = directoryOn(TestFileSystem.XFS);
        Path source = writeRandomFile(from.resolve("source"), 100_000, 3);
        Path target = to.resolve("target");

        List<RecordedEvent> events = recorded(to, () -> Reflink.copy(source, target));

        RecordedEvent event = only(events, target);
        assertEquals("EXDEV", event.getString("fallbackErrnoName"), event.toString());
        assertEquals(18, event.getInt("fallbackErrno"));
        assertNotEquals("CLONE", event.getString("method"));
        assertEquals(100_000L, event.getLong("bytes"));
    }

    @Test
    void failedCopy_modeAlwaysOnExt4_isAnEventNamingTheFailure() throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 4);
        Path target = dir.resolve("target");

        List<RecordedEvent> events = recorded(
                dir,
                () -> assertThrows(IOException.class, () -> Reflink.copy(source, target, ReflinkCopyOption.ALWAYS)));

        RecordedEvent event = only(events, target);
        assertEquals("ALWAYS", event.getString("mode"));
        assertNull(event.getString("method"));
        assertTrue(event.getString("failure").contains("ReflinkFailedException"), event.toString());
        assertFalse(Files.exists(target));
    }

    /**
     * A copy that fails before its target is made (here: no source) is an event too, as it is where
     * reflink4j copies through the JDK; the exception is the one the copy throws without a recording.
     */
    @Test
    void failedCopy_sourceMissing_isAnEventNamingTheFailure() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = dir.resolve("no-such-source");
        Path target = dir.resolve("target");
        IOException[] thrown = new IOException[1];

        List<RecordedEvent> events =
                recorded(dir, () -> thrown[0] = assertThrows(IOException.class, () -> Reflink.copy(source, target)));

        assertEquals(NoSuchFileException.class, thrown[0].getClass(), thrown[0].toString());
        assertEquals(source.toString(), thrown[0].getMessage());
        RecordedEvent event = only(events, target);
        assertEquals(source.toString(), event.getString("source"));
        assertNull(event.getString("method"), event.toString());
        assertEquals(thrown[0].toString(), event.getString("failure"), event.toString());
        assertFalse(Files.exists(target));
    }

    @Test
    void rangeCopy_atOffsetsNotAlignedAlike_isAnEventSayingWhyNoBlockCloned() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 64 * 1024, 7);
        Path target = dir.resolve("target");

        List<RecordedEvent> events =
                recorded(dir, () -> Reflink.partial(source, 100, target, 0, 20_000, ReflinkCopyOption.AUTO));

        RecordedEvent event = only(events, target);
        assertNotEquals("CLONE", event.getString("method"), event.toString());
        assertEquals(20_000L, event.getLong("bytes"));
        assertEquals(0, event.getInt("fallbackErrno"));
        assertTrue(
                event.getString("fallbackReason")
                        .startsWith("source offset 100 and target offset 0 lie at"
                                + " different places within a 4096-byte block"),
                event.toString());
    }

    @Test
    void treeCopy_isOneEventPerFile() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Set<String> expected = new TreeSet<>();
        for (String name : List.of("one", "a/two", "a/b/three", "a/b/four")) {
            writeRandomFile(dir.resolve("tree").resolve(name), 5_000, name.length());
            expected.add(dir.resolve("copy").resolve(name).toString());
        }
        TreeCopySummary[] summary = new TreeCopySummary[1];

        List<RecordedEvent> events =
                recorded(dir, () -> summary[0] = Reflink.copyTree(dir.resolve("tree"), dir.resolve("copy")));

        assertTrue(summary[0].failures().isEmpty(), summary[0].toString());
        assertEquals(4, events.size(), events.toString());
        assertEquals(
                expected,
                events.stream().map(e -> e.getString("target")).collect(Collectors.toCollection(TreeSet::new)));
        for (RecordedEvent event : events) {
            assertEquals("CLONE", event.getString("method"), event.toString());
            assertEquals(5_000L, event.getLong("bytes"));
        }
        assertTrue(Files.isDirectory(tree));
    }

    /**
     * Where reflink4j cannot go native (here: a tree on Jimfs, copied through the JDK), each file
     * of a tree copy is still an event, as each file of a native tree copy is.
     */
    @Test
    void treeCopy_throughTheJdk_onJimfs_isOneEventPerFile() throws Exception {
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
            Path dir = jimfs.getPath("/work");
            Files.createDirectories(dir.resolve("tree/a"));
            Set<String> expected = new TreeSet<>();
            for (String name : List.of("one", "a/two")) {
                Files.write(dir.resolve("tree").resolve(name), new byte[5_000]);
                expected.add(dir.resolve("copy").resolve(name).toString());
            }
            TreeCopySummary[] summary = new TreeCopySummary[1];

            List<RecordedEvent> events =
                    recorded(dir, () -> summary[0] = Reflink.copyTree(dir.resolve("tree"), dir.resolve("copy")));

            assertTrue(summary[0].failures().isEmpty(), summary[0].toString());
            assertEquals(2, summary[0].files(), summary[0].toString());
            assertEquals(
                    expected,
                    events.stream().map(e -> e.getString("target")).collect(Collectors.toCollection(TreeSet::new)),
                    events.toString());
            assertEquals(2, events.size(), events.toString());
            for (RecordedEvent event : events) {
                assertNotEquals("CLONE", event.getString("method"), event.toString());
                assertEquals(5_000L, event.getLong("bytes"));
                assertTrue(event.getString("fallbackReason").contains("platform"), event.toString());
            }
        }
    }

    /**
     * {@code -XX:StartFlightRecording} in a JVM whose default file system provider is reflink4j's:
     * JFR writes its repository and recording through that provider while the program copies.
     */
    @Test
    void startFlightRecording_withReflink4jAsTheDefaultProvider_recordsTheCopy() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 200_000, 5);
        Path target = dir.resolve("target");
        Path recording = dir.resolve("copy.jfr");

        String output = fork(
                List.of(
                        "-Djava.nio.file.spi.DefaultFileSystemProvider=" + ReflinkFileSystemProvider.class.getName(),
                        "-XX:StartFlightRecording=filename=" + recording + ",settings=default"),
                DefaultProviderModeTest.PlainCopyProgram.class,
                "plain",
                source.toString(),
                target.toString());

        assertTrue(output.contains("default provider=" + ReflinkFileSystemProvider.class.getName()), output);
        assertTrue(output.lines().anyMatch("copied"::equals), output);
        RecordedEvent event = only(copyEvents(recording), target);
        assertEquals("CLONE", event.getString("method"), event.toString());
        assertEquals(200_000L, event.getLong("clonedBytes"));
        assertTrue(Extents.allShared(target), Extents.of(target).toString());
    }

    /**
     * What a JVM that records nothing pays: a clone loads no event class (loading one registers it
     * with JFR) and no logging backend (nothing is logged when a copy clones).
     */
    @Test
    void clone_withoutARecording_loadsNoEventClass_andNoLoggingBackend() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 10_000, 8);

        String output = fork(
                List.of("-Xlog:class+load=info"),
                DebugLogTest.CopyProgram.class,
                source.toString(),
                dir.resolve("target").toString());

        assertTrue(output.contains("copied with CLONE"), output);
        assertTrue(output.contains(" io.github.reflink4j.engine.CopyReports "), "the class-loading log is incomplete");
        assertFalse(output.contains(" io.github.reflink4j.engine.CopyEvent "), "the event class was loaded");
        assertFalse(output.contains(" jdk.jfr.Event "), "jdk.jfr.Event was loaded");
        assertFalse(output.contains(" java.util.logging.LogManager "), "java.util.logging was started");
    }

    /** A runtime without jdk.jfr (as jlink may make one): no event, no NoClassDefFoundError, a clone. */
    @Test
    void withoutTheJfrModule_onTheModulePath_copiesStillClone() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 200_000, 6);
        Path target = dir.resolve("target");
        Path jar = Path.of(System.getProperty("reflink4j.provider.jar"));
        if (!Files.exists(jar)) {
            TestFileSystem.unavailable(jar + " is missing: run the tests with mvn verify, which packages it first");
        }
        List<String> modulePath = new ArrayList<>(List.of(jar.toString()));
        List<String> classPath = new ArrayList<>();
        for (String entry : testClassPath()) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("jnr-") || name.startsWith("jffi-") || name.startsWith("asm-")) {
                modulePath.add(entry);
            } else if (entry.endsWith("test-classes")) {
                classPath.add(entry);
            }
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.github.reflink4j,ALL-UNNAMED",
                "-p",
                String.join(File.pathSeparator, modulePath),
                "--limit-modules",
                "java.base,jdk.unsupported,io.github.reflink4j",
                "--add-modules",
                "io.github.reflink4j",
                "-cp",
                String.join(File.pathSeparator, classPath),
                NoJfrProgram.class.getName(),
                source.toString(),
                target.toString()));
        String output = run(command);

        assertTrue(output.contains("jdk.jfr present: false"), output);
        assertTrue(output.contains("copied with CLONE"), output);
        assertTrue(Extents.allShared(target), output + Extents.of(target));
    }

    /** Runs in a JVM whose boot layer has no jdk.jfr. */
    public static final class NoJfrProgram {
        public static void main(String[] args) throws IOException {
            System.out.println("jdk.jfr present: "
                    + ModuleLayer.boot().findModule("jdk.jfr").isPresent());
            CopyResult result = Reflink.copy(Path.of(args[0]), Path.of(args[1]));
            System.out.println("copied with " + result.method());
        }
    }

    /** Something that copies, recorded. */
    interface Copying {
        void run() throws Exception;
    }

    /** The copy events of {@code copying}, recorded in this JVM; only those with a target under {@code dir}. */
    private static List<RecordedEvent> recorded(Path dir, Copying copying) throws Exception {
        Path file = Files.createTempFile("reflink4j-copy-events", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable(EVENT).withoutThreshold();
            recording.start();
            copying.run();
            recording.stop();
            recording.dump(file);
            return copyEvents(file).stream()
                    .filter(e -> e.getString("target").startsWith(dir.toString()))
                    .collect(Collectors.toList());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static List<RecordedEvent> copyEvents(Path recording) throws IOException {
        return RecordingFile.readAllEvents(recording).stream()
                .filter(e -> e.getEventType().getName().equals(EVENT))
                .collect(Collectors.toList());
    }

    private static RecordedEvent only(List<RecordedEvent> events, Path target) {
        List<RecordedEvent> forTarget = events.stream()
                .filter(e -> target.toString().equals(e.getString("target")))
                .collect(Collectors.toList());
        assertEquals(1, forTarget.size(), "events for " + target + ": " + events);
        return forTarget.get(0);
    }

    private static List<String> testClassPath() {
        return List.of(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator));
    }

    /** {@code main} in a forked JVM with the test class path and {@code options}; its output. */
    static String fork(List<String> options, Class<?> main, String... args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(ProcessHandle.current().info().command().orElseThrow(), "--enable-native-access=ALL-UNNAMED"));
        command.addAll(options);
        command.addAll(List.of("-cp", String.join(File.pathSeparator, testClassPath()), main.getName()));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), command + "\n" + output);
        return output;
    }
}
