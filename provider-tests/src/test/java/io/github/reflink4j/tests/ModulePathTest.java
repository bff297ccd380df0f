package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 1);
        Process process = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=io.github.reflink4j,ALL-UNNAMED",
                "-p", String.join(File.pathSeparator, modulePath), "--add-modules", "io.github.reflink4j",
                "-cp", String.join(File.pathSeparator, classPath), Program.class.getName(),
                source.toString(), dir.resolve("target").toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("module io.github.reflink4j"), output);
        assertTrue(Extents.allShared(dir.resolve("target")), output + Extents.of(dir.resolve("target")));
    }

    /** Runs in the forked JVM, on the class path, using the module. */
    public static final class Program {
        public static void main(String[] args) throws IOException {
            try (FileSystem fs = FileSystems.newFileSystem(URI.create("reflink:///"), Map.of("mode", "always"))) {
                Files.copy(fs.getPath(args[0]), fs.getPath(args[1]));
                System.out.println("copied by " + fs.provider().getClass().getModule());
            }
        }
    }
}
