package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * reflink4j as a named module on the module path: ServiceLoader finds the provider through
 * {@code provides}, the jnr-ffi binding loads, and {@code Files.copy} on reflink:/// paths clones.
 */
class ModulePathTest extends RealFileSystemTest {

    @Test
    void onTheModulePath_reflinkSchemeCopy_clones_onBtrfs() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        String output = runOnTheModulePath(dir, "--enable-native-access=io.github.reflink4j,ALL-UNNAMED");

        assertTrue(output.contains("module io.github.reflink4j"), output);
        assertTrue(
                output.contains("binding " + (Runtime.version().feature() >= 22 ? "java.lang.foreign" : "jnr-ffi")),
                output);
        assertTrue(Extents.allShared(dir.resolve("target")), output + Extents.of(dir.resolve("target")));
    }

    /**
     * JDK 24+: native access denied to reflink4j's module but granted to jffi's. The
     * java.lang.foreign binding cannot load (IllegalCallerException), and {@code auto} falls back
     * to jnr-ffi, whose native calls are jffi's, so the copy still clones.
     */
    @Test
    void onTheModulePath_foreignBindingDeniedNativeAccess_autoFallsBackToJnrFfi() throws Exception {
        assumeTrue(Runtime.version().feature() >= 24, "--illegal-native-access=deny needs JDK 24+");
        Path dir = directoryOn(TestFileSystem.BTRFS);
        String output =
                runOnTheModulePath(dir, "--illegal-native-access=deny", "--enable-native-access=org.jnrproject.jffi");

        assertTrue(output.contains("binding jnr-ffi"), output);
        assertTrue(Extents.allShared(dir.resolve("target")), output + Extents.of(dir.resolve("target")));
    }

    /** Program run with reflink4j and jnr-ffi on the module path, the tests on the class path. */
    private String runOnTheModulePath(Path dir, String... jvmOptions) throws Exception {
        Path jar = Path.of(System.getProperty("reflink4j.provider.jar"));
        if (!Files.exists(jar)) {
            TestFileSystem.unavailable(jar + " is missing: run the tests with mvn verify, which packages it first");
        }
        List<String> modulePath = new ArrayList<>(List.of(jar.toString()));
        List<String> classPath = new ArrayList<>();
        for (String entry : System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith("jnr-") || name.startsWith("jffi-") || name.startsWith("asm-")) {
                modulePath.add(entry);
            } else if (entry.endsWith("test-classes")) {
                classPath.add(entry);
            }
        }
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 1);
        List<String> command =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow()));
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of(
                "-p",
                String.join(File.pathSeparator, modulePath),
                "--add-modules",
                "io.github.reflink4j",
                "-cp",
                String.join(File.pathSeparator, classPath),
                Program.class.getName(),
                source.toString(),
                dir.resolve("target").toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("REFLINK4J_BINDING");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    /** Runs in the forked JVM, on the class path, using the module. */
    public static final class Program {
        public static void main(String[] args) throws IOException {
            try (FileSystem fs = FileSystems.newFileSystem(URI.create("reflink:///"), Map.of("mode", "always"))) {
                Files.copy(fs.getPath(args[0]), fs.getPath(args[1]));
                System.out.println("copied by " + fs.provider().getClass().getModule() + ", binding "
                        + io.github.reflink4j.Reflink.nativeBinding().orElse("none"));
            }
        }
    }
}
