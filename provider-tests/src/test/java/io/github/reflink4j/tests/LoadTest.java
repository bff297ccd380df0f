package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Many threads at once doing thousands of mixed operations on one file system that clones:
 * whole-file clones into new files (Reflink.always, Reflink.auto, Reflink.copy, Files.copy between
 * wrapped paths; ALWAYS and AUTO), replacements of each thread's own existing target and of three
 * targets all threads replace (REPLACE_EXISTING), range copies (Reflink.partial in all three
 * modes, checked against a model of the bytes), tree copies (Reflink.copyTree, in parallel),
 * NEVER copies and dedupes (identical, and with one byte changed). Then rounds in which every
 * thread replaces the same target at the same moment (a barrier releases them together).
 *
 * <p>Every result is checked at once: each file read back byte for byte (a target several threads
 * replace must hold exactly one source, wholly, whenever it is read), the CopyResult, DedupeResult
 * and TreeCopySummary, and for one operation in 25 the extents (filefrag: all shared after a clone
 * or dedupe, none after NEVER). At the end the sources are unchanged, no descriptor is open that
 * was not before (counted in /proc/self/fd after a warm-up of every kind), and no temporary file is
 * left. The work runs in a JVM of its own whose heap is capped ({@value #HEAP}), with
 * ExitOnOutOfMemoryError: memory that grew with the number of operations would end it; the heap
 * after a full GC is also compared before and after.
 *
 * <p>It prints one line to quote, e.g. {@code load: btrfs, 8 threads, 7000 operations (clone 1750,
 * ...), ... 21.3 s, seed 42, 0 failures}. Settings (system properties, passed through
 * {@code src/run-tests.sh}): {@code reflink4j.load.operations} (default {@value #OPERATIONS}, about
 * half a minute per file system here), {@code reflink4j.load.threads} (8), {@code reflink4j.load.rounds}
 * ({@value #ROUNDS}), {@code reflink4j.load.seed} (default: the clock; printed, so a failure can be
 * replayed, although thread interleaving is not). A soak, a few minutes per file system:
 * <pre>
 * src/run-tests.sh -q -Dtest=LoadTest -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dreflink4j.load.operations=100000 -Dreflink4j.load.threads=16 -Dreflink4j.load.rounds=2000
 * </pre>
 */
class LoadTest extends RealFileSystemTest {
    static final int OPERATIONS = 7000;
    static final int ROUNDS = 150;
    static final String HEAP = "64m";
    private static final Pattern SUMMARY = Pattern.compile(
            "load: (\\w+), (\\d+) threads, (\\d+) operations \\(([^)]*)\\).*? (\\d+) bytes verified, (\\d+) extent checks,"
                    + " (\\d+) descriptors leaked.*heap after GC ([0-9.]+) MiB before, ([0-9.]+) MiB after.*"
                    + " (\\d+) failures");

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void thousandsOfMixedOperations_fromManyThreads_loseNothing(TestFileSystem fs) {
        Path dir = directoryOn(fs);
        int operations = Integer.getInteger("reflink4j.load.operations", OPERATIONS);
        int threads = Integer.getInteger("reflink4j.load.threads", 8);
        int rounds = Integer.getInteger("reflink4j.load.rounds", ROUNDS);
        long seed = Long.getLong("reflink4j.load.seed", System.currentTimeMillis());

        ForkedJvm.Result run = ForkedJvm.of(LoadWorkload.class)
                .jvmOptions("-Xmx" + HEAP, "-XX:MaxDirectMemorySize=" + HEAP, "-XX:+ExitOnOutOfMemoryError")
                .run(
                        Math.max(300, operations / 20),
                        dir.toString(),
                        Long.toString(seed),
                        Integer.toString(operations),
                        Integer.toString(threads),
                        Integer.toString(rounds));

        System.out.println(run.output().strip());
        assertEquals(0, run.exitCode(), run.output());
        Matcher summary = SUMMARY.matcher(run.output());
        assertTrue(summary.find(), "no summary line in: " + run.output());
        assertEquals(fs.label(), summary.group(1));
        assertEquals(threads, Integer.parseInt(summary.group(2)));
        assertEquals(operations, Integer.parseInt(summary.group(3)), "operations done: " + summary.group(4));
        for (String kind : summary.group(4).split(", ")) {
            assertTrue(Long.parseLong(kind.substring(kind.indexOf(' ') + 1)) > 0, "no operation of a kind: " + kind);
        }
        assertTrue(Long.parseLong(summary.group(5)) > 0, "bytes verified");
        assertTrue(Long.parseLong(summary.group(6)) > 0, "extent checks");
        assertEquals("0", summary.group(7), "descriptors leaked");
        double heapGrowth = Double.parseDouble(summary.group(9)) - Double.parseDouble(summary.group(8));
        assertTrue(heapGrowth < 8, "the heap kept after a full GC grew by " + heapGrowth + " MiB");
        assertEquals("0", summary.group(10), "failures");
    }
}
