package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An overlayfs of a test's own, mounted by the test, for what the shared overlays of
 * {@link OverlayFileSystem} cannot offer: files in the lower layer (which may only be written
 * before the overlay is mounted), or an upper layer on another file system than the lower.
 * Fill {@link #lower()}, then {@link #mount()}; {@link #close} unmounts it, also after a failure
 * (the directories are the test's, removed with it).
 *
 * <pre>{@code
 * try (OverlayMount overlay = OverlayMount.in(directoryOn(TestFileSystem.XFS))) {
 *     Files.writeString(overlay.lower().resolve("image-file"), "from the image");
 *     Path root = overlay.mount();    // root/image-file is now a lower-layer file
 * }
 * }</pre>
 */
public final class OverlayMount implements AutoCloseable {
    private final Path lower;
    private final Path upper;
    private final Path work;
    private final Path merged;
    private boolean mounted;

    private OverlayMount(Path lowerParent, Path upperParent) {
        this.lower = lowerParent.resolve("lower");
        this.upper = upperParent.resolve("upper");
        this.work = upperParent.resolve("work");
        this.merged = upperParent.resolve("merged");
    }

    /** All the layers in {@code directory}: lower/, upper/, work/ and the mount point merged/. */
    public static OverlayMount in(Path directory) {
        return split(directory, directory);
    }

    /** The lower layer in {@code lowerParent}, the upper one (and work/, merged/) in {@code upperParent}. */
    public static OverlayMount split(Path lowerParent, Path upperParent) {
        if (!Shell.run("id -u").trim().equals("0")) {
            TestFileSystem.unavailable("mounting an overlayfs needs root");
        }
        OverlayMount overlay = new OverlayMount(lowerParent, upperParent);
        try {
            for (Path directory : new Path[] {overlay.lower, overlay.upper, overlay.work, overlay.merged}) {
                Files.createDirectory(directory);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return overlay;
    }

    /** The lower layer's real directory: write here only before {@link #mount()}. */
    public Path lower() {
        return lower;
    }

    /** The upper layer's real directory, where what is written through the overlay really lands. */
    public Path upper() {
        return upper;
    }

    /** Mounts the overlay; returns its root. */
    public Path mount() {
        Shell result = Shell.exec(
                "mount -t overlay reflink4j-test-overlay -o \"lowerdir=$1,upperdir=$2,workdir=$3\" \"$4\"",
                lower.toString(),
                upper.toString(),
                work.toString(),
                merged.toString());
        if (result.exitCode() != 0) {
            TestFileSystem.unavailable("cannot mount an overlayfs (lower " + lower + ", upper " + upper + "): "
                    + result.stderr().strip());
        }
        mounted = true;
        return merged;
    }

    /** The overlay's root, where it is mounted. */
    public Path root() {
        return merged;
    }

    /**
     * Unmounts the overlay. When it is busy (a descriptor or a process still in it), it is still
     * detached (umount -l), so that no mount of a test's stays on the file system below, keeping
     * it busy for every later test and for {@code src/test-filesystems.sh --unmount}; and the
     * test fails, naming what kept it busy.
     */
    @Override
    public void close() {
        if (!mounted) {
            return;
        }
        mounted = false;
        Shell unmounted = Shell.exec("umount \"$1\"", merged.toString());
        if (unmounted.exitCode() != 0) {
            Shell detached = Shell.exec("umount -l \"$1\"", merged.toString());
            throw new AssertionError("cannot unmount the overlay at " + merged + ": "
                    + unmounted.stderr().strip()
                    + (detached.exitCode() == 0
                            ? "; detached it (umount -l), it goes once the last user closes it"
                            : "; nor detach it (umount -l): "
                                    + detached.stderr().strip()));
        }
    }
}
