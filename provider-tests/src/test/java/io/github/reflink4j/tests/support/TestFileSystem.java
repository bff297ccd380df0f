package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The real file systems the tests run on, found through {@code REFLINK4J_TEST_FS}
 * ({@code btrfs=/mnt/a,xfs=/mnt/b,ext4=/mnt/c,tmpfs=/mnt/d}, printed by src/test-filesystems.sh).
 * A missing one skips the test with an assumption that says why, or fails it when
 * {@code REFLINK4J_REQUIRE_FS=1} (as in CI). The overlayfs mounts of the same variable
 * ({@code overlay-xfs=...}) are {@link OverlayFileSystem}'s, so that the many tests that run on
 * every one of these do not run on them too.
 */
public enum TestFileSystem {
    BTRFS(true),
    XFS(true),
    EXT4(false),
    TMPFS(false);

    public static final String VARIABLE = "REFLINK4J_TEST_FS";
    private static final Map<TestFileSystem, Path> MOUNTS = parse(System.getenv(VARIABLE));

    private final boolean clones;

    TestFileSystem(boolean clones) {
        this.clones = clones;
    }

    /** Whether this file system can share blocks between files. */
    public boolean clones() {
        return clones;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return label();
    }

    /** A new empty directory on this file system, for one test. */
    public Path newDirectory(String purpose) {
        Path mount = mountPoint();
        try {
            return Files.createTempDirectory(mount, purpose + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The mount point, after checking that it really is this file system. */
    public Path mountPoint() {
        Path mount = MOUNTS.get(this);
        if (mount == null) {
            unavailable(label() + " is not in " + VARIABLE
                    + " (run src/test-filesystems.sh as root and export what it prints)");
        }
        try {
            assertEquals(label(), Files.getFileStore(mount).type(), mount + " is not a " + label() + " mount");
        } catch (IOException e) {
            unavailable(label() + " at " + mount + " cannot be read: " + e);
        }
        return mount;
    }

    /** All mount points known (the overlays' too), to look for leaked descriptors and files. */
    public static Iterable<Path> knownMounts() {
        java.util.List<Path> known = new java.util.ArrayList<>(MOUNTS.values());
        for (OverlayFileSystem overlay : OverlayFileSystem.values()) {
            overlay.configuredMount().ifPresent(known::add);
        }
        return known;
    }

    /** Skips the test (or fails it under REFLINK4J_REQUIRE_FS=1) for a missing prerequisite. */
    public static void unavailable(String reason) {
        if ("1".equals(System.getenv("REFLINK4J_REQUIRE_FS"))) {
            fail("REFLINK4J_REQUIRE_FS=1 but " + reason);
        }
        assumeTrue(false, reason);
    }

    private static Map<TestFileSystem, Path> parse(String value) {
        Map<TestFileSystem, Path> mounts = new HashMap<>();
        entries(value).forEach((name, path) -> {
            if (!name.startsWith(OverlayFileSystem.PREFIX)) { // overlay-xfs=...: OverlayFileSystem's
                mounts.put(valueOf(name.toUpperCase(Locale.ROOT)), path);
            }
        });
        return mounts;
    }

    /** The {@code name=path} entries of a {@code REFLINK4J_TEST_FS} value, names in lower case. */
    static Map<String, Path> entries(String value) {
        Map<String, Path> entries = new HashMap<>();
        if (value == null || value.isBlank()) {
            return entries;
        }
        for (String entry : value.split(",")) {
            String[] pair = entry.split("=", 2);
            if (pair.length == 2) {
                entries.put(pair[0].trim().toLowerCase(Locale.ROOT), Path.of(pair[1].trim()));
            }
        }
        return entries;
    }
}
