package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A tree copy streams: its memory does not grow with the number of entries (100,000 files in a
 * 16 MiB heap), and its descriptors and path lengths do not grow with the depth (2,000 levels,
 * paths of 6,000 bytes, under {@code ulimit -n 256}). Both run in a forked JVM with those limits.
 * ext4's test image has too few inodes (~196k) for the wide tree.
 */
class LargeAndDeepTreeTest extends RealFileSystemTest {
    private static final int DIRECTORIES = 100;
    private static final int FILES_PER_DIRECTORY = 1000;
    private static final int DEPTH = 2000;
    private static final String DEEPEST_CONTENT = "the deepest file";

    /** Trees removed with rm -rf after each test: too deep for a Java walk, or too big to walk quickly. */
    private final List<Path> removeWithRm = new ArrayList<>();

    @AfterEach
    void removeBigTrees() {
        for (Path tree : removeWithRm) {
            Shell.run("rm -rf \"$1\"", tree.toString());
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void copyTree_100000Files_inA16MiBHeap_copiesEveryFile(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = dir.resolve("source");
        Path target = dir.resolve("target");
        removeWithRm.add(source);
        removeWithRm.add(target);
        long start = System.nanoTime();
        byte[] data = new byte[100];
        Arrays.fill(data, (byte) 'x');
        for (int d = 0; d < DIRECTORIES; d++) {
            Path directory = Files.createDirectories(source.resolve("d" + d));
            for (int f = 0; f < FILES_PER_DIRECTORY; f++) {
                Files.write(directory.resolve("f" + f), Arrays.copyOf(data, f % 101));
            }
        }
        long creation = (System.nanoTime() - start) / 1_000_000; // 2-3 s on btrfs and xfs here

        ForkedJvm.Result run = ForkedJvm.of(CopyTreeProgram.class)
                .jvmOptions("-Xmx16m", "-XX:+ExitOnOutOfMemoryError")
                .run(300, source.toString(), target.toString());

        assertEquals(0, run.exitCode(), "(the source took " + creation + " ms to make) " + tail(run.output()));
        assertTrue(run.output().contains("files=100000 directories=101 symlinks=0 failures=0"), run.output());
        assertEquals(
                "100000",
                Shell.run("find \"$1\" -type f | wc -l", target.toString()).trim());
        assertEquals(
                "101",
                Shell.run("find \"$1\" -type d | wc -l", target.toString()).trim());
        assertEquals(
                Shell.run("cd \"$1\" && find . -printf '%y %s %p\\n' | LC_ALL=C sort | md5sum", source.toString()),
                Shell.run("cd \"$1\" && find . -printf '%y %s %p\\n' | LC_ALL=C sort | md5sum", target.toString()),
                "the listings (type, size, name) of source and target differ");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_2000LevelsDeep_under256Descriptors_copiesTheDeepestFile(TestFileSystem fs) {
        Path dir = directoryOn(fs);
        Path source = dir.resolve("source");
        Path target = dir.resolve("target");
        removeWithRm.add(source);
        removeWithRm.add(target);
        // 20 x 100 levels of "dd/", made relatively: the deepest path is ~6,000 bytes, beyond PATH_MAX (4096)
        Shell.run(
                "set -e; mkdir \"$1\"; cd \"$1\"; p=$(printf 'dd/%.0s' $(seq 100))\n"
                        + "for i in $(seq " + DEPTH / 100 + "); do mkdir -p \"$p\"; cd \"$p\"; done\n"
                        + "printf '" + DEEPEST_CONTENT + "' > bottom.txt",
                source.toString());
        assertEquals(DEPTH + 1 + " " + DEEPEST_CONTENT, deepest(source), "the fixture itself");

        ForkedJvm.Result run = ForkedJvm.of(CopyTreeProgram.class)
                .shell("ulimit -n 256")
                .run(300, source.toString(), target.toString());

        assertEquals(0, run.exitCode(), tail(run.output()));
        assertTrue(
                run.output().contains("files=1 directories=" + (DEPTH + 1) + " symlinks=0 failures=0"), run.output());
        assertEquals(DEPTH + 1 + " " + DEEPEST_CONTENT, deepest(target), "depth and content of bottom.txt in the copy");
        assertEquals(
                Integer.toString(DEPTH + 1),
                Shell.run("find \"$1\" -type d | wc -l", target.toString()).trim());
    }

    /** The depth of bottom.txt and its content, read by find (which walks relatively, so any depth works). */
    private static String deepest(Path root) {
        return Shell.run("find \"$1\" -name bottom.txt -printf '%d ' -execdir cat {} \\;", root.toString());
    }

    private static String tail(String output) {
        return output.length() <= 3000 ? output : "..." + output.substring(output.length() - 3000);
    }

    /** Run in a JVM of its own, under the limits the test sets: copies a tree, prints the summary. */
    public static final class CopyTreeProgram {
        public static void main(String[] args) throws IOException {
            TreeCopySummary summary = Reflink.copyTree(Path.of(args[0]), Path.of(args[1]));
            System.out.println("files=" + summary.files() + " directories=" + summary.directories() + " symlinks="
                    + summary.symlinks() + " failures=" + summary.failures().size());
            summary.failures().stream().limit(5).forEach(f -> {
                String message = String.valueOf(f.error().getMessage());
                System.out.println("failed: " + f.error().getClass().getName() + ": "
                        + (message.length() > 300 ? "..." + message.substring(message.length() - 300) : message));
            });
            System.exit(summary.succeeded() ? 0 : 1);
        }
    }
}
