package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFileSystemProvider;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The third way in: {@code -Djava.nio.file.spi.DefaultFileSystemProvider=...ReflinkFileSystemProvider}
 * in a forked JVM, whose program only calls {@code Files.copy(Path.of(a), Path.of(b))}; the
 * provider on the class path as compiled classes, and as the jar.
 */
class DefaultProviderModeTest extends RealFileSystemTest {
    private static final String PROVIDER = ReflinkFileSystemProvider.class.getName();

    enum Packaging {
        CLASSES,
        JAR
    }

    @ParameterizedTest(name = "btrfs, provider as {0}")
    @EnumSource(Packaging.class)
    void plainFilesCopy_inAJvmWithTheDefaultProvider_producesSharedExtents_onBtrfs(Packaging packaging)
            throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 1);

        String output = run(packaging, "auto", "plain", source, dir.resolve("target"));

        assertTrue(output.lines().anyMatch("copied"::equals), output);
        assertTrue(Extents.allShared(dir.resolve("target")), output + Extents.of(dir.resolve("target")));
        assertSameContent(source, dir.resolve("target"));
    }

    @ParameterizedTest(name = "xfs, provider as {0}")
    @EnumSource(Packaging.class)
    void alwaysOption_onPlainPaths_clones_onXfs(Packaging packaging) throws Exception {
        Path dir = directoryOn(TestFileSystem.XFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 2);

        String output = run(packaging, "never", "always", source, dir.resolve("target"));

        assertTrue(output.lines().anyMatch("copied"::equals), output);
        assertTrue(
                Extents.allShared(dir.resolve("target")),
                Extents.of(dir.resolve("target")).toString());
    }

    @ParameterizedTest(name = "ext4, provider as {0}")
    @EnumSource(Packaging.class)
    void modeAlways_onExt4_failsWithReflinkFailed_andLeavesNothing(Packaging packaging) throws Exception {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 3);

        String output = run(packaging, "always", "plain", source, dir.resolve("target"));

        assertTrue(output.contains("ReflinkFailedException"), output);
        assertFalse(Files.exists(dir.resolve("target")));
    }

    @ParameterizedTest(name = "tmpfs, provider as {0}")
    @EnumSource(Packaging.class)
    void modeAuto_onTmpfs_copies(Packaging packaging) throws Exception {
        Path dir = directoryOn(TestFileSystem.TMPFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 4);

        String output = run(packaging, "auto", "plain", source, dir.resolve("target"));

        assertTrue(output.lines().anyMatch("copied"::equals), output);
        assertSameContent(source, dir.resolve("target"));
    }

    /**
     * Runs {@link PlainCopyProgram} with the provider as the JVM's default, and checks that it
     * really was: the program names the default file system's provider and that of its paths.
     */
    private static String run(Packaging packaging, String mode, String option, Path source, Path target)
            throws IOException, InterruptedException {
        String provider = System.getProperty(
                packaging == Packaging.JAR ? "reflink4j.provider.jar" : "reflink4j.provider.classes");
        if (!Files.exists(Path.of(provider))) {
            TestFileSystem.unavailable(
                    provider + " is missing: run the tests with mvn verify, which packages it first");
        }
        List<String> classPath = new ArrayList<>();
        classPath.add(provider);
        String testClassPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        for (String entry : testClassPath.split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (!entry.endsWith("provider/target/classes") && !name.startsWith("reflink4j-0")) {
                classPath.add(entry);
            }
        }
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Djava.nio.file.spi.DefaultFileSystemProvider=" + PROVIDER,
                "-Dreflink4j.mode=" + mode,
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                String.join(File.pathSeparator, classPath),
                PlainCopyProgram.class.getName(),
                option,
                source.toString(),
                target.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        assertTrue(
                output.contains(PlainCopyProgram.providers(PROVIDER, PROVIDER)),
                "reflink4j was not the default provider in the forked JVM: " + output);
        return output;
    }

    /** A program that knows nothing of reflink4j but the option it may pass. */
    public static final class PlainCopyProgram {
        static String providers(String defaultProvider, String pathProvider) {
            return "default provider=" + defaultProvider + ", Path.of's provider=" + pathProvider;
        }

        public static void main(String[] args) throws IOException {
            System.out.println(providers(
                    FileSystems.getDefault().provider().getClass().getName(),
                    Path.of(args[2]).getFileSystem().provider().getClass().getName()));
            try {
                if (args[0].equals("always")) {
                    Files.copy(Path.of(args[1]), Path.of(args[2]), ReflinkCopyOption.ALWAYS);
                } else {
                    Files.copy(Path.of(args[1]), Path.of(args[2]));
                }
                System.out.println("copied");
            } catch (IOException e) {
                System.out.println(e.getClass().getName() + ": " + e.getMessage() + " "
                        + Arrays.stream(e.getSuppressed())
                                .map(Throwable::toString)
                                .collect(Collectors.joining()));
            }
        }
    }
}
