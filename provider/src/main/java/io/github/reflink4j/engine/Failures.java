package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.SourceChangedException;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The one place where errno becomes a decision (fall back or fail) and an exception (the typed
 * NIO exception naming the paths, the operation and the errno).
 */
final class Failures {
    private Failures() {}

    /**
     * Errors no other copy method can mend: falling back would only fail again later, or
     * hide a failing disk. They fail the copy in every mode.
     */
    static boolean isTerminal(NativeException e) {
        return e.is(Errno.ENOSPC, Errno.EDQUOT, Errno.EIO, Errno.ENOMEM, Errno.EROFS, Errno.EFBIG);
    }

    /** A failed clone: ReflinkFailedException, or the plain I/O error when it is terminal. */
    static IOException cloneFailed(NativeException e, Path source, Path target) {
        if (isTerminal(e)) {
            return translate(e, source, target);
        }
        Errno errno = e.errno();
        return new ReflinkFailedException(
                string(source),
                string(target),
                e.operation(),
                e.errnoValue(),
                errno == null ? null : errno.name(),
                Errno.describe(e.errnoValue()) + ": " + why(e));
    }

    /**
     * A failed copy_file_range, which reads one file and writes the other: the file the errno
     * concerns is named first (the target for "no space", "quota", "too big", "read-only").
     */
    static IOException translateCopyFailure(NativeException e, Path source, Path target) {
        boolean aboutTarget = e.is(Errno.ENOSPC, Errno.EDQUOT, Errno.EFBIG, Errno.EROFS);
        return aboutTarget ? translate(e, target, source) : translate(e, source, target);
    }

    /** Any other failed system call, as the NIO exception {@code Files.copy} would throw. */
    static IOException translate(NativeException e, Path file, Path other) {
        String reason = e.operation() + ": " + Errno.describe(e.errnoValue());
        String f = string(file);
        String o = string(other);
        if (e.is(Errno.ENOENT)) {
            return new NoSuchFileException(f, o, reason);
        }
        if (e.is(Errno.EACCES, Errno.EPERM)) {
            return new AccessDeniedException(f, o, reason);
        }
        if (e.is(Errno.EEXIST)) {
            return new FileAlreadyExistsException(f, o, reason);
        }
        if (e.is(Errno.ENOTEMPTY)) {
            return new DirectoryNotEmptyException(f);
        }
        if (e.is(Errno.ENOTDIR)) {
            return new NotDirectoryException(f);
        }
        return new FileSystemException(f, o, reason);
    }

    private static String why(NativeException e) {
        if (e.is(Errno.EOPNOTSUPP)) {
            return "this file system cannot share blocks (btrfs, and xfs made with reflink=1, can)";
        }
        if (e.is(Errno.EXDEV)) {
            return "source and target are on different file systems; a clone stays on one";
        }
        if (e.is(Errno.EINVAL)) {
            return "the kernel refused this clone: a range not aligned to the file system block size, "
                    + "a btrfs nodatacow file paired with a copy-on-write one, not a regular file, "
                    + "or a target that would pass the process's file size limit (ulimit -f)";
        }
        if (e.is(Errno.EBADF)) {
            return "the source is not open for reading or the target not for writing (or is in append mode)";
        }
        if (e.is(Errno.EPERM, Errno.EACCES)) {
            return "the target is immutable or append-only, a security policy forbids the clone, or, on "
                    + "overlayfs (a container's root), a file is still only in a lower layer (an image's), "
                    + "which overlayfs clones from but never dedupes";
        }
        if (e.is(Errno.ETXTBSY)) {
            return "a file is an active swap file";
        }
        if (e.is(Errno.ENOTTY, Errno.ENOSYS)) {
            return "this kernel or file system has no clone operation";
        }
        return "the clone was refused";
    }

    /**
     * Between two chunks of a copy: an interrupted thread stops it with InterruptedIOException
     * naming both paths, its interrupt status kept; the caller removes the unfinished target.
     */
    static void stopIfInterrupted(Path source, Path target, long done) throws InterruptedIOException {
        stopIfInterrupted(source, target, done, "copying", "the target was not committed");
    }

    /** The same for another long operation: {@code doing} ("deduplicating"), and what is left of it, {@code left}. */
    static void stopIfInterrupted(Path source, Path target, long done, String doing, String left)
            throws InterruptedIOException {
        if (Thread.currentThread().isInterrupted()) {
            InterruptedIOException stop = new InterruptedIOException(
                    doing + " " + source + " to " + target + ": interrupted after " + done + " bytes; " + left);
            stop.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, done);
            throw stop;
        }
    }

    static SourceChangedException sourceChanged(Path source, Path target, long sizeBefore, long sizeAfter) {
        return new SourceChangedException(string(source), string(target), sizeBefore, sizeAfter);
    }

    /**
     * Closes a descriptor on a path that is already failing, or on one whose close cannot lose
     * data (only read from, a directory, O_PATH): a failed close is added to {@code failure}, or
     * dropped when there is none.
     */
    static void closeQuietly(Syscalls sys, int fd, Throwable failure) {
        try {
            sys.close(fd);
        } catch (NativeException e) {
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    static String string(Path path) {
        return path == null ? null : path.toString();
    }
}
