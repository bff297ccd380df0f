package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;

import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.SharingReport;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/** Reads a file's extent map (FS_IOC_FIEMAP, page by page) into a {@link SharingReport}. */
public final class SharingInspector {
    private SharingInspector() {}

    public static SharingReport inspect(Path file) throws IOException {
        String refusal = CopyEngine.nativeRefusal(file, file);
        if (refusal != null) {
            throw new ReflinkUnsupportedException(file.toString(), null, "FS_IOC_FIEMAP", refusal);
        }
        Syscalls sys = Syscalls.linux();
        int fd;
        try {
            fd = sys.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(file), true);
        } catch (NativeException e) {
            throw Failures.translate(e, file, null);
        }
        try {
            FileStatus status = sys.status(fd);
            if (!status.isRegularFile()) {
                throw new FileSystemException(file.toString(), null, "not a regular file");
            }
            long size = status.size();
            try {
                return fromExtents(sys, fd, size);
            } catch (NativeException e) {
                if (!e.is(Errno.EOPNOTSUPP, Errno.ENOTTY)) {
                    throw e;
                }
                // no extent map (tmpfs): nothing can be shared; the allocation stands for the data
                long allocated = Math.min(size, status.blocks() * 512);
                return new SharingReport(size, 0, allocated, size - allocated);
            }
        } catch (NativeException e) {
            throw Failures.translate(e, file, null);
        } finally {
            try {
                sys.close(fd);
            } catch (NativeException e) {
                // only read from: closing it cannot lose data
            }
        }
    }

    /**
     * Sums the extents page by page. FIEMAP may return an extent that begins before a page's
     * start again on the next page: each extent is clipped to what the extents before it did not
     * cover, so no byte counts twice.
     */
    static SharingReport fromExtents(Syscalls sys, int fd, long size) throws NativeException {
        long[] dataAndShared = {0, 0};
        long[] counted = {0}; // the end of what is counted: extents come in order
        ExtentMap.forEach(sys, fd, size, extent -> {
            long end = Math.min(extent.end(), size);
            long length = Math.max(0, end - Math.max(extent.logical(), counted[0]));
            counted[0] = Math.max(counted[0], end);
            dataAndShared[0] += length;
            if (extent.isShared()) {
                dataAndShared[1] += length;
            }
            return true;
        });
        long data = dataAndShared[0];
        long shared = dataAndShared[1];
        return new SharingReport(size, shared, data - shared, size - data);
    }
}
