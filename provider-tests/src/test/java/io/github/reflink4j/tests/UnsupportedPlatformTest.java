package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * Where reflink4j cannot go native: a non-default file system (Jimfs), and a JVM that refuses
 * access to channel descriptors (a forked JVM without --add-opens).
 */
class UnsupportedPlatformTest extends RealFileSystemTest {

    @Test
    void jimfsPaths_always_throwsUnsupported_auto_and_never_copyThroughTheJdk() throws IOException {
        try (FileSystem jimfs = Jimfs.newFileSystem(Configuration.unix())) {
            Path source = Files.write(jimfs.getPath("/source"), new byte[] {1, 2, 3});

            ReflinkUnsupportedException e = assertThrows(
                    ReflinkUnsupportedException.class, () -> Reflink.always(source, jimfs.getPath("/always")));
            assertTrue(e.getMessage().contains("jimfs"), e.getMessage());
            assertFalse(Files.exists(jimfs.getPath("/always")));

            assertEquals(
                    CopyMethod.READ_WRITE,
                    Reflink.auto(source, jimfs.getPath("/auto")).method());
            assertEquals(
                    3,
                    Reflink.copy(source, jimfs.getPath("/never"), ReflinkCopyOption.NEVER)
                            .bytes());
            assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(jimfs.getPath("/never")));
            assertFalse(Reflink.isSupported(jimfs.getPath("/")));
        }
    }

    @Test
    void channelsWithoutAddOpens_btrfs_alwaysNamesTheFlag_autoUsesTransferTo() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 100_000, 1);
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process process = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        ChannelsWithoutAddOpens.class.getName(),
                        source.toString(),
                        dir.resolve("target").toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes());

        assertEquals(0, process.waitFor(), output);
        assertTrue(output.contains("ALWAYS: ReflinkUnsupportedException"), output);
        assertTrue(output.contains("--add-opens java.base/sun.nio.ch=ALL-UNNAMED"), output);
        assertTrue(output.contains("AUTO: READ_WRITE 100000"), output);
        assertSameContent(source, dir.resolve("target"));
    }

    @Test
    void nativeBindingThatCannotLoad_btrfs_alwaysThrowsUnsupported_autoAndNeverCopyWithTheJdk() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 100_000, 2);
        String java = ProcessHandle.current().info().command().orElseThrow();
        // jnr-ffi is pointed at a provider that does not exist; the java.lang.foreign binding (JDK 22+)
        // is denied native access, as an application started with --illegal-native-access=deny is
        // (JDK 24+; on JDK 22 and 23, which cannot deny it, jnr-ffi is asked for instead)
        List<String> command = new ArrayList<>(List.of(java, "-Djnr.ffi.provider=no.such.Provider"));
        if (Runtime.version().feature() >= 24) {
            command.add("--illegal-native-access=deny");
        } else if (Runtime.version().feature() >= 22) {
            command.add("-Dreflink4j.binding=jnr");
        }
        command.addAll(List.of(
                "-cp",
                System.getProperty("java.class.path"),
                WithoutNativeBinding.class.getName(),
                source.toString(),
                dir.toString()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());

        assertEquals(0, process.waitFor(), output);
        assertTrue(
                output.contains("ALWAYS: ReflinkUnsupportedException")
                        && output.contains("native binding is unavailable"),
                output);
        assertTrue(output.contains("AUTO: READ_WRITE 100000") && output.contains("NEVER: READ_WRITE 100000"), output);
        assertFalse(Files.exists(dir.resolve("always")));
        assertSameContent(source, dir.resolve("auto"));
        assertSameContent(source, dir.resolve("never"));
        // the JDK's own copy shares blocks on btrfs since JDK 20 (copy_file_range): NEVER must not use it
        assertTrue(
                Extents.noneShared(dir.resolve("never")),
                Extents.of(dir.resolve("never")).toString());
    }

    /** Run in a JVM whose jnr-ffi cannot load (a provider class that does not exist). */
    public static final class WithoutNativeBinding {
        public static void main(String[] args) throws IOException {
            Path source = Path.of(args[0]);
            Path dir = Path.of(args[1]);
            try {
                Reflink.always(source, dir.resolve("always"));
                System.out.println("ALWAYS: cloned, but the binding should not have loaded");
            } catch (ReflinkUnsupportedException e) {
                System.out.println("ALWAYS: ReflinkUnsupportedException " + e.getMessage());
            }
            var auto = Reflink.auto(source, dir.resolve("auto"));
            var never = Reflink.copy(source, dir.resolve("never"), ReflinkCopyOption.NEVER);
            System.out.println("AUTO: " + auto.method() + " " + auto.bytes());
            System.out.println("NEVER: " + never.method() + " " + never.bytes());
        }
    }

    /** Run in a JVM started without --add-opens. */
    public static final class ChannelsWithoutAddOpens {
        public static void main(String[] args) throws IOException {
            try (FileChannel in = FileChannel.open(Path.of(args[0]));
                    FileChannel out = FileChannel.open(
                            Path.of(args[1]), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                try {
                    Reflink.reflink(in, out, ReflinkCopyOption.ALWAYS);
                    System.out.println("ALWAYS: cloned, but the descriptor should have been refused");
                } catch (ReflinkUnsupportedException e) {
                    System.out.println("ALWAYS: ReflinkUnsupportedException " + e.getMessage());
                }
                var result = Reflink.reflink(in, out, ReflinkCopyOption.AUTO);
                System.out.println("AUTO: " + result.method() + " " + result.bytes());
            }
        }
    }
}
