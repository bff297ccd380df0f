package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Keeps hard links in a tree copy: the first name of a source inode with several links is
 * copied (its data cloned once), and every later name becomes another link to that copy, made
 * through an O_PATH descriptor of it, so no path is resolved again. Descriptors are kept only
 * until every link of an inode has been seen; links of an inode from outside the tree keep
 * theirs until the copy ends.
 */
final class HardLinks {
    private record Inode(long device, long inode) { }

    private static final class FirstCopy {
        final CompletableFuture<Integer> descriptor = new CompletableFuture<>();
        int linksToCome;

        FirstCopy(int linksToCome) {
            this.linksToCome = linksToCome;
        }
    }

    private final Syscalls sys;
    private final ConcurrentHashMap<Inode, FirstCopy> seen = new ConcurrentHashMap<>();

    HardLinks(Syscalls sys) {
        this.sys = sys;
    }

    /** Copies the file open as {@code sourceFd}, or links the copy of another of its names. */
    CopyResult copy(int sourceFd, FileStatus status, int targetDirectory, byte[] name, CopyRequest request,
                    Supplier<Path> sourcePath, Supplier<Path> targetPath) throws IOException, NativeException {
        Inode key = new Inode(status.device(), status.inode());
        FirstCopy mine = new FirstCopy(status.linkCount() - 1);
        FirstCopy first = seen.putIfAbsent(key, mine);
        if (first == null) {
            CopyResult result;
            try {
                result = CopyEngine.copyOpenFile(sys, sourceFd, status, targetDirectory, name, request, sourcePath,
                        targetPath);
            } catch (Throwable failure) {
                seen.remove(key, mine);
                mine.descriptor.complete(-1);
                throw failure;
            }
            int copyFd;
            try {
                copyFd = sys.openPath(targetDirectory, name);
            } catch (NativeException e) {
                seen.remove(key, mine);
                mine.descriptor.complete(-1);
                throw e;
            }
            mine.descriptor.complete(copyFd);
            return result;
        }
        int copyFd = first.descriptor.join();
        if (copyFd < 0) {
            // the first name failed to copy: this one is copied on its own
            return CopyEngine.copyOpenFile(sys, sourceFd, status, targetDirectory, name, request, sourcePath,
                    targetPath);
        }
        try {
            link(copyFd, targetDirectory, name, request, sourcePath, targetPath);
        } finally {
            synchronized (first) {
                if (--first.linksToCome == 0 && seen.remove(key, first)) {
                    sys.close(copyFd);
                }
            }
        }
        return CopyResult.none();
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
        for (FirstCopy first : seen.values()) {
            Integer fd = first.descriptor.getNow(-1);
            if (fd >= 0) {
                try {
                    sys.close(fd);
                } catch (NativeException e) {
                    // O_PATH descriptors: nothing to lose
                }
            }
        }
        seen.clear();
    }
}
