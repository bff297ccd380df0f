package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Reaches listed directories of a tree dedupe from their root's open descriptor, one name at a
 * time, each opened without following a link (O_NOFOLLOW|O_DIRECTORY) and checked to be the
 * directory the listing showed, as {@link OpenDirectories} does for a tree copy: a directory
 * swapped for a link, or replaced, after the listing is never gone through, and no path is ever
 * longer than one name. The chain of directories last reached stays open, so the next file of
 * the same directory costs no open; at most {@code keep} descriptors (besides the roots', owned
 * by the run) are open at once, the shallowest closed first. Not thread-safe: one per thread.
 */
final class DirectoryChain implements AutoCloseable {
    private final Syscalls sys;
    private final int keep;
    /** The directories last reached, from a root down; their descriptors, -1 where closed (the root's is not ours). */
    private final List<ListedDirectory> chain = new ArrayList<>();

    private final List<Integer> fds = new ArrayList<>();
    private int open;

    DirectoryChain(Syscalls sys, int keep) {
        this.sys = sys;
        this.keep = Math.max(1, keep);
    }

    /**
     * A descriptor of {@code directory}, owned by this chain (valid until the next call or
     * {@link #close()}): its root's, or one reached from it without following a link.
     *
     * @throws IOException naming the directory that could not be reached and why: a link or
     *                     another file where it was listed (ELOOP, ENOTDIR, "replaced"), or errno
     */
    int open(ListedDirectory directory) throws IOException {
        ListedDirectory[] path = new ListedDirectory[directory.depth + 1];
        for (ListedDirectory d = directory; d != null; d = d.parent) {
            path[d.depth] = d;
        }
        int common = 0;
        while (common < chain.size() && common < path.length && chain.get(common) == path[common]) {
            common++;
        }
        truncate(common);
        if (chain.isEmpty()) {
            chain.add(path[0]);
            fds.add(path[0].rootFd);
        }
        int base = chain.size() - 1;
        while (fds.get(base) < 0) {
            base--; // the root's is open for the run
        }
        for (int i = base + 1; i < chain.size(); i++) {
            fds.set(i, openChild(fds.get(i - 1), chain.get(i)));
        }
        for (int i = chain.size(); i < path.length; i++) {
            chain.add(path[i]);
            fds.add(-1);
            fds.set(i, openChild(fds.get(i - 1), path[i]));
        }
        return fds.get(fds.size() - 1);
    }

    private int openChild(int parentFd, ListedDirectory child) throws IOException {
        int fd;
        try {
            fd = sys.openDirectory(parentFd, child.name, false);
        } catch (NativeException e) {
            truncate(child.depth); // what is below it is out of reach
            throw Failures.translate(e, child.display, null);
        }
        try {
            if (!sys.status(fd).isSameFileAs(child.status)) {
                Failures.closeQuietly(sys, fd, null);
                truncate(child.depth);
                throw new FileSystemException(
                        child.display.toString(), null, "replaced by another directory since it was listed");
            }
        } catch (NativeException e) {
            Failures.closeQuietly(sys, fd, null);
            truncate(child.depth);
            throw Failures.translate(e, child.display, null);
        }
        open++;
        while (open > keep && closeShallowest()) {
            // the shallowest first: the next file is most likely in the deepest
        }
        return fd;
    }

    /** Closes the shallowest open descriptor of the chain but the root's; false when there is none. */
    private boolean closeShallowest() {
        for (int i = 1; i < fds.size(); i++) {
            if (fds.get(i) >= 0) {
                closeAt(i);
                return true;
            }
        }
        return false;
    }

    private void closeAt(int i) {
        Failures.closeQuietly(sys, fds.get(i), null); // directories: closing cannot lose data
        fds.set(i, -1);
        open--;
    }

    /** Keeps the first {@code length} directories of the chain, closing the others. */
    private void truncate(int length) {
        for (int i = chain.size() - 1; i >= length && i >= 0; i--) {
            if (i > 0 && fds.get(i) >= 0) {
                closeAt(i);
            }
            chain.remove(i);
            fds.remove(i);
        }
    }

    @Override
    public void close() {
        truncate(0);
    }
}
