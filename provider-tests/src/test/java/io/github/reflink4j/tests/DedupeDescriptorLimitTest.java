package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A tree dedupe under a low RLIMIT_NOFILE ({@code ulimit -n 120}, in a forked JVM): one worker's
 * source and 127 destinations alone would pass it, and before the cap 96 of the 398 files failed
 * with EMFILE; the descriptors it holds are capped at half the limit (one worker of four asked
 * for, 54 destinations per request), so every file is deduplicated.
 */
class DedupeDescriptorLimitTest extends RealFileSystemTest {
    private static final int SIZE = 64 << 10;
    private static final int GROUPS = 2;
    private static final int FILES = 200;

    @Test
    void underALowDescriptorLimit_fourWorkersOfLargeGroups_dedupeEveryFileWithoutEmfile() {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        List<Path> files = new ArrayList<>();
        for (int g = 0; g < GROUPS; g++) {
            for (int i = 0; i < FILES; i++) {
                files.add(writeRandomFile(dir.resolve("tree/g" + g + "/f" + i), SIZE, 40 + g));
            }
        }

        ForkedJvm.Result run = ForkedJvm.of(DedupeProgram.class)
                .shell("ulimit -n 120")
                .run(300, dir.resolve("tree").toString());

        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("limit 120;"), run.output());
        assertTrue(run.output().contains("failures 0;"), run.output());
        assertTrue(run.output().contains("files " + GROUPS * (FILES - 1) + ";"), run.output());
        for (Path file : List.of(files.get(0), files.get(FILES - 1), files.get(FILES), files.get(files.size() - 1))) {
            assertTrue(Extents.allShared(file), file.toString());
        }
    }

    /** Deduplicates the tree {@code args[0]} with 4 workers and prints the limit and the summary. */
    public static final class DedupeProgram {
        public static void main(String[] args) throws IOException {
            TreeDedupeSummary summary = Reflink.dedupeTree(
                    List.of(Path.of(args[0])), TreeDedupe.options().parallelism(4));
            String limit = java.nio.file.Files.readAllLines(Path.of("/proc/self/limits")).stream()
                    .filter(line -> line.startsWith("Max open files"))
                    .findFirst()
                    .orElse("?")
                    .replaceAll("Max open files +(\\S+).*", "$1");
            System.out.println("limit " + limit + "; failures "
                    + summary.failures().size() + "; files " + summary.files() + "; "
                    + (summary.failures().isEmpty() ? "" : summary.failures().get(0)));
        }
    }
}
