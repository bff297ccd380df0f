package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;

import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.SharingReport;
import io.github.reflink4j.linux.Extent;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;
import jnr.constants.platform.Errno;

/** Reads a file's extent map (FS_IOC_FIEMAP, page by page) into a {@link SharingReport}. */
public final class SharingInspector {
    private static final int EXTENTS_PER_PAGE = 512;

    private SharingInspector() {
    }

    public static SharingReport inspect(Path file) throws IOException {
        String refusal = CopyEngine.nativeRefusal(file, file);
        if (refusal != null) {
            throw new ReflinkUnsupportedException(file.toString(), null, "FS_IOC_FIEMAP", refusal);
        }
        try (OpenFile in = OpenFile.forReading(file, true, null)) {
            FileStatus status;
            try {
                status = LinuxSyscalls.status(in.fd);
            } catch (NativeException e) {
                throw Failures.translate(e, file, null);
            }
            if (!status.isRegularFile()) {
                throw new FileSystemException(file.toString(), null, "not a regular file");
            }
            long size = status.size();
            try {
                return fromExtents(in.fd, size);
            } catch (NativeException e) {
                if (!e.is(Errno.EOPNOTSUPP, Errno.ENOTSUP, Errno.ENOTTY)) {
                    throw Failures.translate(e, file, null);
                }
                // no extent map (tmpfs): nothing can be shared; the allocation stands for the data
                long allocated = Math.min(size, status.blocks() * 512);
                return new SharingReport(size, 0, allocated, size - allocated);
            }
        }
    }

    private static SharingReport fromExtents(int fd, long size) throws NativeException {
        long data = 0;
        long shared = 0;
        long start = 0;
        while (start < size) {
            List<Extent> page = LinuxSyscalls.extents(fd, start, EXTENTS_PER_PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (Extent extent : page) {
                long length = Math.max(0, Math.min(extent.end(), size) - Math.max(extent.logical(), start));
                data += length;
                if (extent.isShared()) {
                    shared += length;
                }
            }
            Extent last = page.get(page.size() - 1);
            if (last.isLast() || page.size() < EXTENTS_PER_PAGE) {
                break;
            }
            start = last.end();
        }
        return new SharingReport(size, shared, data - shared, size - data);
    }
}
