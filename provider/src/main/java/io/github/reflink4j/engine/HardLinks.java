package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Keeps hard links in a tree copy: the first name of a source inode with several links is
 * copied (its data cloned once), and every later name becomes another link to that copy, made
 * through an O_PATH descriptor of it, so no path is resolved again. A descriptor is kept until
 * every link of its inode has been seen, and at most {@link #MAX_OPEN} at once: past that the
 * inode waited for longest is given up (its links lie outside the tree, as in a snapshot made
 * with {@code cp -al}), and a later name of it becomes a copy of its own, its data cloned again,
 * so memory and descriptors stay bounded however many such inodes the tree holds.
 */
final class HardLinks {
    static final int MAX_OPEN = 64;

    private record Inode(long device, long inode) { }

    /** The first copy of an inode; its descriptor and counter are guarded by the object itself. */
    private static final class FirstCopy {
        final CompletableFuture<Integer> descriptor = new CompletableFuture<>();
        int linksToCome;
        boolean closed;

        FirstCopy(int linksToCome) {
            this.linksToCome = linksToCome;
        }
    }

    private final Syscalls sys;
    /** Guarded by itself; oldest first. */
    private final Map<Inode, FirstCopy> seen = new LinkedHashMap<>();

    HardLinks(Syscalls sys) {
        this.sys = sys;
    }

    /** Copies the file open as {@code sourceFd}, or links the copy of another of its names. */
    CopyResult copy(int sourceFd, FileStatus status, int targetDirectory, byte[] name, CopyRequest request,
                    Supplier<Path> sourcePath, Supplier<Path> targetPath) throws IOException, NativeException {
        Inode key = new Inode(status.device(), status.inode());
        FirstCopy mine = new FirstCopy(status.linkCount() - 1);
        FirstCopy first;
        synchronized (seen) {
            first = seen.putIfAbsent(key, mine);
        }
        if (first == null) {
            return copyFirst(key, mine, sourceFd, status, targetDirectory, name, request, sourcePath, targetPath);
        }
        int copyFd = first.descriptor.join();
        boolean linked = false;
        boolean done = false;
        synchronized (first) {
            if (copyFd >= 0 && !first.closed) {
                try {
                    link(copyFd, targetDirectory, name, request, sourcePath, targetPath);
                    linked = true;
                } finally {
                    if (--first.linksToCome <= 0) {
                        close(first);
                        done = true;
                    }
                }
            }
        }
        if (done) {
            synchronized (seen) {
                seen.remove(key, first);
            }
        }
        if (linked) {
            return CopyResult.none();
        }
        // the first name failed to copy, or its descriptor was given up: a copy of its own
        return CopyEngine.copyOpenFile(sys, sourceFd, status, targetDirectory, name, request, sourcePath, targetPath);
    }

    private CopyResult copyFirst(Inode key, FirstCopy mine, int sourceFd, FileStatus status, int targetDirectory,
                                 byte[] name, CopyRequest request, Supplier<Path> sourcePath,
                                 Supplier<Path> targetPath) throws IOException, NativeException {
        CopyResult result;
        int copyFd = -1;
        try {
            result = CopyEngine.copyOpenFile(sys, sourceFd, status, targetDirectory, name, request, sourcePath,
                    targetPath);
            try {
                copyFd = sys.openPath(targetDirectory, name);
            } catch (NativeException e) {
                copyFd = -1; // the copy stands; its other names become copies of their own
            }
        } finally {
            synchronized (mine) {
                if (mine.closed && copyFd >= 0) {
                    closeQuietly(copyFd); // given up while it was being copied
                    copyFd = -1;
                }
                mine.closed |= copyFd < 0;
                mine.descriptor.complete(copyFd);
            }
            if (copyFd < 0) {
                synchronized (seen) {
                    seen.remove(key, mine);
                }
            }
        }
        giveUpBeyondLimit();
        return result;
    }

    /** Past {@link #MAX_OPEN} inodes waiting for more links, the oldest are given up. */
    private void giveUpBeyondLimit() {
        List<FirstCopy> givenUp = new ArrayList<>();
        synchronized (seen) {
            Iterator<FirstCopy> oldestFirst = seen.values().iterator();
            while (seen.size() > MAX_OPEN && oldestFirst.hasNext()) {
                givenUp.add(oldestFirst.next());
                oldestFirst.remove();
            }
        }
        for (FirstCopy first : givenUp) {
            synchronized (first) {
                close(first);
            }
        }
    }

    /** Closes the descriptor of a first copy, once; the caller holds its lock. */
    private void close(FirstCopy first) {
        if (!first.closed) {
            first.closed = true;
            int fd = first.descriptor.getNow(-1);
            if (fd >= 0) {
                closeQuietly(fd);
            }
        }
    }

    private void link(int copyFd, int targetDirectory, byte[] name, CopyRequest request, Supplier<Path> sourcePath,
                      Supplier<Path> targetPath) throws IOException, NativeException {
        try {
            sys.linkOpenFile(copyFd, targetDirectory, name);
        } catch (NativeException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            if (!request.replaceExisting()) {
                throw new FileAlreadyExistsException(targetPath.get().toString(), sourcePath.get().toString(), null);
            }
            byte[] temporary = TargetFile.temporaryName(name);
            sys.linkOpenFile(copyFd, targetDirectory, temporary);
            try {
                sys.rename(targetDirectory, temporary, targetDirectory, name);
            } catch (NativeException renameFailure) {
                try {
                    sys.unlink(targetDirectory, temporary, false);
                } catch (NativeException cleanUp) {
                    renameFailure.addSuppressed(cleanUp);
                }
                throw renameFailure;
            }
        }
    }

    /** Closes the descriptors of inodes whose other links were never met (they lie outside the tree). */
    void closeAll() {
        List<FirstCopy> left;
        synchronized (seen) {
            left = new ArrayList<>(seen.values());
            seen.clear();
        }
        for (FirstCopy first : left) {
            synchronized (first) {
                close(first);
            }
        }
    }

    private void closeQuietly(int fd) {
        try {
            sys.close(fd);
        } catch (NativeException e) {
            // an O_PATH descriptor: nothing to lose
        }
    }
}
