package io.github.reflink4j.engine;

import java.nio.file.Path;

import io.github.reflink4j.linux.FileStatus;

/**
 * A directory of a tree dedupe as it was listed: its parent (null for a root), its name there
 * (a root: the path the caller named), and the identity every later open must find again. A
 * root's descriptor stays open for the whole run ({@link #rootFd}), so every other directory and
 * file is reached from it one name at a time, never through a link ({@link DirectoryChain}).
 */
final class ListedDirectory {
    final ListedDirectory parent;
    final byte[] name;
    final Path display;
    final FileStatus status;
    final int depth;
    /** A root's descriptor, open from its listing to the end of the run; -1 for the others. */
    int rootFd = -1;

    ListedDirectory(ListedDirectory parent, byte[] name, Path display, FileStatus status) {
        this.parent = parent;
        this.name = name;
        this.display = display;
        this.status = status;
        this.depth = parent == null ? 0 : parent.depth + 1;
    }

    ListedDirectory root() {
        ListedDirectory d = this;
        while (d.parent != null) {
            d = d.parent;
        }
        return d;
    }
}
