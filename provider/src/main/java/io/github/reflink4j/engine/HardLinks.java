package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
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
 * copied (its data cloned once), and every later name becomes another link to that copy.
 *
 * <p>Like GNU cp, it remembers every source inode with several links until all its names are
 * seen (a few dozen bytes each; those with names outside the tree until the copy ends). It links
 * through an O_PATH descriptor of the copy, so no path is resolved again, while at most
 * {@link #MAX_OPEN} such descriptors are open; past that the oldest are closed, and a later name
 * of theirs is linked by walking from the target root to the copy's directory, one name at a
 * time without following links, and checking the copy's inode before linking it.
 */
final class HardLinks {
    static final int MAX_OPEN = 64;

    private record Inode(long device, long inode) {}

    /** The first copy of an inode; its descriptor and counter are guarded by the object itself. */
    private static final class FirstCopy {
        final CompletableFuture<Integer> descriptor = new CompletableFuture<>();
        int linksToCome;
        boolean closed;
        /** The first copy's data was written, not cloned: it must be flushed before a name it gets replaces a file. */
        boolean dataWritten;
        /** Where the copy is: its directory's names below the target root, its name, its inode. */
        List<byte[]> directoryNames;

        byte[] name;
        FileStatus copy;

        FirstCopy(int linksToCome) {
            this.linksToCome = linksToCome;
        }
    }

    private final Syscalls sys;
    private final byte[] targetRoot;
    /** Guarded by itself. */
    private final Map<Inode, FirstCopy> seen = new HashMap<>();
    /** First copies whose descriptor is open, oldest first; guarded by {@link #seen}. */
    private final Deque<FirstCopy> open = new ArrayDeque<>();

    HardLinks(Syscalls sys, byte[] targetRoot) {
        this.sys = sys;
        this.targetRoot = targetRoot;
    }

    /** Copies the file open as {@code sourceFd} into {@code directory}, or links the copy of another of its names. */
    CopyResult copy(
            int sourceFd,
            FileStatus status,
            TreeDirectory directory,
            byte[] name,
            CopyRequest request,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException, NativeException {
        Inode key = new Inode(status.device(), status.inode());
        FirstCopy mine = new FirstCopy(status.linkCount() - 1);
        FirstCopy first;
        synchronized (seen) {
            first = seen.putIfAbsent(key, mine);
        }
        if (first == null) {
            return copyFirst(key, mine, sourceFd, status, directory, name, request, sourcePath, targetPath);
        }
        int copyFd = first.descriptor.join();
        boolean linked = false;
        boolean done = false;
        synchronized (first) {
            if (first.copy != null) {
                try {
                    if (copyFd >= 0 && !first.closed) {
                        link(copyFd, first.dataWritten, directory.targetFd, name, request, sourcePath, targetPath);
                    } else {
                        linkByName(first, directory.targetFd, name, request, sourcePath, targetPath);
                    }
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
                open.remove(first);
            }
        }
        if (linked) {
            return CopyResult.none();
        }
        // the first name failed to copy: this one is copied on its own
        return CopyEngine.copyOpenFile(
                sys, sourceFd, status, directory.targetFd, name, request, sourcePath, targetPath);
    }

    private CopyResult copyFirst(
            Inode key,
            FirstCopy mine,
            int sourceFd,
            FileStatus status,
            TreeDirectory directory,
            byte[] name,
            CopyRequest request,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException, NativeException {
        CopyResult result;
        int copyFd = -1;
        FileStatus copy = null;
        try {
            result = CopyEngine.copyOpenFile(
                    sys, sourceFd, status, directory.targetFd, name, request, sourcePath, targetPath);
            mine.dataWritten = result.copiedBytes() > 0;
            try {
                copyFd = sys.openPath(directory.targetFd, name);
                copy = sys.status(copyFd);
            } catch (NativeException e) {
                if (copyFd >= 0) {
                    Failures.closeQuietly(sys, copyFd, null);
                    copyFd = -1;
                }
                // the copy stands; its other names become copies of their own
            }
        } finally {
            synchronized (mine) {
                if (copy != null) {
                    mine.copy = copy;
                    mine.name = name;
                    mine.directoryNames = directory.namesBelowRoot();
                }
                mine.closed = copyFd < 0;
                mine.descriptor.complete(copyFd);
            }
            synchronized (seen) {
                if (copy == null) {
                    seen.remove(key, mine);
                } else {
                    open.addLast(mine);
                }
            }
        }
        closeBeyondLimit();
        return result;
    }

    /** Past {@link #MAX_OPEN} open descriptors, the oldest are closed; their inodes stay known. */
    private void closeBeyondLimit() {
        List<FirstCopy> oldest = new ArrayList<>();
        synchronized (seen) {
            while (open.size() > MAX_OPEN) {
                oldest.add(open.removeFirst());
            }
        }
        for (FirstCopy first : oldest) {
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
                Failures.closeQuietly(sys, fd, null);
            }
        }
    }

    private void link(
            int copyFd,
            boolean dataWritten,
            int targetDirectory,
            byte[] name,
            CopyRequest request,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException, NativeException {
        try {
            sys.linkOpenFile(copyFd, targetDirectory, name);
        } catch (NativeException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            byte[] temporary = replaceableName(name, request, sourcePath, targetPath);
            if (dataWritten) {
                flush(Syscalls.AT_FDCWD, ("/proc/self/fd/" + copyFd).getBytes(StandardCharsets.US_ASCII), true);
            }
            sys.linkOpenFile(copyFd, targetDirectory, temporary);
            TargetFile.renameOver(sys, targetDirectory, temporary, name);
        }
    }

    /**
     * Links a copy whose descriptor was closed: its directory is reached from the target root one
     * name at a time (O_NOFOLLOW), and the name linked only if it is still the copy's inode.
     */
    private void linkByName(
            FirstCopy first,
            int targetDirectory,
            byte[] name,
            CopyRequest request,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException, NativeException {
        int directory = sys.openDirectory(Syscalls.AT_FDCWD, targetRoot, true);
        try {
            for (byte[] step : first.directoryNames) {
                int next = sys.openDirectory(directory, step, false);
                sys.close(directory);
                directory = next;
            }
            FileStatus now = sys.statusAt(directory, first.name, false);
            if (now == null || !now.isSameFileAs(first.copy)) {
                throw new FileSystemException(
                        targetPath.get().toString(),
                        sourcePath.get().toString(),
                        "the copy of another name of this file was moved or replaced during the copy: "
                                + "the hard link between them could not be kept");
            }
            try {
                sys.link(directory, first.name, targetDirectory, name);
            } catch (NativeException e) {
                if (!e.is(Errno.EEXIST)) {
                    throw e;
                }
                byte[] temporary = replaceableName(name, request, sourcePath, targetPath);
                if (first.dataWritten) {
                    flush(directory, first.name, false);
                }
                sys.link(directory, first.name, targetDirectory, temporary);
                TargetFile.renameOver(sys, targetDirectory, temporary, name);
            }
        } finally {
            Failures.closeQuietly(sys, directory, null);
        }
    }

    /**
     * Before a copy gets a name that replaces an existing file, its data goes to disk, as
     * {@link TargetFile#commit} does for a replacement: the first copy was a new file, not
     * flushed, and a power cut after the rename must not leave the old name on unwritten blocks.
     * The file is opened for reading only to be flushed; {@code followLinks} only for the
     * /proc/self/fd link to an open copy. A clone is not flushed (one journalled transaction). A
     * copy its copier may not read (COPY_ATTRIBUTES of a mode without the owner's read bit, by
     * a user other than root) cannot be flushed, and then its name fails to replace the existing
     * file, which stays as it was.
     */
    private void flush(int directory, byte[] name, boolean followLinks) throws NativeException {
        int fd = sys.openForReading(directory, name, followLinks);
        try {
            sys.syncData(fd);
        } catch (NativeException e) {
            Failures.closeQuietly(sys, fd, null);
            throw e;
        }
        sys.close(fd);
    }

    private static byte[] replaceableName(
            byte[] name, CopyRequest request, Supplier<Path> sourcePath, Supplier<Path> targetPath)
            throws FileAlreadyExistsException {
        if (!request.replaceExisting()) {
            throw new FileAlreadyExistsException(
                    targetPath.get().toString(), sourcePath.get().toString(), null);
        }
        return TargetFile.temporaryName(name);
    }

    /** Closes the descriptors of inodes whose other links were never met (they lie outside the tree). */
    void closeAll() {
        List<FirstCopy> left;
        synchronized (seen) {
            left = new ArrayList<>(open);
            open.clear();
            seen.clear();
        }
        for (FirstCopy first : left) {
            synchronized (first) {
                close(first);
            }
        }
    }
}
