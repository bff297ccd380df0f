package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;

/**
 * The file a copy writes into, with all-or-nothing semantics. For a target that does not exist
 * it is the target itself, created with O_EXCL; for an existing target it is a new file beside
 * it that {@link #commit()} renames over the target in one step. {@link #abort} closes and
 * removes whatever this copy created, so a failure leaves an existing target byte-for-byte and
 * inode-for-inode as it was, and no new or temporary file behind.
 */
final class TargetFile {
    private static final int MAX_NAME_IN_TEMP = 100;

    private final Path target;
    private final Path created;
    private int fd;

    private TargetFile(Path target, Path created, int fd) {
        this.target = target;
        this.created = created;
        this.fd = fd;
    }

    /**
     * Creates the file to write: the target itself when {@code replacing} is false, otherwise a
     * temporary file in the target's directory.
     */
    static TargetFile create(Path target, Path source, int mode, boolean replacing) throws IOException {
        Path absolute = target.toAbsolutePath();
        if (!replacing) {
            try {
                return new TargetFile(absolute, absolute, LinuxSyscalls.createExclusive(absolute.toString(), mode));
            } catch (NativeException e) {
                throw Failures.translate(e, target, source);
            }
        }
        Path directory = absolute.getParent();
        String name = absolute.getFileName().toString();
        if (name.length() > MAX_NAME_IN_TEMP) {
            name = name.substring(0, MAX_NAME_IN_TEMP);
        }
        for (;;) {
            byte[] random = new byte[6];
            ThreadLocalRandom.current().nextBytes(random);
            Path temporary = directory.resolve("." + name + ".reflink4j-" + HexFormat.of().formatHex(random) + ".tmp");
            try {
                return new TargetFile(absolute, temporary, LinuxSyscalls.createExclusive(temporary.toString(), mode));
            } catch (NativeException e) {
                if (!e.is(jnr.constants.platform.Errno.EEXIST)) {
                    throw Failures.translate(e, target, source);
                }
            }
        }
    }

    int fd() {
        return fd;
    }

    /** Closes the file and, for a replacement, renames it over the target. */
    void commit() throws IOException {
        closeDescriptor();
        if (!created.equals(target)) {
            Files.move(created, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Closes and removes what this copy created; problems doing so are added to {@code failure}. */
    void abort(Throwable failure) {
        try {
            closeDescriptor();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
        try {
            Files.deleteIfExists(created);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    private void closeDescriptor() throws IOException {
        if (fd >= 0) {
            int open = fd;
            fd = -1;
            try {
                LinuxSyscalls.close(open);
            } catch (NativeException e) {
                throw Failures.translate(e, target, null);
            }
        }
    }
}
