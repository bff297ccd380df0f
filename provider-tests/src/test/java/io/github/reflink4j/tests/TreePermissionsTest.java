package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A directory of a tree copy is never more open than it ends up: while the copy fills it, group
 * and others have at most the rights they get at the end (so no one can slip a file into, or
 * read from, a directory the source kept private). After the copy each directory has its final
 * mode: with COPY_ATTRIBUTES exactly the source's, without it the source's less the umask, as
 * Files.copy and cp without -p give.
 */
class TreePermissionsTest extends RealFileSystemTest {
    private static final int GROUP_AND_OTHER = 0077;

    /** Directories with these modes (a private one inside an open one and the reverse too), five files in each. */
    private static final Map<String, Integer> MODES = modes();

    private static Map<String, Integer> modes() {
        Map<String, Integer> modes = new TreeMap<>();
        modes.put("d700", 0700);
        modes.put("d750", 0750);
        modes.put("d755", 0755);
        modes.put("d500", 0500);
        modes.put("d755/in700", 0700);
        modes.put("d700/in755", 0755);
        modes.put("d777", 0777);
        modes.put("d711", 0711);
        return modes;
    }

    /** The tree of {@link #MODES}; modes are set last, deepest first, so that read-only directories can be filled. */
    private static Path buildTree(Path root, Map<String, Integer> modes) throws IOException {
        Files.createDirectories(root);
        for (String directory : modes.keySet()) {
            Files.createDirectories(root.resolve(directory));
            for (int i = 0; i < 5; i++) {
                writeRandomFile(root.resolve(directory).resolve("f" + i), 1000 + i, i);
            }
        }
        List<String> deepestFirst = new ArrayList<>(modes.keySet());
        deepestFirst.sort((a, b) -> b.length() - a.length());
        for (String directory : deepestFirst) {
            Files.setAttribute(root.resolve(directory), "unix:mode", modes.get(directory));
        }
        return root;
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777;
    }

    /** Every directory under {@code root} (itself as ""), with its mode. */
    private static Map<String, Integer> directoryModes(Path root) throws IOException {
        Map<String, Integer> modes = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                if (Files.isDirectory(path, NOFOLLOW_LINKS)) {
                    modes.put(root.relativize(path).toString(), mode(path));
                }
            }
        }
        return modes;
    }

    /** This process's umask, from /proc (the JDK has no getter for it). */
    static int umask() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("Umask:")) {
                return Integer.parseInt(line.substring("Umask:".length()).trim(), 8);
            }
        }
        throw new IOException("no Umask line in /proc/self/status");
    }

    private static String octal(Map<String, Integer> modes) {
        StringBuilder text = new StringBuilder();
        modes.forEach((name, mode) -> text.append(String.format("%s=%04o ", name.isEmpty() ? "." : name, mode)));
        return text.toString().trim();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_neverLeavesADirectoryWiderThanItsFinalMode_whileItIsFilled(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"), MODES);
        Path target = dir.resolve("target");
        Map<String, Integer> widest = new TreeMap<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        TreeCopyListener watcher = new TreeCopyListener() {
            /** At every callback: the group and other bits of every target directory there is so far. */
            private synchronized void look() {
                if (!Files.exists(target, NOFOLLOW_LINKS)) {
                    return;
                }
                try {
                    directoryModes(target)
                            .forEach((name, mode) -> widest.merge(name, mode & GROUP_AND_OTHER, (a, b) -> a | b));
                } catch (IOException | RuntimeException e) {
                    error.compareAndSet(null, e);
                }
            }

            @Override
            public void directoryCreated(Path from, Path to) {
                look();
            }

            @Override
            public void fileCopied(Path from, Path to, CopyResult result) {
                look();
            }
        };

        TreeCopySummary summary = Reflink.copyTree(
                source, target, TreeCopy.options().parallelism(2).listener(watcher));

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertNull(error.get(), "looking at the target failed");
        Map<String, Integer> finalModes = directoryModes(target);
        assertEquals(finalModes.keySet(), widest.keySet(), "a directory no callback saw");
        Map<String, Integer> wider = new TreeMap<>();
        widest.forEach((name, seen) -> {
            if ((seen & ~finalModes.get(name)) != 0) {
                wider.put(name, seen);
            }
        });
        assertTrue(
                wider.isEmpty(),
                "group/other bits seen during the copy (" + octal(wider) + ") that the final modes ("
                        + octal(finalModes) + ") do not have");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_withCopyAttributes_directoriesEndWithExactlyTheSourceModes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Map<String, Integer> modes = new TreeMap<>(MODES);
        modes.put("d1777", 01777);
        Path source = buildTree(dir.resolve("source"), modes);
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target, COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(octal(directoryModes(source)), octal(directoryModes(target)));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_withoutCopyAttributes_directoriesAndFilesEndWithTheSourceModesLessTheUmask(TestFileSystem fs)
            throws IOException {
        int umask = umask();
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"), MODES);
        Files.setAttribute(source.resolve("d777/f0"), "unix:mode", 0666);
        Files.setAttribute(source.resolve("d777/f1"), "unix:mode", 0777);
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        Map<String, Integer> expected = new TreeMap<>();
        directoryModes(source).forEach((name, mode) -> expected.put(name, mode & 0777 & ~umask));
        Map<String, Integer> actual = new TreeMap<>();
        directoryModes(target).forEach((name, mode) -> actual.put(name, mode & 0777));
        assertEquals(octal(expected), octal(actual), String.format("umask %04o", umask));
        assertEquals(
                0666 & ~umask, mode(target.resolve("d777/f0")), String.format("file of mode 0666, umask %04o", umask));
        assertEquals(
                0777 & ~umask, mode(target.resolve("d777/f1")), String.format("file of mode 0777, umask %04o", umask));
    }
}
