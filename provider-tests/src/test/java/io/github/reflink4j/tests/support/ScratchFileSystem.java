package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A small file system of a test's own, on a loop image under /var/tmp: for what must never be
 * done to the shared test file systems (shutting one down as a power cut does, remounting it).
 * {@link #close} unmounts it and removes the image, also after a failure.
 *
 * <pre>{@code
 * try (ScratchFileSystem fs = ScratchFileSystem.create(ScratchFileSystem.Type.XFS, 320)) {
 *     Files.writeString(fs.mountPoint().resolve("a"), "data");
 *     fs.powerCut();   // what was not on disk is gone
 * }
 * }</pre>
 */
public final class ScratchFileSystem implements AutoCloseable {
    /** The kinds of file system, with how to make one. */
    public enum Type {
        /** xfs with reflink, so that it can clone. */
        XFS("mkfs.xfs -q -m reflink=1"),
        EXT4("mkfs.ext4 -q -F");

        private final String mkfs;

        Type(String mkfs) {
            this.mkfs = mkfs;
        }
    }

    private final Path directory;
    private final Path image;
    private final Path mountPoint;
    private boolean mounted;

    private ScratchFileSystem(Path directory) {
        this.directory = directory;
        this.image = directory.resolve("fs.img");
        this.mountPoint = directory.resolve("mnt");
    }

    /**
     * Makes and mounts a file system of {@code mebibytes}; the test is skipped (failed under
     * REFLINK4J_REQUIRE_FS=1) where that cannot be done here.
     */
    public static ScratchFileSystem create(Type type, int mebibytes) {
        if (!Shell.run("id -u").trim().equals("0")) {
            TestFileSystem.unavailable("making and mounting a loop file system needs root");
        }
        String tool = type.mkfs.split(" ")[0];
        if (Shell.exec("command -v \"$1\" && command -v xfs_io", tool).exitCode() != 0) {
            TestFileSystem.unavailable(tool + " or xfs_io is not installed (xfsprogs, e2fsprogs)");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory(
                    Path.of("/var/tmp"), "reflink4j-scratch-" + type.name().toLowerCase() + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ScratchFileSystem fs = new ScratchFileSystem(directory);
        try {
            Files.createDirectory(fs.mountPoint);
            Shell.run(
                    "truncate -s \"$1\"M \"$2\" && " + type.mkfs + " \"$2\"",
                    Integer.toString(mebibytes),
                    fs.image.toString());
            fs.mount();
            return fs;
        } catch (IOException e) {
            fs.closeAfter(e);
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            fs.closeAfter(e);
            throw e;
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** Writes back everything written so far (syncfs): the state a power cut must not go behind. */
    public void sync() {
        Shell.run("sync -f \"$1\"", mountPoint.toString());
    }

    /**
     * Cuts the power, as far as this file system can tell: the journal is flushed to disk and the
     * file system shut down at once ({@code xfs_io -x -c "shutdown -f"}, which xfs and ext4 both
     * take), so data still in the page cache never reaches the disk; then it is unmounted and
     * mounted again, recovering from its journal as after a reboot. Nothing of this JVM may still
     * be open on it.
     */
    public void powerCut() {
        List<String> open = openDescriptors();
        if (!open.isEmpty()) {
            throw new AssertionError("descriptors still open on " + mountPoint + ": " + open);
        }
        Shell.run("xfs_io -x -c 'shutdown -f' \"$1\"", mountPoint.toString());
        unmount();
        mount();
    }

    /** This JVM's descriptors open on the file system. */
    public List<String> openDescriptors() {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(mountPoint)) {
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed while listed: not open
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }

    private void mount() {
        Shell.run("mount -o loop \"$1\" \"$2\"", image.toString(), mountPoint.toString());
        mounted = true;
    }

    private void unmount() {
        Shell.run("umount \"$1\"", mountPoint.toString());
        mounted = false;
    }

    @Override
    public void close() {
        closeAfter(null);
    }

    /** Unmounts and removes everything; a problem doing so is added to {@code failure}, or thrown. */
    private void closeAfter(Throwable failure) {
        List<Runnable> steps = List.of(
                () -> {
                    if (mounted) {
                        unmount();
                    }
                },
                () -> deleteIfExists(image),
                () -> deleteIfExists(mountPoint),
                () -> deleteIfExists(directory));
        Throwable first = failure;
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException | Error e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (failure == null && first != null) {
            throw sneaky(first);
        }
    }

    private static void deleteIfExists(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static RuntimeException sneaky(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
