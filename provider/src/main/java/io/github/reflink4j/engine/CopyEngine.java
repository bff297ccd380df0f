package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.function.Supplier;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The one engine every entry point calls (the {@code Reflink} facade, the file system provider,
 * the command line): it decides between clone and copy, keeps the {@code Files.copy} contract,
 * and guarantees that a failed copy loses nothing.
 *
 * <p>The order of a file copy follows the JDK's own: read the source's attributes; dispatch
 * directories, links and special files to {@code Files.copy}; create the new file with O_EXCL
 * and the source's permission bits; only when the name is taken, settle the existing target
 * (same file: nothing to do; no REPLACE_EXISTING: FileAlreadyExistsException; an empty
 * directory: removed, as the JDK does; a file: replaced by a new one renamed over it); move the
 * data; apply attributes; commit. Files are reached by their paths' raw bytes, and an existing
 * target is replaced through a descriptor of its directory. Public only because the facade lives
 * in another package: not part of the API.
 */
public final class CopyEngine {
    private static final String NATIVE_PROVIDER = "sun.nio.fs.LinuxFileSystemProvider";

    private CopyEngine() {}

    /** Copies one file, directory or link as {@code Files.copy} would, cloning where the mode allows. */
    public static CopyResult copy(Path source, Path target, CopyRequest request) throws IOException {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        String refusal = nativeRefusal(source, target);
        if (refusal != null) {
            return portableCopy(source, target, request, refusal);
        }
        Syscalls sys = Syscalls.linux();
        Supplier<Path> sourcePath = () -> source;
        Supplier<Path> targetPath = () -> target;
        // a copy that fails before its target is made (no source, an unreadable one) is reported here, as
        // the portable copy reports it; from there on copyOpenFile reports it, once
        Object report = CopyReports.begin();
        FileStatus status;
        int in;
        try {
            byte[] sourceBytes = NativePaths.bytes(source);
            try {
                // a stat before any open: special files (devices, FIFOs) must never be opened here
                status = sys.statusAt(Syscalls.AT_FDCWD, sourceBytes, request.followLinks());
            } catch (NativeException e) {
                throw Failures.translate(e, source, target);
            }
            if (status == null) {
                throw new NoSuchFileException(source.toString());
            }
            if (!status.isRegularFile()) {
                Files.copy(source, target, request.standardOptions());
                return CopyResult.none();
            }
            try {
                in = sys.openForReading(Syscalls.AT_FDCWD, sourceBytes, request.followLinks());
            } catch (NativeException e) {
                FileStatus existing = CopyRequest.PLATFORM_COPY_SINCE_JDK_20 ? null : targetStatus(sys, target);
                if (existing != null && existing.isSameFileAs(status)) {
                    return CopyResult.none(); // the target is the source itself: nothing to do, as the JDK does
                }
                IOException settled = existing == null ? null : settledBeforeOpening(existing, target, request);
                throw settled != null ? settled : Failures.translate(e, source, target);
            }
        } catch (Throwable failure) {
            CopyReports.end(report, sourcePath, targetPath, request.mode(), null, null, null, failure);
            throw failure;
        }
        CopyResult result;
        try {
            result = copyOpenFile(
                    sys, in, status, Syscalls.AT_FDCWD, NativePaths.bytes(target), request, sourcePath, targetPath);
        } catch (Throwable failure) {
            Failures.closeQuietly(sys, in, failure);
            throw failure;
        }
        try {
            sys.close(in);
        } catch (NativeException e) {
            throw Failures.translate(e, source, target);
        }
        return result;
    }

    /**
     * A copy through the JDK, where reflink4j cannot go native (one file, or each entry of a {@link
     * PortableTreeCopy}); reported when it moved data or failed.
     */
    static CopyResult portableCopy(Path source, Path target, CopyRequest request, String refusal) throws IOException {
        Object report = CopyReports.begin();
        // NEVER asked for a copy: that it is not a clone needs no reason
        String reason = request.mode() == ReflinkCopyOption.NEVER ? null : refusal;
        CopyResult result;
        try {
            result = PortableCopy.files(source, target, request, refusal);
        } catch (Throwable failure) {
            CopyReports.end(report, () -> source, () -> target, request.mode(), null, null, reason, failure);
            throw failure;
        }
        if (result.method() != CopyMethod.NONE) {
            CopyReports.end(report, () -> source, () -> target, request.mode(), result, null, reason, null);
        }
        return result;
    }

    /** Moves data with {@code mover}, reported as one copy (see {@link CopyReports}). */
    private static CopyResult reported(DataMover mover, ReflinkCopyOption mode, MoverWork work) throws IOException {
        Object report = CopyReports.begin();
        CopyResult result;
        try {
            result = work.run();
        } catch (Throwable failure) {
            CopyReports.end(
                    report,
                    mover::sourcePath,
                    mover::targetPath,
                    mode,
                    null,
                    mover.cloneRefusal(),
                    mover.fallbackReason(),
                    failure);
            throw failure;
        }
        CopyReports.end(
                report,
                mover::sourcePath,
                mover::targetPath,
                mode,
                result,
                mover.cloneRefusal(),
                mover.fallbackReason(),
                null);
        return result;
    }

    /** What {@link #reported} runs. */
    private interface MoverWork {
        CopyResult run() throws IOException;
    }

    /** The target's own status (links not followed), or null when it is absent or cannot be read. */
    private static FileStatus targetStatus(Syscalls sys, Path target) {
        try {
            return sys.statusAt(Syscalls.AT_FDCWD, NativePaths.bytes(target), false);
        } catch (NativeException | RuntimeException e) {
            return null; // the target cannot be looked at: the source's error is what failed
        }
    }

    /**
     * JDK 17 settles an existing target before it opens the source, so a source it cannot read
     * is reported only when the target is out of the way; asked only after the open failed, so
     * that the same copy fails the same way: without REPLACE_EXISTING a FileAlreadyExistsException,
     * for a directory with entries a DirectoryNotEmptyException, else null (the source's error).
     */
    private static IOException settledBeforeOpening(FileStatus existing, Path target, CopyRequest request) {
        if (!request.replaceExisting()) {
            return new FileAlreadyExistsException(target.toString());
        }
        if (existing.isDirectory()) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(target)) {
                if (entries.iterator().hasNext()) {
                    return new DirectoryNotEmptyException(target.toString());
                }
            } catch (IOException | RuntimeException e) {
                return null; // unreadable: the source's error is what failed
            }
        }
        return null;
    }

    /**
     * The engine's file copy, for single files and trees alike: the source is open, its status
     * read; the target is {@code targetName} relative to {@code targetDirectory}. Creates the
     * target with O_EXCL and the source's permission bits (so the umask applies, as with
     * {@code Files.copy}), settles an existing one, moves the data, applies attributes, commits.
     */
    static CopyResult copyOpenFile(
            Syscalls sys,
            int sourceFd,
            FileStatus status,
            int targetDirectory,
            byte[] targetName,
            CopyRequest request,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException {
        // with COPY_ATTRIBUTES the final mode, and any ACL, is set once the data is in: until then owner-only,
        // so that no one the source's ACL shuts out can open the new file before it does
        int createMode = status.permissionBits() & (request.copyAttributes() ? 0700 : 0777);
        Object report = CopyReports.begin();
        DataMover mover = null;
        CopyResult result;
        try {
            TargetFile out = TargetFile.create(
                    sys,
                    targetDirectory,
                    targetName,
                    createMode,
                    status,
                    request.replaceExisting(),
                    sourcePath,
                    targetPath);
            if (out == null) {
                result = CopyResult.none();
            } else {
                try {
                    mover = new DataMover(sys, sourceFd, sourcePath, out.fd(), targetPath);
                    result = mover.wholeFileIntoEmptyTarget(status.size(), status.device(), request.mode());
                    if (result.copiedBytes() > 0) {
                        requireUnchanged(sys, sourceFd, status, sourcePath, targetPath);
                    }
                    AttributeCopier.apply(
                            sys, sourceFd, status, out.fd(), request.copyAttributes(), sourcePath, targetPath);
                    out.commit(result.copiedBytes() > 0);
                } catch (Throwable failure) {
                    out.abort(failure);
                    throw failure;
                }
            }
        } catch (Throwable failure) {
            CopyReports.end(
                    report,
                    sourcePath,
                    targetPath,
                    request.mode(),
                    null,
                    mover == null ? null : mover.cloneRefusal(),
                    mover == null ? null : mover.fallbackReason(),
                    failure);
            throw failure;
        }
        CopyReports.end(
                report,
                sourcePath,
                targetPath,
                request.mode(),
                result,
                mover == null ? null : mover.cloneRefusal(),
                mover == null ? null : mover.fallbackReason(),
                null);
        return result;
    }

    /**
     * A copy (unlike a clone, which is one atomic snapshot) reads the source over time: if it was
     * written, cut or grown meanwhile, the bytes read may belong to no single state of it. The
     * size and the modification time are compared (not the status-change time, which also moves
     * when the file is renamed, linked, or has its mode changed: log rotation would fail copies);
     * a change fails the copy, whose target is then removed (or an existing one left as it was).
     * A write the kernel does not date (through a shared mapping whose pages were already dirty)
     * or one within the same clock tick as the first look, on kernels before 6.13, goes unseen.
     */
    private static void requireUnchanged(
            Syscalls sys, int sourceFd, FileStatus before, Supplier<Path> sourcePath, Supplier<Path> targetPath)
            throws IOException {
        FileStatus after;
        try {
            after = sys.status(sourceFd);
        } catch (NativeException e) {
            throw Failures.translate(e, sourcePath.get(), targetPath.get());
        }
        if (after.size() != before.size() || !after.modifyTime().equals(before.modifyTime())) {
            throw Failures.sourceChanged(sourcePath.get(), targetPath.get(), before.size(), after.size());
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
        Syscalls sys = Syscalls.linux();
        return ChannelDescriptors.use(source, target, (in, out) -> {
            FileStatus sourceStatus = channelStatus(sys, in, out);
            FileStatus targetStatus = channelStatus(sys, out, in);
            requireRegularFiles(sourceStatus, in, targetStatus, out);
            if (sourceStatus.isSameFileAs(targetStatus)) {
                return CopyResult.none();
            }
            DataMover mover = new DataMover(sys, in, out, source, target);
            return reported(
                    mover,
                    mode,
                    () -> mover.wholeFileOverExistingTarget(
                            sourceStatus.size(),
                            sourceStatus.device(),
                            targetStatus.size(),
                            blockSize(sys, out, in),
                            mode));
        });
    }

    /** The file system's block size, the unit clones are aligned to. */
    private static int blockSize(Syscalls sys, int fd, int other) throws IOException {
        try {
            return sys.fileSystemBlockSize(fd);
        } catch (NativeException e) {
            throw Failures.translate(e, ChannelDescriptors.pathOf(fd), ChannelDescriptors.pathOf(other));
        }
    }

    /** A range between channels; see {@code Reflink.partial}. */
    public static CopyResult range(
            FileChannel source,
            long sourceOffset,
            FileChannel target,
            long targetOffset,
            long length,
            ReflinkCopyOption mode)
            throws IOException {
        checkRange(sourceOffset, targetOffset, length);
        requireOpen(source, target);
        Objects.requireNonNull(mode, "mode");
        String refusal = channelRefusal(source, target);
        if (refusal != null) {
            long available = Math.max(0, source.size() - sourceOffset);
            return PortableCopy.channelRange(
                    source, sourceOffset, target, targetOffset, Math.min(length, available), mode, refusal);
        }
        Syscalls sys = Syscalls.linux();
        return ChannelDescriptors.use(
                source,
                target,
                (in, out) -> range(
                        sys,
                        channelStatus(sys, in, out),
                        new DataMover(sys, in, out, source, target),
                        in,
                        sourceOffset,
                        out,
                        targetOffset,
                        length,
                        mode));
    }

    /** A range between files; an absent target is created with the source's permission bits. */
    public static CopyResult range(
            Path source, long sourceOffset, Path target, long targetOffset, long length, ReflinkCopyOption mode)
            throws IOException {
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
        Syscalls sys = Syscalls.linux();
        Supplier<Path> sourcePath = () -> source;
        Supplier<Path> targetPath = () -> target;
        int in;
        FileStatus sourceStatus;
        try {
            in = sys.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        } catch (NativeException e) {
            throw Failures.translate(e, source, target);
        }
        try {
            sourceStatus = sys.status(in);
        } catch (NativeException e) {
            IOException failure = Failures.translate(e, source, target);
            Failures.closeQuietly(sys, in, failure);
            throw failure;
        }
        try {
            if (!sourceStatus.isRegularFile()) {
                throw new FileSystemException(source.toString(), target.toString(), "the source is not a regular file");
            }
            byte[] targetBytes = NativePaths.bytes(target);
            boolean created = true;
            int out;
            try {
                out = sys.createExclusive(Syscalls.AT_FDCWD, targetBytes, sourceStatus.permissionBits() & 0777);
                if (out == Syscalls.ALREADY_EXISTS) {
                    created = false;
                    FileStatus existing = sys.statusAt(Syscalls.AT_FDCWD, targetBytes, true);
                    if (existing != null && !existing.isRegularFile()) {
                        // checked again on the open descriptor; this names the target as given
                        throw new FileSystemException(
                                target.toString(), source.toString(), "the target is not a regular file");
                    }
                    out = sys.openForWriting(Syscalls.AT_FDCWD, targetBytes);
                }
            } catch (NativeException e) {
                throw Failures.translate(e, target, source);
            }
            CopyResult result;
            try {
                result = range(
                        sys,
                        sourceStatus,
                        new DataMover(sys, in, sourcePath, out, targetPath),
                        in,
                        sourceOffset,
                        out,
                        targetOffset,
                        length,
                        mode);
            } catch (Throwable failure) {
                cleanUpRangeTarget(sys, out, created ? targetBytes : null, failure);
                throw failure;
            }
            try {
                sys.close(out);
            } catch (NativeException e) {
                throw Failures.translate(e, target, source);
            }
            sys.close(in);
            return result;
        } catch (NativeException e) {
            throw Failures.translate(e, source, target);
        } catch (Throwable failure) {
            Failures.closeQuietly(sys, in, failure);
            throw failure;
        }
    }

    private static void cleanUpRangeTarget(Syscalls sys, int fd, byte[] createdTarget, Throwable failure) {
        try {
            sys.close(fd);
        } catch (NativeException e) {
            failure.addSuppressed(e);
        }
        if (createdTarget != null) {
            try {
                sys.unlink(Syscalls.AT_FDCWD, createdTarget, false);
            } catch (NativeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    private static CopyResult range(
            Syscalls sys,
            FileStatus sourceStatus,
            DataMover mover,
            int in,
            long sourceOffset,
            int out,
            long targetOffset,
            long length,
            ReflinkCopyOption mode)
            throws IOException {
        FileStatus targetStatus;
        try {
            targetStatus = sys.status(out);
        } catch (NativeException e) {
            throw Failures.translate(e, ChannelDescriptors.pathOf(out), ChannelDescriptors.pathOf(in));
        }
        requireRegularFiles(sourceStatus, in, targetStatus, out);
        long effective = Math.min(length, Math.max(0, sourceStatus.size() - sourceOffset));
        if (effective == 0) {
            return CopyResult.none();
        }
        if (sourceStatus.isSameFileAs(targetStatus)
                && sourceOffset < targetOffset + effective
                && targetOffset < sourceOffset + effective) {
            throw new IllegalArgumentException("source range [" + sourceOffset + ", +" + effective
                    + ") overlaps target range [" + targetOffset + ", +" + effective + ") of the same file "
                    + ChannelDescriptors.pathOf(in));
        }
        int blockSize = blockSize(sys, out, in);
        return reported(
                mover,
                mode,
                () -> mover.range(
                        sourceOffset,
                        targetOffset,
                        effective,
                        sourceStatus.size(),
                        targetStatus.size(),
                        blockSize,
                        mode));
    }

    /**
     * Whole-file and range copies between descriptors need two regular files: a device, FIFO or
     * socket has no size to copy or to cut a target to (a channel on /dev/zero reports 0 bytes,
     * and copying it would empty the target), and a directory cannot be written.
     */
    private static void requireRegularFiles(FileStatus source, int in, FileStatus target, int out)
            throws FileSystemException {
        if (!source.isRegularFile()) {
            throw new FileSystemException(
                    Failures.string(ChannelDescriptors.pathOf(in)),
                    Failures.string(ChannelDescriptors.pathOf(out)),
                    "the source is not a regular file");
        }
        if (!target.isRegularFile()) {
            throw new FileSystemException(
                    Failures.string(ChannelDescriptors.pathOf(out)),
                    Failures.string(ChannelDescriptors.pathOf(in)),
                    "the target is not a regular file");
        }
    }

    /** statx of a channel's descriptor; its path is read only if the error has to name it. */
    private static FileStatus channelStatus(Syscalls sys, int fd, int other) throws IOException {
        try {
            return sys.status(fd);
        } catch (NativeException e) {
            throw Failures.translate(e, ChannelDescriptors.pathOf(fd), ChannelDescriptors.pathOf(other));
        }
    }

    /** The native binding's name, or null when none loaded (see {@link Syscalls#bindingName()}). */
    public static String nativeBinding() {
        return Syscalls.bindingName();
    }

    /**
     * Why no native binding loaded, in one short line (the failure and, if another, its root cause,
     * each by the first line of its text: jnr-ffi puts whole stack traces in its messages), or null
     * when one did.
     */
    public static String nativeUnavailableReason() {
        if (Syscalls.isAvailable()) {
            return null;
        }
        Throwable failure = Syscalls.unavailableReason();
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String reason = firstLine(failure) + (root == failure ? "" : ", caused by " + firstLine(root));
        return reason.length() <= 400 ? reason : reason.substring(0, 399) + "\u2026";
    }

    private static String firstLine(Throwable t) {
        return t.toString().lines().findFirst().orElse("").strip();
    }

    /**
     * Why reflink4j cannot go native for these paths, or null when it can: the binding must be
     * loaded and both paths must belong to the platform's own file system.
     */
    static String nativeRefusal(Path source, Path target) {
        if (!Syscalls.isAvailable()) {
            DebugLog.bindingUnavailable();
            return "the native binding is unavailable: " + Syscalls.unavailableReason();
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
        if (!Syscalls.isAvailable()) {
            DebugLog.bindingUnavailable();
            return "the native binding is unavailable: " + Syscalls.unavailableReason();
        }
        String refusal = ChannelDescriptors.refusal(source);
        return refusal != null ? refusal : ChannelDescriptors.refusal(target);
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
