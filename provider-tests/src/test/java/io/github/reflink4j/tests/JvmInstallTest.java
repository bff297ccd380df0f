package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * reflink4j installed into programs that know nothing of it, with one environment variable:
 * {@code JAVA_TOOL_OPTIONS="-javaagent:reflink4j-VERSION-jvm.jar -D...DefaultFileSystemProvider=...
 * --enable-native-access=ALL-UNNAMED"}. Real libraries from Maven Central that copy through
 * {@code Files.copy} (Commons IO, Plexus Utils, Spring), unmodified, each called by a driver
 * {@code main} with no reflink4j on its class path, in a JVM of the java that runs the tests:
 * their copies come out shared per filefrag, with the same content, the source unchanged, and
 * nothing on stderr but the JVM's own "Picked up JAVA_TOOL_OPTIONS" line.
 */
class JvmInstallTest extends RealFileSystemTest {
    private static final String PROVIDER = "io.github.reflink4j.ReflinkFileSystemProvider";
    private static final String JVM_PICKED_UP = "Picked up JAVA_TOOL_OPTIONS: ";

    /** A library from Maven Central that copies with Files.copy, and the jars it needs at run time. */
    enum Library {
        /** {@code FileUtils.copyDirectory(File, File)}: File API, Files.copy per file. */
        COMMONS_IO("commons-io-"),
        /** {@code FileUtils.copyDirectoryStructure(File, File)}: Maven's plexus-utils, NioFiles.copy, Files.copy. */
        PLEXUS_UTILS("plexus-utils-"),
        /** {@code FileSystemUtils.copyRecursively(Path, Path)}: a file visitor, Files.copy per file. */
        SPRING_CORE("spring-core-", "commons-logging-");

        final List<String> jarPrefixes;

        Library(String... jarPrefixes) {
            this.jarPrefixes = List.of(jarPrefixes);
        }
    }

    static Stream<Arguments> librariesOnBtrfsAndXfs() {
        return Stream.of(Library.values())
                .flatMap(library -> Stream.of(
                        Arguments.of(library, TestFileSystem.BTRFS), Arguments.of(library, TestFileSystem.XFS)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("librariesOnBtrfsAndXfs")
    void realLibrary_withOnlyTheVariable_copiesAsClones(Library library, TestFileSystem fileSystem) throws Exception {
        Path dir = directoryOn(fileSystem);
        Path source = sourceTree(dir.resolve("source"));
        Map<Path, String> before = digests(source);

        Run run = runLibrary(library, variable(""), Map.of(), source, dir.resolve("target"));

        assertEquals(0, run.exitCode, run.toString());
        assertEquals(List.of("copied"), run.stdout.lines().collect(Collectors.toList()), run.toString());
        assertOnlyTheJvmsOwnLine(run);
        assertEquals(before, digests(source), "the source changed");
        assertEquals(before, digests(dir.resolve("target")), "the copy differs from the source");
        for (Path file : regularFiles(dir.resolve("target"))) {
            assertTrue(Extents.allShared(file), library + " did not clone " + file + ": " + Extents.of(file) + run);
        }
    }

    /**
     * The witness that reflink4j made those clones, not the JDK: from JDK 20 on, the JDK's own
     * Files.copy uses copy_file_range, which btrfs may answer with shared extents. With
     * {@code -Dreflink4j.mode=never} in the variable, the same program's copies are not shared.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Library.class)
    void realLibrary_withTheVariableInModeNever_copiesWithoutSharing_onBtrfs(Library library) throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = sourceTree(dir.resolve("source"));
        Map<Path, String> before = digests(source);

        Run run = runLibrary(library, variable("-Dreflink4j.mode=never"), Map.of(), source, dir.resolve("target"));

        assertEquals(0, run.exitCode, run.toString());
        assertOnlyTheJvmsOwnLine(run);
        assertEquals(before, digests(dir.resolve("target")));
        for (Path file : regularFiles(dir.resolve("target"))) {
            List<Extents.Extent> extents = Extents.of(file);
            assertFalse(extents.isEmpty(), "filefrag shows no extent of " + file);
            assertTrue(
                    extents.stream().noneMatch(Extents.Extent::shared),
                    "mode never, yet shared: " + file + ": " + extents + run);
        }
    }

    /**
     * No native binding: one line on stderr for the whole JVM (the program copies two files), and
     * the copies are the platform's own. On JDK 17-21 the binding asked for is java.lang.foreign,
     * which those JDKs lack; on JDK 24+ native access is denied, so neither binding can load.
     */
    @Test
    void withoutANativeBinding_printsOneLine_andCopiesAsThePlatform() throws Exception {
        int feature = Runtime.version().feature();
        assumeTrue(
                feature < 22 || feature >= 24,
                "JDK " + feature + " only warns on native access (no"
                        + " --illegal-native-access=deny before JDK 24) and has both bindings: none can be made to fail");
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = sourceTree(dir.resolve("source"));
        Map<Path, String> before = digests(source);
        boolean denyNativeAccess = feature >= 24;
        String variable = denyNativeAccess ? installOptions() + " --illegal-native-access=deny" : variable("");
        Map<String, String> environment = denyNativeAccess ? Map.of() : Map.of("REFLINK4J_BINDING", "foreign");

        Run run = runLibrary(Library.COMMONS_IO, variable, environment, source, dir.resolve("target"));

        assertEquals(0, run.exitCode, run.toString());
        assertEquals(before, digests(dir.resolve("target")));
        List<String> reflink4jLines = run.stderr
                .lines()
                .filter(line -> !line.startsWith(JVM_PICKED_UP))
                .collect(Collectors.toList());
        assertEquals(1, reflink4jLines.size(), run.toString());
        assertTrue(reflink4jLines.get(0).startsWith("reflink4j: no native binding ("), run.toString());
        assertTrue(reflink4jLines.get(0).endsWith("); Files.copy in this JVM is the platform's own"), run.toString());
    }

    @Test
    void agentWithoutTheProviderProperty_saysSoInOneLine(@TempDir Path scratch) throws Exception {
        Path source = Files.writeString(scratch.resolve("source"), "x");

        Run run = runLibrary(
                Library.COMMONS_IO, "-javaagent:" + installJar(), Map.of(), source, scratch.resolve("target"));

        assertEquals(0, run.exitCode, run.toString());
        List<String> lines = run.stderr
                .lines()
                .filter(line -> !line.startsWith(JVM_PICKED_UP))
                .collect(Collectors.toList());
        assertEquals(
                List.of("reflink4j: the agent is installed but -Djava.nio.file.spi.DefaultFileSystemProvider="
                        + PROVIDER + " is not set, so Files.copy stays the JDK's own"),
                lines,
                run.toString());
    }

    /**
     * The jar's classes a copying JVM loads: reflink4j's own, and on jnr-ffi (JDK 17-21, or
     * REFLINK4J_BINDING=jnr) jnr-ffi and ASM under reflink4j's package and jffi under its own name;
     * with the java.lang.foreign binding (JDK 22+) none but reflink4j's.
     */
    @Test
    void classesLoadedFromTheJar_areReflink4jsOwn_withJnrOnlyUnderItsPackage(@TempDir Path scratch) throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = sourceTree(dir.resolve("source"));
        Path log = scratch.resolve("class-load.log");

        Run run = runLibrary(
                Library.COMMONS_IO,
                variable("-Xlog:class+load=info:file=" + log),
                Map.of(),
                source,
                dir.resolve("target"));

        assertEquals(0, run.exitCode, run.toString());
        String fromTheJar = " source: file:" + Path.of(installJar()).toRealPath();
        List<String> loaded = Files.readAllLines(log).stream()
                .filter(line -> line.endsWith(fromTheJar))
                .map(line ->
                        line.substring(line.indexOf("] ", line.indexOf("[class,load]")) + 2, line.indexOf(fromTheJar)))
                .collect(Collectors.toList());
        assertTrue(loaded.contains("io.github.reflink4j.ReflinkFileSystemProvider"), "loaded from the jar: " + loaded);
        List<String> foreign = loaded.stream()
                .filter(name -> !name.startsWith("io.github.reflink4j."))
                .filter(name -> !name.startsWith("com.kenai.jffi."))
                .collect(Collectors.toList());
        assertEquals(List.of(), foreign, "classes of the jar outside reflink4j's package and jffi's");
        boolean jnr = Runtime.version().feature() < 22 || "jnr".equalsIgnoreCase(System.getenv("REFLINK4J_BINDING"));
        List<String> thirdParty = loaded.stream()
                .filter(name -> name.startsWith("io.github.reflink4j.internal.") || name.startsWith("com.kenai.jffi."))
                .collect(Collectors.toList());
        if (jnr) {
            assertTrue(
                    thirdParty.stream().anyMatch(name -> name.startsWith("io.github.reflink4j.internal.jnr.ffi.")),
                    "the jnr-ffi binding, yet no relocated jnr-ffi class loaded: " + loaded);
        } else {
            assertEquals(List.of(), thirdParty, "the java.lang.foreign binding loads no third-party class");
        }
    }

    // ---------------------------------------------------------------- the forked program

    /** What a forked program did: its exit code, stdout and stderr apart. */
    private record Run(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "\nexit " + exitCode + "\nstdout:\n" + stdout + "stderr:\n" + stderr;
        }
    }

    private static void assertOnlyTheJvmsOwnLine(Run run) {
        List<String> lines = run.stderr.lines().collect(Collectors.toList());
        assertEquals(1, lines.size(), "stderr must hold the JVM's own line and nothing else" + run);
        assertTrue(lines.get(0).startsWith(JVM_PICKED_UP), run.toString());
    }

    private static String installJar() {
        String jar = System.getProperty("reflink4j.provider.jvm.jar", "");
        if (!Files.isRegularFile(Path.of(jar))) {
            TestFileSystem.unavailable(
                    "the install jar '" + jar + "' is missing: run the tests with mvn verify, which packages it first");
        }
        return jar;
    }

    /** The README's recipe, the options that are the same on JDK 17 and 25. */
    private static String installOptions() {
        return "-javaagent:" + installJar() + " -Djava.nio.file.spi.DefaultFileSystemProvider=" + PROVIDER;
    }

    private static String variable(String more) {
        return (installOptions() + " --enable-native-access=ALL-UNNAMED " + more).strip();
    }

    /**
     * Runs {@link LibraryCopyProgram} with the library's jars and nothing of reflink4j on its class
     * path; reflink4j comes only through {@code JAVA_TOOL_OPTIONS}.
     */
    private static Run runLibrary(
            Library library, String javaToolOptions, Map<String, String> environment, Path source, Path target)
            throws IOException, InterruptedException {
        List<String> classPath = new ArrayList<>();
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (entry.endsWith("provider-tests/target/test-classes")
                    || library.jarPrefixes.stream()
                            .anyMatch(prefix -> name.startsWith(prefix) && name.endsWith(".jar"))) {
                classPath.add(entry);
            }
        }
        assertEquals(
                1 + library.jarPrefixes.size(), classPath.size(), "the class path of " + library + ": " + classPath);
        Path out = Files.createTempFile("reflink4j-jvm-install", ".out");
        Path err = Files.createTempFile("reflink4j-jvm-install", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(
                            ProcessHandle.current().info().command().orElseThrow(),
                            "-cp",
                            String.join(File.pathSeparator, classPath),
                            LibraryCopyProgram.class.getName(),
                            library.name(),
                            source.toString(),
                            target.toString())
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            builder.environment().remove("JDK_JAVA_OPTIONS");
            builder.environment().remove("_JAVA_OPTIONS");
            builder.environment().put("JAVA_TOOL_OPTIONS", javaToolOptions);
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                fail(library + " did not finish in 120 s: " + Files.readString(out) + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** A program that only calls a library to copy a tree (or a file); it knows nothing of reflink4j. */
    public static final class LibraryCopyProgram {
        public static void main(String[] args) throws IOException {
            File source = new File(args[1]);
            File target = new File(args[2]);
            switch (Library.valueOf(args[0])) {
                case COMMONS_IO:
                    if (source.isDirectory()) {
                        org.apache.commons.io.FileUtils.copyDirectory(source, target);
                    } else {
                        org.apache.commons.io.FileUtils.copyFile(source, target);
                    }
                    break;
                case PLEXUS_UTILS:
                    org.codehaus.plexus.util.FileUtils.copyDirectoryStructure(source, target);
                    break;
                case SPRING_CORE:
                    org.springframework.util.FileSystemUtils.copyRecursively(source.toPath(), target.toPath());
                    break;
                default:
                    throw new IllegalArgumentException(args[0]);
            }
            System.out.println("copied");
        }
    }

    // ---------------------------------------------------------------- trees and their contents

    /** Two files of 1 MiB and 300 KiB, one in a subdirectory. */
    private Path sourceTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("sub"));
        writeRandomFile(root.resolve("a.bin"), 1 << 20, 11);
        writeRandomFile(root.resolve("sub/b.bin"), 300 << 10, 12);
        return root;
    }

    private static List<Path> regularFiles(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> files = walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
            assertEquals(2, files.size(), "files under " + root + ": " + files);
            return files;
        }
    }

    /** Each regular file's SHA-256, by its path relative to the root. */
    private static Map<Path, String> digests(Path root) throws IOException {
        Map<Path, String> digests = new LinkedHashMap<>();
        for (Path file : regularFiles(root)) {
            try {
                digests.put(
                        root.relativize(file),
                        HexFormat.of()
                                .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))));
            } catch (NoSuchAlgorithmException e) {
                throw new AssertionError(e);
            }
        }
        return digests;
    }
}
