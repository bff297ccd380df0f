package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Counts, per file system, the tests that passed, failed and were skipped, so that a green run
 * shows that the btrfs and xfs tests really ran. A test belongs to a file system when its
 * display name names it (parameterized tests are named after their file system). Written at
 * the end of the run to target/filesystem-tally.txt, which src/run-tests.sh prints.
 */
public final class FileSystemTally implements TestExecutionListener {
    private final Map<String, int[]> counts = new TreeMap<>();

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        if (test.isTest()) {
            count(test, 2);
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        if (test.isTest()) {
            count(
                    test,
                    result.getStatus() == TestExecutionResult.Status.SUCCESSFUL
                            ? 0
                            : result.getStatus() == TestExecutionResult.Status.ABORTED ? 2 : 1);
        }
    }

    private void count(TestIdentifier test, int column) {
        String name = test.getDisplayName().toLowerCase(Locale.ROOT);
        List<String> labels = new ArrayList<>();
        for (TestFileSystem fs : TestFileSystem.values()) {
            labels.add(fs.label());
        }
        for (OverlayFileSystem fs : OverlayFileSystem.values()) {
            labels.add(fs.label());
        }
        for (String label : labels) {
            // a whole word; "overlay-xfs" names a test of the overlay, not of xfs
            if (name.matches(".*(?<!" + OverlayFileSystem.PREFIX + ")\\b" + Pattern.quote(label) + "\\b.*")) {
                counts.computeIfAbsent(label, k -> new int[3])[column]++;
            }
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (counts.isEmpty()) {
            return;
        }
        StringBuilder text = new StringBuilder(
                "reflink4j tests per file system (java " + Runtime.version().feature() + "):\n");
        counts.forEach((fs, c) ->
                text.append(String.format("  %-13s %4d passed, %d failed, %d skipped%n", fs, c[0], c[1], c[2])));
        try {
            Files.writeString(Path.of("target", "filesystem-tally.txt"), text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
