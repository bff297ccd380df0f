package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The overlayfs mounts the tests run on, as a container's root file system is (Docker's
 * overlay2, Podman): {@code overlay-xfs} and {@code overlay-btrfs} in {@code REFLINK4J_TEST_FS},
 * each with all its layers on the one file system it names, mounted by src/test-filesystems.sh.
 * Kept apart from {@link TestFileSystem}, so that only the tests written for an overlay run on
 * one. A missing one skips the test with an assumption saying why, or fails it under
 * {@code REFLINK4J_REQUIRE_FS=1}.
 *
 * <pre>{@code
 * @ParameterizedTest(name = "{0}")
 * @EnumSource(OverlayFileSystem.class)
 * void cloneWorks(OverlayFileSystem fs) {
 *     Path dir = directoryOn(fs);              // a fresh directory in the overlay's upper layer
 *     Path layers = directoryOn(fs.layers());  // or on the file system below, for an OverlayMount
 * }
 * }</pre>
 */
public enum OverlayFileSystem {
    OVERLAY_XFS(TestFileSystem.XFS),
    OVERLAY_BTRFS(TestFileSystem.BTRFS);

    /** How the overlays' names in {@code REFLINK4J_TEST_FS} begin. */
    public static final String PREFIX = "overlay-";

    private final TestFileSystem layers;

    OverlayFileSystem(TestFileSystem layers) {
        this.layers = layers;
    }

    /** The file system every layer (lower, upper, work) of this overlay is on. */
    public TestFileSystem layers() {
        return layers;
    }

    /** {@code overlay-xfs}: its name in {@code REFLINK4J_TEST_FS} and in test names. */
    public String label() {
        return PREFIX + layers.label();
    }

    @Override
    public String toString() {
        return label();
    }

    /** Where {@code REFLINK4J_TEST_FS} says it is mounted, unchecked. */
    Optional<Path> configuredMount() {
        return Optional.ofNullable(
                TestFileSystem.entries(System.getenv(TestFileSystem.VARIABLE)).get(label()));
    }

    /** A new empty directory on this overlay (in its upper layer), for one test. */
    public Path newDirectory(String purpose) {
        try {
            return Files.createTempDirectory(mountPoint(), purpose + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mount point, after checking that it is an overlay whose upper layer is on {@link #layers()}. */
    public Path mountPoint() {
        Optional<Path> configured = configuredMount();
        if (configured.isEmpty()) {
            TestFileSystem.unavailable(label() + " is not in " + TestFileSystem.VARIABLE
                    + " (run src/test-filesystems.sh as root and export what it prints)");
        }
        Path mount = configured.orElseThrow();
        try {
            assertEquals("overlay", Files.getFileStore(mount).type(), mount + " is not an overlay mount");
        } catch (IOException e) {
            TestFileSystem.unavailable(label() + " at " + mount + " cannot be read: " + e);
        }
        Path upper = upperDirectory(mount);
        try {
            assertEquals(
                    layers.label(),
                    Files.getFileStore(upper).type(),
                    "the upper layer " + upper + " of " + mount + " is not on " + layers.label());
        } catch (IOException e) {
            fail("the upper layer " + upper + " of " + mount + " cannot be read: " + e);
        }
        return mount;
    }

    /** The real directory of its upper layer, where what is written through it lands. */
    public Path upperLayer() {
        return upperDirectory(mountPoint());
    }

    /** The {@code upperdir} of the overlay mounted at {@code mount}, from /proc/self/mountinfo. */
    static Path upperDirectory(Path mount) {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String line : lines) {
            // "36 35 0:40 / /mnt/point rw,relatime shared:1 - overlay name rw,lowerdir=...,upperdir=...,..."
            String[] halves = line.split(" - ", 2);
            String[] fields = halves[0].split(" ");
            if (halves.length == 2 && fields.length > 4 && Path.of(fields[4]).equals(mount.toAbsolutePath())) {
                String[] after = halves[1].split(" ");
                if (after.length == 3 && after[0].equals("overlay")) {
                    for (String option : after[2].split(",")) {
                        if (option.startsWith("upperdir=")) {
                            return Path.of(option.substring("upperdir=".length()));
                        }
                    }
                }
            }
        }
        throw new AssertionError("no overlay with an upperdir is mounted at " + mount + " (/proc/self/mountinfo)");
    }

    /** Parses {@code overlay-xfs}. */
    public static OverlayFileSystem ofLabel(String label) {
        return valueOf(label.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
