package io.github.reflink4j.engine;

import java.nio.file.Path;

import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * A directory of a tree copy's source and its counterpart in the target, while the copy is busy
 * with them: their descriptors, what the directory still waits for, and its paths, computed
 * only when a message or the listener needs them. The counters and descriptors are guarded by
 * {@link OpenDirectories}.
 */
/** A directory of the source and its copy, while the copy is busy with them. */
final class TreeDirectory {
    final TreeDirectory parent;
    final byte[] name;
    final FileStatus sourceStatus;
    final FileStatus targetStatus;
    final boolean created;
    final int createdMode;
    /** What mkdir would have let through here (the umask or the parent's default ACL). */
    final int allowedBits;

    int sourceFd;
    int targetFd;
    /** The walker's listing, batches in flight and subdirectories not finished. */
    int pending = 1;

    int batchesInFlight;
    boolean parked;
    boolean broken;
    long cookie;
    private int allowedForChildren = -1;
    private Path source;
    private Path target;

    /** The roots of the copy; for the root directory, its paths. */
    private final Path sourceRoot;

    private final Path targetRoot;

    TreeDirectory(
            TreeDirectory parent,
            byte[] name,
            FileStatus sourceStatus,
            int sourceFd,
            int targetFd,
            FileStatus targetStatus,
            boolean created,
            int allowedBits,
            Path sourceRoot,
            Path targetRoot) {
        this.parent = parent;
        this.sourceRoot = sourceRoot;
        this.targetRoot = targetRoot;
        this.name = name;
        this.sourceStatus = sourceStatus;
        this.sourceFd = sourceFd;
        this.targetFd = targetFd;
        this.targetStatus = targetStatus;
        this.created = created;
        this.createdMode = targetStatus.mode();
        this.allowedBits = allowedBits;
    }

    /** For the walker, which alone creates subdirectories: the parent is open then. */
    int allowedBitsForChildren(Syscalls sys, DirectoryModes modes) throws NativeException {
        if (allowedForChildren < 0) {
            allowedForChildren = modes.allowedBitsIn(sys, targetFd);
        }
        return allowedForChildren;
    }

    synchronized Path source() {
        if (source == null) {
            source = parent == null ? sourceRoot : NativePaths.resolve(parent.source(), name);
        }
        return source;
    }

    synchronized Path target() {
        if (target == null) {
            target = parent == null ? targetRoot : NativePaths.resolve(parent.target(), name);
        }
        return target;
    }

    Path source(byte[] entry) {
        return NativePaths.resolve(source(), entry);
    }

    Path target(byte[] entry) {
        return NativePaths.resolve(target(), entry);
    }

    /** The names from the target root down to this directory (empty for the root). */
    java.util.List<byte[]> namesBelowRoot() {
        java.util.ArrayDeque<byte[]> names = new java.util.ArrayDeque<>();
        for (TreeDirectory d = this; d.parent != null; d = d.parent) {
            names.push(d.name);
        }
        return java.util.List.copyOf(names);
    }
}
