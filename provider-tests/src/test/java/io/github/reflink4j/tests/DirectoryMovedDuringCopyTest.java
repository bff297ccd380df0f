package io.github.reflink4j.tests;

import static io.github.reflink4j.tests.TreeCopySafetyTest.assertNone;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A directory moved out of the source while the copy is busy far below it costs only what was
 * inside it: everything else is copied, failures are reported only for entries inside it, and
 * every other directory gets its final mode. The tree is deeper than the number of directories
 * the engine keeps open (OpenDirectories.BUDGET, 32), so that the directories above the moved
 * one have been closed and must be found again on the way back up.
 */
class DirectoryMovedDuringCopyTest extends RealFileSystemTest {
    /** d0/d1/.../d39: 41 levels with the root, more than the 32 directories kept open. */
    private static final int DEPTH = 40;

    private static final int SIBLINGS = 6;
    /** d0/.../d8 is moved away when the copy creates d39. */
    private static final int MOVED = 8;

    /**
     * root/d0/.../d39, every level (the root and d39 too) with 6 sibling directories s0..s5 each
     * holding one file "f" that names its own directory; d(i+1) is made before the siblings of
     * its level, so that on file systems that list in creation order the siblings come after it.
     * Every directory is 0755.
     */
    private static Path buildTree(Path root) throws IOException {
        Files.createDirectories(root);
        Path level = root;
        for (int i = 0; i <= DEPTH; i++) {
            Path next = i < DEPTH ? Files.createDirectory(level.resolve("d" + i)) : null;
            for (int s = 0; s < SIBLINGS; s++) {
                Path sibling = Files.createDirectory(level.resolve("s" + s));
                Files.writeString(sibling.resolve("f"), root.relativize(sibling).toString());
                Files.setAttribute(sibling, "unix:mode", 0755);
            }
            Files.setAttribute(level, "unix:mode", 0755);
            level = next;
        }
        return root;
    }

    /** "d0/d1/.../d{last}". */
    private static String chain(int last) {
        StringBuilder path = new StringBuilder("d0");
        for (int i = 1; i <= last; i++) {
            path.append("/d").append(i);
        }
        return path.toString();
    }

    private static int mode(Path path) throws IOException {
        return (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777;
    }

    /**
     * Guards the walk back up past directories the engine closed for want of descriptors: a
     * directory moved out of the source (d0/.../d8, moved when the copy creates d39) must not
     * cost the entries above and beside it, nor leave their copies at the engine's working
     * mode 0700.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_directoryMovedOutOfTheSourceWhileTheCopyIsDeepBelowIt_copiesEverythingElse_withFinalModes(
            TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");
        String movedName = chain(MOVED);
        Path moved = source.resolve(movedName);
        Path movedAway = dir.resolve("moved-away");
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<Throwable> error = new AtomicReference<>();
        TreeCopyListener mover = new TreeCopyListener() {
            @Override
            public synchronized void directoryCreated(Path from, Path to) {
                if (!done.get() && from.equals(source.resolve(chain(DEPTH - 1)))) {
                    try {
                        Files.move(moved, movedAway);
                    } catch (IOException | RuntimeException e) {
                        error.set(e);
                    }
                    done.set(true);
                }
            }
        };

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().listener(mover));

        assertNull(error.get(), "moving the directory failed");
        assertTrue(done.get(), "the copy never created d39, so nothing was moved");
        int umask = TreePermissionsTest.umask();
        List<String> failuresOutside = new ArrayList<>();
        for (TreeCopyFailure failure : summary.failures()) {
            if (!failure.source().startsWith(moved)) {
                IOException e = failure.error();
                failuresOutside.add(source.relativize(failure.source()) + ": "
                        + e.getClass().getSimpleName() + " "
                        + (e instanceof FileSystemException f && f.getReason() != null
                                ? f.getReason()
                                : e.getMessage()));
            }
        }
        List<String> missing = new ArrayList<>();
        int outside = 0;
        Path level = Path.of("");
        for (int i = 0; i <= MOVED; i++) {
            for (int s = 0; s < SIBLINGS; s++) {
                Path file = level.resolve("s" + s).resolve("f");
                outside++;
                Path copy = target.resolve(file.toString());
                if (!Files.isRegularFile(copy, NOFOLLOW_LINKS)
                        || !Files.readString(copy).equals(level.resolve("s" + s).toString())) {
                    missing.add(file.toString());
                }
            }
            level = level.resolve("d" + i);
        }
        List<String> wrongModes = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(target)) {
            for (Path copy : (Iterable<Path>) walk::iterator) {
                String name = target.relativize(copy).toString();
                if (!Files.isDirectory(copy, NOFOLLOW_LINKS)
                        || name.equals(movedName)
                        || name.startsWith(movedName + "/")) {
                    continue;
                }
                int expected = mode(source.resolve(name)) & ~umask;
                if (mode(copy) != expected) {
                    wrongModes.add(
                            String.format("%s: %04o, not %04o", name.isEmpty() ? "." : name, mode(copy), expected));
                }
            }
        }
        int outsideFiles = outside;
        assertAll(
                () -> assertNone(
                        failuresOutside,
                        "failures reported for entries outside the moved " + movedName + " (of "
                                + summary.failures().size() + " failures in all)"),
                () -> assertNone(missing, "files outside the moved directory not copied (of " + outsideFiles + ")"),
                () -> assertNone(wrongModes, "directories outside the moved one not in their final mode"));
    }
}
