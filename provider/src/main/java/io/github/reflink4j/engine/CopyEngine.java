package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;
import jnr.constants.platform.Errno;

/**
 * The one engine every entry point calls (the {@code Reflink} facade, the file system provider,
 * the command line): it decides between clone and copy, keeps the {@code Files.copy} contract,
 * and guarantees that a failed copy loses nothing.
 *
 * <p>The order of a file copy follows the JDK's own: read the source's attributes; dispatch
 * directories, links and special files to {@code Files.copy}; settle an existing target (same
 * file: nothing to do; no REPLACE_EXISTING: FileAlreadyExistsException; an empty directory:
 * removed, as the JDK does); create the new file with O_EXCL (beside an existing target, to be
 * renamed over it); move the data; apply attributes; commit. Public only because the facade
 * lives in another package: not part of the API.
 */
public final class CopyEngine {
    private static final String NATIVE_PROVIDER = "sun.nio.fs.LinuxFileSystemProvider";

    private CopyEngine() {
    }

    /** Copies one file, directory or link as {@code Files.copy} would, cloning where the mode allows. */
    public static CopyResult copy(Path source, Path target, CopyRequest request) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        String refusal = nativeRefusal(source, target);
        if (refusal != null) {
            return PortableCopy.files(source, target, request, refusal);
        }
        // a stat before any open: special files (devices, FIFOs) must never be opened here
        BasicFileAttributes sourceAttributes =
                Files.readAttributes(source, BasicFileAttributes.class, request.linkOptions());
        if (!sourceAttributes.isRegularFile()) {
            Files.copy(source, target, request.standardOptions());
            return CopyResult.none();
        }
        try (OpenFile in = OpenFile.forReading(source, request.followLinks(), target)) {
            FileStatus status = status(in.fd, source, target);
            int mode = status.permissionBits() & 0777;
            TargetFile out;
            try {
                // the common case first: a new target, created with O_EXCL, no stat beforehand
                out = TargetFile.create(target, source, mode, false);
            } catch (FileAlreadyExistsException e) {
                ExistingTarget existing = settleExistingTarget(target, sourceAttributes, request);
                if (existing == ExistingTarget.SAME_FILE) {
                    return CopyResult.none();
                }
                out = TargetFile.create(target, source, mode, existing == ExistingTarget.REPLACE);
            }
            try {
                CopyResult result = new DataMover(in.fd, source, out.fd(), target)
                        .wholeFileIntoEmptyTarget(status.size(), request.mode());
                AttributeCopier.apply(in.fd, status, out.fd(), request.copyAttributes(), source, target);
                out.commit();
                return result;
            } catch (Throwable failure) {
                out.abort(failure);
                throw failure;
            }
        }
    }

    /** The whole source channel into the target channel, which ends with the source's size. */
    public static CopyResult copy(FileChannel source, FileChannel target, ReflinkCopyOption mode) throws IOException {
        requireOpen(source, target);
        Objects.requireNonNull(mode, "mode");
        String refusal = channelRefusal(source, target);
        if (refusal != null) {
            return PortableCopy.wholeChannel(source, target, mode, refusal);
        }
        int in = ChannelDescriptors.of(source);
        int out = ChannelDescriptors.of(target);
        FileStatus sourceStatus = channelStatus(in, out);
        FileStatus targetStatus = channelStatus(out, in);
        if (sourceStatus.isSameFileAs(targetStatus)) {
            return CopyResult.none();
        }
        return new DataMover(in, out)
                .wholeFileOverExistingTarget(sourceStatus.size(), targetStatus.size(), targetStatus.blockSize(), mode);
    }

    /** A range between channels; see {@code Reflink.partial}. */
    public static CopyResult range(FileChannel source, long sourceOffset, FileChannel target, long targetOffset,
                                   long length, ReflinkCopyOption mode) throws IOException {
        checkRange(sourceOffset, targetOffset, length);
        requireOpen(source, target);
        Objects.requireNonNull(mode, "mode");
        String refusal = channelRefusal(source, target);
        if (refusal != null) {
            long available = Math.max(0, source.size() - sourceOffset);
            return PortableCopy.channelRange(source, sourceOffset, target, targetOffset,
                    Math.min(length, available), mode, refusal);
        }
        int in = ChannelDescriptors.of(source);
        int out = ChannelDescriptors.of(target);
        return range(channelStatus(in, out), new DataMover(in, out), in, sourceOffset, out, targetOffset, length, mode);
    }

    /** A range between files; an absent target is created with the source's permission bits. */
    public static CopyResult range(Path source, long sourceOffset, Path target, long targetOffset, long length,
                                   ReflinkCopyOption mode) throws IOException {
        checkRange(sourceOffset, targetOffset, length);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(mode, "mode");
        String refusal = nativeRefusal(source, target);
        if (refusal != null) {
            if (mode == ReflinkCopyOption.ALWAYS) {
                throw new ReflinkUnsupportedException(source.toString(), target.toString(), "clone", refusal);
            }
            try (FileChannel in = FileChannel.open(source, StandardOpenOption.READ);
                 FileChannel out = FileChannel.open(target, StandardOpenOption.WRITE, StandardOpenOption.CREATE)) {
                return range(in, sourceOffset, out, targetOffset, length, mode);
            }
        }
        try (OpenFile in = OpenFile.forReading(source, true, target)) {
            FileStatus sourceStatus = status(in.fd, source, target);
            String targetName = target.toAbsolutePath().toString();
            boolean created = true;
            int out;
            try {
                out = LinuxSyscalls.createExclusive(targetName, sourceStatus.permissionBits() & 0777);
            } catch (NativeException e) {
                if (!e.is(Errno.EEXIST)) {
                    throw Failures.translate(e, target, source);
                }
                created = false;
                out = openExisting(targetName, target, source);
            }
            boolean open = true;
            try {
                CopyResult result = range(sourceStatus, new DataMover(in.fd, source, out, target), in.fd, sourceOffset,
                        out, targetOffset, length, mode);
                open = false;
                closeTarget(out, target, source);
                return result;
            } catch (Throwable failure) {
                cleanUpRangeTarget(open ? out : -1, created ? target : null, failure);
                throw failure;
            }
        }
    }

    private static void closeTarget(int fd, Path target, Path source) throws IOException {
        try {
            LinuxSyscalls.close(fd);
        } catch (NativeException e) {
            throw Failures.translate(e, target, source);
        }
    }

    private static int openExisting(String targetName, Path target, Path source) throws IOException {
        try {
            return LinuxSyscalls.openForWriting(targetName);
        } catch (NativeException e) {
            throw Failures.translate(e, target, source);
        }
    }

    private static void cleanUpRangeTarget(int fd, Path createdTarget, Throwable failure) {
        if (fd >= 0) {
            try {
                LinuxSyscalls.close(fd);
            } catch (NativeException e) {
                failure.addSuppressed(e);
            }
        }
        if (createdTarget != null) {
            try {
                Files.deleteIfExists(createdTarget);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static CopyResult range(FileStatus sourceStatus, DataMover mover, int in, long sourceOffset, int out,
                                    long targetOffset, long length, ReflinkCopyOption mode) throws IOException {
        FileStatus targetStatus;
        try {
            targetStatus = LinuxSyscalls.status(out);
        } catch (NativeException e) {
            throw Failures.translate(e, ChannelDescriptors.pathOf(out), ChannelDescriptors.pathOf(in));
        }
        long effective = Math.min(length, Math.max(0, sourceStatus.size() - sourceOffset));
        if (effective == 0) {
            return CopyResult.none();
        }
        if (sourceStatus.isSameFileAs(targetStatus)
                && sourceOffset < targetOffset + effective && targetOffset < sourceOffset + effective) {
            throw new IllegalArgumentException("source range [" + sourceOffset + ", +" + effective
                    + ") overlaps target range [" + targetOffset + ", +" + effective + ") of the same file "
                    + ChannelDescriptors.pathOf(in));
        }
        return mover.range(sourceOffset, targetOffset, effective, sourceStatus.size(), targetStatus.blockSize(), mode);
    }

    /** statx of a channel's descriptor; its path is read only if the error has to name it. */
    private static FileStatus channelStatus(int fd, int other) throws IOException {
        try {
            return LinuxSyscalls.status(fd);
        } catch (NativeException e) {
            throw Failures.translate(e, ChannelDescriptors.pathOf(fd), ChannelDescriptors.pathOf(other));
        }
    }

    /**
     * Why reflink4j cannot go native for these paths, or null when it can: the binding must be
     * loaded and both paths must belong to the platform's own file system.
     */
    static String nativeRefusal(Path source, Path target) {
        if (!LinuxSyscalls.isAvailable()) {
            Throwable reason = LinuxSyscalls.unavailableReason();
            return "the native binding is unavailable: " + reason;
        }
        for (Path path : new Path[] {source, target}) {
            String provider = path.getFileSystem().provider().getClass().getName();
            if (!provider.equals(NATIVE_PROVIDER)) {
                return path + " belongs to a file system of " + provider + ", not the platform's own";
            }
        }
        return null;
    }

    private static String channelRefusal(FileChannel source, FileChannel target) {
        if (!LinuxSyscalls.isAvailable()) {
            return "the native binding is unavailable: " + LinuxSyscalls.unavailableReason();
        }
        String refusal = ChannelDescriptors.refusal(source);
        return refusal != null ? refusal : ChannelDescriptors.refusal(target);
    }

    private enum ExistingTarget { NONE, SAME_FILE, REPLACE }

    /**
     * The target exists (O_EXCL said so): the same file as the source (nothing to do), an error
     * without REPLACE_EXISTING, an empty directory to remove first (as Files.copy does), or a
     * file to replace by renaming the new one over it.
     */
    private static ExistingTarget settleExistingTarget(Path target, BasicFileAttributes sourceAttributes,
                                                       CopyRequest request) throws IOException {
        BasicFileAttributes targetAttributes;
        try {
            targetAttributes = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return ExistingTarget.NONE; // removed meanwhile: create it
        }
        Object key = sourceAttributes.fileKey();
        if (key != null && key.equals(targetAttributes.fileKey())) {
            return ExistingTarget.SAME_FILE;
        }
        if (!request.replaceExisting()) {
            throw new FileAlreadyExistsException(target.toString());
        }
        if (targetAttributes.isDirectory()) {
            Files.delete(target); // as Files.copy does: DirectoryNotEmptyException unless empty
            return ExistingTarget.NONE;
        }
        return ExistingTarget.REPLACE;
    }

    private static FileStatus status(int fd, Path path, Path other) throws IOException {
        try {
            return LinuxSyscalls.status(fd);
        } catch (NativeException e) {
            throw Failures.translate(e, path, other);
        }
    }

    private static void checkRange(long sourceOffset, long targetOffset, long length) {
        if (sourceOffset < 0 || targetOffset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range: sourceOffset " + sourceOffset + ", targetOffset "
                    + targetOffset + ", length " + length);
        }
        if (sourceOffset > Long.MAX_VALUE - length || targetOffset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("range overflows: sourceOffset " + sourceOffset + ", targetOffset "
                    + targetOffset + ", length " + length);
        }
    }

    private static void requireOpen(FileChannel source, FileChannel target) throws ClosedChannelException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        if (!source.isOpen() || !target.isOpen()) {
            throw new ClosedChannelException();
        }
    }
}
