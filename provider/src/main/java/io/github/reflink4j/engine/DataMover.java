package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Moves data between two open descriptors according to a {@link ReflinkCopyOption}: clone,
 * else copy_file_range, else read and write. This is the only copy loop in reflink4j.
 *
 * <p>Falling back from one method to the next happens only while nothing has been written to
 * the target, and never after a terminal error (see {@link Failures#isTerminal}). Holes in the
 * source stay holes in a new target: only the data segments that SEEK_DATA/SEEK_HOLE report
 * are copied. One instance serves one copy and is not thread-safe.
 */
final class DataMover {
    /** copy_file_range is asked for at most this much per call (glibc miscounts above INT_MAX). */
    /**
     * The most one copy_file_range call moves: small enough that a copy notices an interrupt
     * within a few tens of milliseconds (the call itself cannot be interrupted), large enough that
     * the calls cost nothing next to the data.
     */
    private static final long MAX_COPY_FILE_RANGE = 64L << 20;

    private static final int BUFFER_SIZE = 1 << 20;
    private static final ThreadLocal<ByteBuffer> BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER_SIZE));

    /**
     * Per device: whether a successful FICLONE can be trusted to have cloned the whole file.
     * btrfs and xfs clone all or nothing; elsewhere (OpenZFS has been seen to succeed short) the
     * target's size is checked after the clone, at the cost of one statx.
     */
    private static final Map<Long, Boolean> WHOLE_CLONE_TRUSTED = new ConcurrentHashMap<>();

    private final Syscalls sys;
    private final int source;
    private final int target;
    private final Supplier<Path> sourceName;
    private final Supplier<Path> targetName;
    private Path sourcePath;
    private Path targetPath;

    private Channel[] channels = {};
    private boolean copyFileRangeAllowed;
    private boolean wroteAnything;
    private boolean readWriteUsed;
    private NativeException cloneRefusal;
    private String fallbackReason;

    /** The paths are asked for only if an error has to name them. */
    DataMover(Syscalls sys, int source, Supplier<Path> sourceName, int target, Supplier<Path> targetName) {
        this.sys = sys;
        this.source = source;
        this.target = target;
        this.sourceName = sourceName;
        this.targetName = targetName;
    }

    /**
     * For channels, whose descriptors these are: the paths are read from the descriptors only if
     * an error has to name them, and the copy stops between chunks when a channel is closed, so
     * that the close, which waits for it, does not wait long.
     */
    DataMover(Syscalls sys, int source, int target, Channel sourceChannel, Channel targetChannel) {
        this(sys, source, () -> ChannelDescriptors.pathOf(source), target, () -> ChannelDescriptors.pathOf(target));
        this.channels = new Channel[] {sourceChannel, targetChannel};
    }

    /** The source's path, read from its descriptor for channels. */
    Path sourcePath() {
        if (sourcePath == null) {
            sourcePath = sourceName.get();
        }
        return sourcePath;
    }

    /** The target's path, read from its descriptor for channels. */
    Path targetPath() {
        if (targetPath == null) {
            targetPath = targetName.get();
        }
        return targetPath;
    }

    /**
     * The whole source (of {@code size} bytes by fstat) into an empty target; the target ends
     * with the source's size. A source whose size is 0 is read to its end, since procfs and
     * sysfs files report 0 and still have content.
     */
    CopyResult wholeFileIntoEmptyTarget(long size, long device, ReflinkCopyOption mode) throws IOException {
        if (mode != ReflinkCopyOption.NEVER) {
            try {
                sys.cloneFile(source, target);
                if (wholeCloneTrusted(device)) {
                    return CopyResult.cloned(size);
                }
                long cloned = sys.status(target).size();
                if (cloned == size) {
                    return CopyResult.cloned(size);
                }
                if (cloned == sys.status(source).size()) {
                    return CopyResult.cloned(cloned); // the source grew or shrank before the clone: a whole snapshot
                }
                // success but short: seen on some file systems; never trust a clone blindly
                if (mode == ReflinkCopyOption.ALWAYS) {
                    throw shortClone(cloned, size);
                }
                fallbackReason =
                        "the clone reported success but the target has " + cloned + " bytes instead of " + size;
                sys.truncate(target, 0);
            } catch (NativeException e) {
                if (mode == ReflinkCopyOption.ALWAYS || Failures.isTerminal(e)) {
                    throw Failures.cloneFailed(e, sourcePath(), targetPath());
                }
                cloneRefused(e);
            }
        }
        return copyWholeFile(size, mode == ReflinkCopyOption.AUTO);
    }

    private boolean wholeCloneTrusted(long device) throws NativeException {
        Boolean trusted = WHOLE_CLONE_TRUSTED.get(device);
        if (trusted == null) {
            long type = sys.fileSystemType(target);
            trusted = type == Syscalls.BTRFS_SUPER_MAGIC || type == Syscalls.XFS_SUPER_MAGIC;
            WHOLE_CLONE_TRUSTED.put(device, trusted);
        }
        return trusted;
    }

    /**
     * The whole source over an existing target that may be longer: the FileChannel API, where
     * the caller owns the target. The target is only changed once a clone has begun to succeed,
     * so an ALWAYS that cannot clone leaves it as it was.
     */
    CopyResult wholeFileOverExistingTarget(
            long size, long device, long targetSize, int blockSize, ReflinkCopyOption mode) throws IOException {
        if (targetSize == 0) {
            return wholeFileIntoEmptyTarget(size, device, mode);
        }
        if (mode != ReflinkCopyOption.NEVER) {
            try {
                if (targetSize <= size) {
                    sys.cloneFile(source, target);
                } else {
                    // FICLONE onto a longer file keeps its old tail, or fails with EINVAL when
                    // the source's last block is partial: clone the whole blocks, cut, then
                    // clone the partial block, which now ends at the target's end.
                    long whole = size - size % blockSize;
                    if (whole > 0) {
                        sys.cloneRange(source, 0, whole, target, 0);
                    }
                    sys.truncate(target, size);
                    if (whole < size) {
                        sys.cloneRange(source, whole, 0, target, whole);
                    }
                }
                long cloned = sys.status(target).size();
                if (cloned == size) {
                    return CopyResult.cloned(size);
                }
                if (mode == ReflinkCopyOption.ALWAYS) {
                    throw shortClone(cloned, size);
                }
                fallbackReason =
                        "the clone reported success but the target has " + cloned + " bytes instead of " + size;
            } catch (NativeException e) {
                if (mode == ReflinkCopyOption.ALWAYS || Failures.isTerminal(e)) {
                    throw Failures.cloneFailed(e, sourcePath(), targetPath());
                }
                cloneRefused(e);
            }
        }
        try {
            sys.truncate(target, 0);
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath(), sourcePath());
        }
        return copyWholeFile(size, mode == ReflinkCopyOption.AUTO);
    }

    /**
     * A range: clone it where the kernel can, copy it where it cannot (AUTO), or fail (ALWAYS).
     * Under AUTO, when both offsets sit at the same place within a block, the block-aligned
     * middle is cloned and only the unaligned edges are copied. {@code length} has already been
     * cut to what the source holds; it is not 0.
     */
    CopyResult range(
            long sourceOffset,
            long targetOffset,
            long length,
            long sourceSize,
            long targetSize,
            int blockSize,
            ReflinkCopyOption mode)
            throws IOException {
        // a partial last block can be cloned only where it ends both files: at the source's end,
        // onto the target's end or past it; inside a longer target the kernel refuses it
        boolean partialBlockClones = sourceOffset + length == sourceSize && targetOffset + length >= targetSize;
        if (mode == ReflinkCopyOption.ALWAYS) {
            try {
                sys.cloneRange(source, sourceOffset, length, target, targetOffset);
                return CopyResult.cloned(length);
            } catch (NativeException e) {
                throw Failures.cloneFailed(e, sourcePath(), targetPath());
            }
        }
        copyFileRangeAllowed = mode == ReflinkCopyOption.AUTO;
        if (mode == ReflinkCopyOption.NEVER || sourceOffset % blockSize != targetOffset % blockSize) {
            if (mode == ReflinkCopyOption.AUTO) {
                fallbackReason = "source offset " + sourceOffset + " and target offset " + targetOffset
                        + " lie at different places within a " + blockSize + "-byte block: no block can be cloned";
            }
            long copied = copyRange(sourceOffset, targetOffset, length);
            return CopyResult.copied(copyMethod(), copied);
        }
        long head = Math.min(length, (blockSize - sourceOffset % blockSize) % blockSize);
        long middle = partialBlockClones ? length - head : (length - head) / blockSize * blockSize;
        long tail = length - head - middle;
        long cloned = 0;
        if (middle == 0) {
            fallbackReason = "the range holds no whole " + blockSize + "-byte block to clone";
        } else {
            try {
                sys.cloneRange(source, sourceOffset + head, middle, target, targetOffset + head);
                cloned = middle;
            } catch (NativeException e) {
                if (Failures.isTerminal(e)) {
                    throw Failures.cloneFailed(e, sourcePath(), targetPath());
                }
                cloneRefused(e);
            }
        }
        long copied = 0;
        if (cloned == 0) {
            copied = copyRange(sourceOffset, targetOffset, length);
        } else {
            copied += copyRange(sourceOffset, targetOffset, head);
            copied += copyRange(sourceOffset + head + middle, targetOffset + head + middle, tail);
        }
        if (cloned == length) {
            return CopyResult.cloned(length);
        }
        return new CopyResult(copyMethod(), cloned + copied, cloned);
    }

    /** Copies every data segment of the source into the empty target and sets its size. */
    private CopyResult copyWholeFile(long size, boolean allowCopyFileRange) throws IOException {
        copyFileRangeAllowed = allowCopyFileRange;
        if (size == 0) {
            return CopyResult.copied(CopyMethod.READ_WRITE, readWrite(0, 0, Long.MAX_VALUE));
        }
        long position = savedPosition();
        long end;
        try {
            end = copyDataSegments(size);
        } catch (IOException | RuntimeException failure) {
            try {
                restorePosition(position);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
            throw failure;
        }
        restorePosition(position);
        try {
            sys.truncate(target, end);
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath(), sourcePath());
        }
        return CopyResult.copied(copyMethod(), end);
    }

    /**
     * Copies the data segments SEEK_DATA/SEEK_HOLE find. lseek moves the source descriptor's
     * offset, which a caller's FileChannel shares: the caller restores it.
     *
     * @return where the target must end: {@code size}, or less where reading ended early (a
     *         sysfs file reports 4096 bytes and holds fewer; a file cut meanwhile)
     */
    private long copyDataSegments(long size) throws IOException {
        long offset = 0;
        while (offset < size) {
            long dataStart;
            long dataEnd;
            try {
                dataStart = sys.seek(source, offset, Syscalls.SEEK_DATA);
                if (dataStart < 0 || dataStart >= size) {
                    break;
                }
                long hole = sys.seek(source, dataStart, Syscalls.SEEK_HOLE);
                dataEnd = hole < 0 ? size : Math.min(hole, size);
            } catch (NativeException e) {
                // a file system without SEEK_DATA: the whole rest is data
                dataStart = offset;
                dataEnd = size;
            }
            long copied = copyRange(dataStart, dataStart, dataEnd - dataStart);
            if (copied < dataEnd - dataStart) {
                return dataStart + copied;
            }
            offset = dataEnd;
        }
        return size;
    }

    private long savedPosition() throws IOException {
        try {
            return sys.position(source);
        } catch (NativeException e) {
            throw Failures.translate(e, sourcePath(), targetPath());
        }
    }

    private void restorePosition(long position) throws IOException {
        try {
            sys.setPosition(source, position);
        } catch (NativeException e) {
            throw Failures.translate(e, sourcePath(), targetPath());
        }
    }

    /** A clone the kernel refused, with an errno that lets the copy go on: remembered for the copy's report. */
    private void cloneRefused(NativeException refusal) {
        cloneRefusal = refusal;
        fallbackReason = refusal.getMessage();
    }

    /** The refused clone this copy fell back from, or null when no clone was refused. */
    NativeException cloneRefusal() {
        return cloneRefusal;
    }

    /** Why this copy did not clone where it tried to (an errno, or a short clone), or null. */
    String fallbackReason() {
        return fallbackReason;
    }

    private CopyMethod copyMethod() {
        return readWriteUsed || !copyFileRangeAllowed ? CopyMethod.READ_WRITE : CopyMethod.COPY_FILE_RANGE;
    }

    /** copy_file_range while it works, then read/write; returns the bytes copied (less at EOF). */
    private long copyRange(long sourceOffset, long targetOffset, long length) throws IOException {
        long done = 0;
        while (done < length && copyFileRangeAllowed) {
            checkpoint(done);
            long chunk = Math.min(length - done, MAX_COPY_FILE_RANGE);
            long n;
            try {
                n = sys.copyFileRange(source, sourceOffset + done, target, targetOffset + done, chunk);
            } catch (NativeException e) {
                if (wroteAnything || Failures.isTerminal(e)) {
                    throw Failures.translateCopyFailure(e, sourcePath(), targetPath());
                }
                copyFileRangeAllowed = false; // EXDEV, EOPNOTSUPP, EINVAL...: read and write instead
                break;
            }
            if (n == 0) {
                if (!wroteAnything) {
                    copyFileRangeAllowed = false; // procfs, overlayfs: 0 does not mean "done" here
                    break;
                }
                return done; // the source ended early
            }
            done += n;
            wroteAnything = true;
        }
        if (done < length) {
            done += readWrite(sourceOffset + done, targetOffset + done, length - done);
        }
        return done;
    }

    /** pread/pwrite through a direct buffer until {@code length} bytes or the source's end. */
    private long readWrite(long sourceOffset, long targetOffset, long length) throws IOException {
        readWriteUsed = true;
        ByteBuffer buffer = BUFFERS.get();
        long done = 0;
        while (done < length) {
            checkpoint(done);
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
            int read;
            try {
                read = sys.pread(source, buffer, sourceOffset + done);
            } catch (NativeException e) {
                throw Failures.translate(e, sourcePath(), targetPath());
            }
            if (read == 0) {
                break;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                try {
                    sys.pwrite(target, buffer, targetOffset + done + buffer.position());
                } catch (NativeException e) {
                    throw Failures.translate(e, targetPath(), sourcePath());
                }
            }
            wroteAnything = true;
            done += read;
        }
        return done;
    }

    /** Between two chunks: stop for an interrupt, or for a channel closed meanwhile. */
    private void checkpoint(long done) throws IOException {
        Failures.stopIfInterrupted(sourcePath(), targetPath(), done);
        for (Channel channel : channels) {
            if (!channel.isOpen()) {
                throw new AsynchronousCloseException();
            }
        }
    }

    private FileSystemException shortClone(long cloned, long size) {
        return new ReflinkFailedException(
                Failures.string(sourcePath()),
                Failures.string(targetPath()),
                "ioctl(FICLONE)",
                0,
                null,
                "the clone reported success but the target has " + cloned + " bytes instead of " + size);
    }
}
