package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the tests on real file systems: fresh directories, test data, and the checks every
 * test ends with (no descriptor left open on a test file system, no temporary file left).
 */
public abstract class RealFileSystemTest {
    private final List<Path> directories = new ArrayList<>();
    /** Descriptors open on the test file systems before the test: left by an earlier one, not this one's. */
    private List<String> descriptorsBefore = List.of();

    @BeforeEach
    void noteOpenDescriptors() {
        descriptorsBefore = Leaks.openDescriptorsOnTestFileSystems();
    }

    /** A fresh directory on {@code fs}, checked for leftovers after the test. */
    protected Path directoryOn(TestFileSystem fs) {
        Path directory = fs.newDirectory(getClass().getSimpleName());
        directories.add(directory);
        return directory;
    }

    /** A fresh directory on the overlay {@code fs} (in its upper layer), checked for leftovers after the test. */
    protected Path directoryOn(OverlayFileSystem fs) {
        Path directory = fs.newDirectory(getClass().getSimpleName());
        directories.add(directory);
        return directory;
    }

    @AfterEach
    void nothingLeftBehind() throws IOException {
        try {
            List<String> open = new ArrayList<>(Leaks.openDescriptorsOnTestFileSystems());
            open.removeAll(descriptorsBefore);
            assertEquals(List.of(), open, "descriptors left open");
            for (Path directory : directories) {
                assertEquals(List.of(), Leaks.temporaryFiles(directory), "temporary files left in " + directory);
            }
        } finally {
            for (Path directory : directories) {
                deleteTree(directory);
            }
        }
    }

    /** Removes a test's directory, so that runs do not fill the small test file systems. */
    private static void deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(directory)) {
            for (Path path : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** {@code size} reproducible pseudo-random bytes. */
    public static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes a file of {@code size} pseudo-random bytes, creating its directory if needed. */
    public static Path writeRandomFile(Path file, int size, long seed) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, randomBytes(size, seed));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void assertSameContent(Path expected, Path actual) throws IOException {
        assertArrayEquals(
                Files.readAllBytes(expected), Files.readAllBytes(actual), actual + " differs from " + expected);
    }

    public static Object inode(Path file) throws IOException {
        return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    /** Bytes really allocated on disk (st_blocks * 512). */
    public static long allocatedBytes(Path file) {
        return Long.parseLong(Extents.run("stat", "-c", "%b", file.toString()).trim()) * 512;
    }
}
