package io.github.reflink4j.engine;

import java.nio.file.Path;
import java.util.Arrays;

import io.github.reflink4j.linux.FileStatus;

/**
 * A regular file of a tree dedupe as it was listed: the bytes of its path (to order files by;
 * never opened by them), its listed directory (to reach it from its root, name by name; null for
 * a root named by the caller), its directory's path and its name (its own path is made only when it is named: most files of a tree never are), and
 * the identity and size every later open must find again (else the file moved or changed, and
 * is left alone).
 *
 * @param name the file's name in {@code directory}, or null when {@code directory} is the file
 *             itself (a root named by the caller)
 */
record DedupeCandidate(
        byte[] path, ListedDirectory parent, Path directory, byte[] name, long device, long inode, long size) {

    static DedupeCandidate of(byte[] path, ListedDirectory parent, Path directory, byte[] name, FileStatus status) {
        return new DedupeCandidate(path, parent, directory, name, status.device(), status.inode(), status.size());
    }

    /** The path to name the file by. */
    Path display() {
        return name == null ? directory : NativePaths.resolve(directory, name);
    }

    /** Orders files by their paths' bytes, as the platform's paths compare. */
    static int byPath(DedupeCandidate a, DedupeCandidate b) {
        return Arrays.compareUnsigned(a.path, b.path);
    }

    /** Whether an opened file is still this one: the same inode, the same size. */
    boolean isStill(FileStatus status) {
        return status.isRegularFile() && status.device() == device && status.inode() == inode && status.size() == size;
    }
}
