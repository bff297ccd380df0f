package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The permissions of the directories a tree copy creates. Each is created open to its owner
 * only (0700), so that nobody else can look into it or write to it while it is filled, and gets
 * its final mode once its contents are copied. Without COPY_ATTRIBUTES the final mode is what
 * {@code mkdir} with the source's mode would have given, as {@code Files.copy} and {@code cp}
 * give it: the source's bits filtered by the process's umask or, where the parent directory has
 * a default ACL, by that ACL (which then takes the umask's place).
 */
final class DirectoryModes {
    private static final int S_ISGID = 02000;
    private static final int S_ISVTX = 01000;

    /** The mode a directory has while the copy fills it. */
    static final int WHILE_COPYING = 0700;

    private final int umask;

    private DirectoryModes(int umask) {
        this.umask = umask;
    }

    /** The process's umask, read once (from /proc, since umask(2) cannot be read without setting it). */
    static DirectoryModes ofThisProcess() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("Umask:")) {
                    return new DirectoryModes(Integer.parseInt(line.substring(6).trim(), 8));
                }
            }
        } catch (IOException | RuntimeException e) {
            // an old kernel without the field: assume the narrowest umask
        }
        return new DirectoryModes(077);
    }

    /**
     * The permission bits {@code mkdir} would let through for a new directory in {@code parentFd}:
     * the default ACL's owner, mask (or group) and other entries where it has one, else the
     * complement of the umask.
     */
    int allowedBitsIn(Syscalls sys, int parentFd) throws NativeException {
        PosixAcl acl;
        try {
            acl = PosixAcl.parse(sys.getExtendedAttribute(parentFd, PosixAcl.DEFAULT));
        } catch (NativeException e) {
            if (!e.is(Errno.EOPNOTSUPP)) {
                throw e;
            }
            acl = null; // no ACLs on this file system
        }
        return acl == null ? 0777 & ~umask : acl.creationBits();
    }

    /**
     * The final mode of a created directory without COPY_ATTRIBUTES: the source's permission
     * bits and sticky bit filtered by {@code allowed}, plus the setgid bit the new directory
     * inherited from its parent, if any.
     */
    static int finalMode(int sourceMode, int allowed, int createdMode) {
        return sourceMode & 0777 & allowed | sourceMode & S_ISVTX | createdMode & S_ISGID;
    }
}
