package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * reflink4j reaches the kernel through {@code java.lang.foreign} on JDK 22 and later (the
 * multi-release jar's JDK 22 layer) and through jnr-ffi on JDK 17-21; {@code -Dreflink4j.binding}
 * or, without it, {@code REFLINK4J_BINDING} asks for one by name ({@code foreign}, {@code jnr},
 * {@code auto}), and a binding asked for is that one or none. Each case runs in a JVM of its own
 * (a JVM loads one binding for its life) and clones a file on btrfs, checked with filefrag.
 */
class BindingSelectionTest extends RealFileSystemTest {
    private static final String FOREIGN = "java.lang.foreign";
    private static final String JNR = "jnr-ffi";
    private static final int FEATURE = Runtime.version().feature();

    /** Prints the binding in use, then clones args[0] to args[1] with ALWAYS. */
    public static final class CloneThroughTheBinding {
        public static void main(String[] args) {
            System.out.println("binding: " + Reflink.nativeBinding().orElse("none"));
            try {
                System.out.println("copy: "
                        + Reflink.always(Path.of(args[0]), Path.of(args[1])).method());
            } catch (IOException e) {
                System.out.println("copy failed: " + e);
            }
        }
    }

    /** Whether the reflink4j jar under test holds the java.lang.foreign binding for JDK 22+. */
    private static boolean jarHasForeignBinding() throws IOException, URISyntaxException {
        Path jar = Path.of(Reflink.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        assertTrue(Files.isRegularFile(jar), "the tests run against the packaged jar, not " + jar);
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getEntry("META-INF/versions/22/io/github/reflink4j/linux/ForeignSyscalls.class") != null;
        }
    }

    /** On JDK 22+ the jar must have the layer: CI builds with the JDK it tests on. */
    private static void requireForeignLayer() throws Exception {
        if (!jarHasForeignBinding()) {
            String reason = "the reflink4j jar was built without its java.lang.foreign layer (Maven ran on JDK < 22"
                    + " without -Dreflink4j.jdk22)";
            if ("1".equals(System.getenv("REFLINK4J_REQUIRE_FS"))) {
                fail("REFLINK4J_REQUIRE_FS=1 but " + reason);
            }
            assumeTrue(false, reason);
        }
    }

    private ForkedJvm.Result cloneIn(ForkedJvm jvm, Path dir, String target) {
        Path source = dir.resolve("source");
        if (!Files.exists(source)) {
            writeRandomFile(source, 1 << 20, 7);
        }
        return jvm.run(120, source.toString(), dir.resolve(target).toString());
    }

    private static ForkedJvm withoutRequest() {
        // an empty variable is no request: the tests' own REFLINK4J_BINDING (CI sets it) must not leak in
        return ForkedJvm.of(CloneThroughTheBinding.class).environment("REFLINK4J_BINDING", "");
    }

    private static void assertCloned(ForkedJvm.Result run, String binding, Path target) {
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("binding: " + binding + "\n"), run.output());
        assertTrue(run.output().contains("copy: CLONE"), run.output());
        assertTrue(Extents.allShared(target), "filefrag: " + target + " shares the source's blocks");
    }

    @Test
    void byDefault_jdk22AndLaterUseJavaLangForeign_olderJdksJnrFfi() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        if (FEATURE >= 22) {
            requireForeignLayer();
        }
        ForkedJvm.Result run = cloneIn(withoutRequest(), dir, "copy");
        assertCloned(run, FEATURE >= 22 ? FOREIGN : JNR, dir.resolve("copy"));
    }

    @Test
    void jnrAskedFor_isUsedOnEveryJdk() {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        ForkedJvm.Result run = cloneIn(withoutRequest().jvmOptions("-Dreflink4j.binding=jnr"), dir, "copy");
        assertCloned(run, JNR, dir.resolve("copy"));
    }

    @Test
    void foreignAskedFor_isUsedFromJdk22_andOnOlderJdksThereIsNoBindingAtAll() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        ForkedJvm.Result run = cloneIn(withoutRequest().jvmOptions("-Dreflink4j.binding=foreign"), dir, "copy");
        if (FEATURE >= 22) {
            requireForeignLayer();
            assertCloned(run, FOREIGN, dir.resolve("copy"));
        } else {
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("binding: none\n"), "no fallback to jnr-ffi: " + run.output());
            assertTrue(
                    run.output().contains("copy failed: io.github.reflink4j.ReflinkUnsupportedException"),
                    run.output());
            assertTrue(run.output().contains("needs JDK 22 or later, this is JDK " + FEATURE), run.output());
            assertTrue(Files.notExists(dir.resolve("copy")), "nothing created");
        }
    }

    @Test
    void theEnvironmentVariable_picksTheBinding_andThePropertyWinsOverIt() {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        ForkedJvm fromEnvironment = ForkedJvm.of(CloneThroughTheBinding.class).environment("REFLINK4J_BINDING", "JNR");
        assertCloned(cloneIn(fromEnvironment, dir, "first"), JNR, dir.resolve("first"));

        ForkedJvm overridden = ForkedJvm.of(CloneThroughTheBinding.class)
                .environment("REFLINK4J_BINDING", "bogus")
                .jvmOptions("-Dreflink4j.binding=auto");
        assertCloned(cloneIn(overridden, dir, "second"), FEATURE >= 22 ? FOREIGN : JNR, dir.resolve("second"));
    }

    @Test
    void anUnknownBinding_leavesNone_andTheFailureNamesTheSetting() {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        ForkedJvm.Result run = cloneIn(withoutRequest().jvmOptions("-Dreflink4j.binding=jni"), dir, "copy");
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("binding: none\n"), run.output());
        assertTrue(
                run.output()
                        .contains("reflink4j.binding (or REFLINK4J_BINDING) is \"jni\": the binding must be"
                                + " foreign, jnr or auto"),
                run.output());
        assertTrue(Files.notExists(dir.resolve("copy")), "nothing created");
    }

    @Test
    void withoutJnrFfiOnTheClassPath_jdk22AndLaterStillClone_olderJdksHaveNoBindingAndSayWhy() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        List<String> kept = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String jar = Path.of(entry).getFileName().toString();
            boolean thirdPartyNative = jar.startsWith("jnr-") || jar.startsWith("jffi-") || jar.startsWith("asm");
            (thirdPartyNative ? dropped : kept).add(entry);
        }
        assertTrue(
                dropped.stream().anyMatch(jar -> jar.contains("jnr-ffi")), "jnr-ffi was on the class path: " + dropped);

        ForkedJvm.Result run = cloneIn(withoutRequest().classPath(String.join(File.pathSeparator, kept)), dir, "copy");
        if (FEATURE >= 22) {
            requireForeignLayer();
            assertCloned(run, FOREIGN, dir.resolve("copy"));
        } else {
            assertEquals(0, run.exitCode(), run.output());
            assertTrue(run.output().contains("binding: none\n"), run.output());
            assertTrue(
                    run.output().contains("copy failed: io.github.reflink4j.ReflinkUnsupportedException"),
                    run.output());
            assertTrue(
                    run.output().contains("NoClassDefFoundError: jnr/"),
                    "the reason names the missing library: " + run.output());
        }
    }

    @Test
    void thisTestJvm_usesTheBindingTheRunAskedFor() throws Exception {
        String asked = System.getenv("REFLINK4J_BINDING");
        String expected;
        if ("jnr".equals(asked)) {
            expected = JNR;
        } else if ("foreign".equals(asked) || FEATURE >= 22) {
            requireForeignLayer();
            expected = FOREIGN;
        } else {
            expected = JNR;
        }
        assertEquals(expected, Reflink.nativeBinding().orElse("none"), "REFLINK4J_BINDING=" + asked);
    }
}
