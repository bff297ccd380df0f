package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.linux.DedupeOutcome;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Makes a target share a source's blocks where their contents are identical, through
 * FIDEDUPERANGE: the kernel locks both ranges, compares them and shares only what is equal, so
 * no byte of either file changes, even if one is written meanwhile.
 */
public final class Deduplicator {
    /** The kernel caps one request (btrfs at 16 MiB); larger ones are cut. */
    static final long REQUEST = 16L << 20;
    /** A differing request is split down to this size, so one changed byte costs little sharing. */
    static final long SMALLEST_SPLIT = 128L << 10;

    private Deduplicator() {}

    public static DedupeResult dedupe(Path source, Path target) throws IOException {
        String refusal = CopyEngine.nativeRefusal(source, target);
        if (refusal != null) {
            throw new ReflinkUnsupportedException(source.toString(), target.toString(), "FIDEDUPERANGE", refusal);
        }
        return dedupe(Syscalls.linux(), source, target);
    }

    /** The dedupe through {@code sys}: the real binding, or a test's with faults in front of it. */
    static DedupeResult dedupe(Syscalls sys, Path source, Path target) throws IOException {
        int in;
        try {
            in = sys.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        } catch (NativeException e) {
            throw Failures.translate(e, source, target);
        }
        DedupeResult result;
        try {
            int out;
            try {
                out = sys.openForUpdate(Syscalls.AT_FDCWD, NativePaths.bytes(target));
            } catch (NativeException e) {
                throw Failures.translate(e, target, source);
            }
            try {
                result = dedupe(sys, in, out, source, target);
            } catch (Throwable failure) {
                Failures.closeQuietly(sys, out, failure);
                throw failure;
            }
            try {
                sys.close(out);
            } catch (NativeException e) {
                throw Failures.translate(e, target, source);
            }
        } catch (Throwable failure) {
            Failures.closeQuietly(sys, in, failure);
            throw failure;
        }
        Failures.closeQuietly(sys, in, null);
        return result;
    }

    private static DedupeResult dedupe(Syscalls sys, int in, int out, Path source, Path target) throws IOException {
        FileStatus from;
        FileStatus to;
        int blockSize;
        try {
            from = sys.status(in);
            to = sys.status(out);
            blockSize = sys.fileSystemBlockSize(out);
        } catch (NativeException e) {
            throw Failures.translate(e, source, target);
        }
        if (!from.isRegularFile() || !to.isRegularFile()) {
            throw new FileSystemException(source.toString(), target.toString(), "dedupe needs two regular files");
        }
        if (from.isSameFileAs(to)) {
            return new DedupeResult(0, 0, false);
        }
        if (blockSize <= 0) {
            throw new FileSystemException(
                    target.toString(), source.toString(), "the file system reports a block size of " + blockSize);
        }
        boolean sameSize = from.size() == to.size();
        long common = Math.min(from.size(), to.size());
        // an unaligned last block may only be shared when it ends both files
        long limit = sameSize ? common : common - common % blockSize;
        Progress progress = new Progress();
        progress.differs = !sameSize;
        try {
            for (long offset = 0; offset < limit; offset += REQUEST) {
                Failures.stopIfInterrupted(
                        source,
                        target,
                        offset,
                        "deduplicating",
                        "neither file's contents changed, part may already share blocks");
                dedupeRange(sys, in, out, offset, Math.min(REQUEST, limit - offset), blockSize, progress);
            }
        } catch (NativeException e) {
            throw Failures.cloneFailed(e, source, target);
        }
        return new DedupeResult(limit, progress.deduplicated, progress.differs);
    }

    /** What the requests for one target did so far: bytes shared, whether some differed, requests issued. */
    static final class Progress {
        long deduplicated;
        boolean differs;
        long requests;
    }

    /**
     * One request's range: offered whole; where the kernel finds it differs, halved (at block
     * boundaries) until the pieces are {@link #SMALLEST_SPLIT} or a single block, so the equal
     * parts are still shared. A piece that cannot be halved is given up as different: the depth
     * is at most log2(REQUEST / SMALLEST_SPLIT) + 1 whatever the block size.
     */
    static void dedupeRange(Syscalls sys, int in, int out, long offset, long length, int blockSize, Progress progress)
            throws NativeException {
        long done = 0;
        while (done < length) {
            progress.requests++;
            DedupeOutcome outcome = sys.dedupeRange(in, offset + done, length - done, out, offset + done);
            if (outcome.differs()) {
                splitDiffering(sys, in, out, offset + done, length - done, blockSize, progress);
                return;
            }
            if (outcome.bytesDeduplicated() <= 0) {
                return; // nothing more the kernel will share here
            }
            progress.deduplicated += outcome.bytesDeduplicated();
            done += outcome.bytesDeduplicated();
        }
    }

    /**
     * A range the kernel found to differ: its two halves (cut at a block boundary) are offered
     * again, until a piece is {@link #SMALLEST_SPLIT} or one block, which is given up as different.
     */
    static void splitDiffering(
            Syscalls sys, int in, int out, long offset, long length, int blockSize, Progress progress)
            throws NativeException {
        long half = length / 2 - (length / 2) % blockSize;
        if (length <= SMALLEST_SPLIT || half <= 0 || half >= length) {
            progress.differs = true;
            return;
        }
        dedupeRange(sys, in, out, offset, half, blockSize, progress);
        dedupeRange(sys, in, out, offset + half, length - half, blockSize, progress);
    }
}
