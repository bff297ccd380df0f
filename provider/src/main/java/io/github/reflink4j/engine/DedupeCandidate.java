package io.github.reflink4j.engine;

import java.nio.file.Path;

import io.github.reflink4j.linux.FileStatus;

/**
 * A regular file of a tree dedupe as it was listed: the bytes to reach it by, the path to name it
 * by, and the identity and size every later open must find again (else the file moved or
 * changed, and is left alone).
 */
record DedupeCandidate(byte[] path, Path display, long device, long inode, long size) {

    static DedupeCandidate of(byte[] path, Path display, FileStatus status) {
        return new DedupeCandidate(path, display, status.device(), status.inode(), status.size());
    }

    /** Whether an opened file is still this one: the same inode, the same size. */
    boolean isStill(FileStatus status) {
        return status.isRegularFile() && status.device() == device && status.inode() == inode
                && status.size() == size;
    }
}
