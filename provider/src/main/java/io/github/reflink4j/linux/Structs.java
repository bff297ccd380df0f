package io.github.reflink4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.linux.Layouts.Dirent64;
import io.github.reflink4j.linux.Layouts.Fiemap;
import io.github.reflink4j.linux.Layouts.FiemapExtent;
import io.github.reflink4j.linux.Layouts.FileCloneRange;
import io.github.reflink4j.linux.Layouts.FileDedupeRange;
import io.github.reflink4j.linux.Layouts.FileDedupeRangeInfo;
import io.github.reflink4j.linux.Layouts.Statfs;
import io.github.reflink4j.linux.Layouts.Statx;
import io.github.reflink4j.linux.Layouts.StatxTimestamp;

/**
 * Reads and writes the kernel structures in a {@link ByteBuffer} of the platform's byte order,
 * wherever its bytes live: a Java array for jnr-ffi, native memory for {@code java.lang.foreign}.
 * So both bindings build every request and read every reply with the same code, and differ
 * only in how the bytes reach the kernel. Absolute offsets, from {@link Layouts}.
 *
 * <pre>{@code
 * ByteBuffer raw = ByteBuffer.allocate(Layouts.Statx.SIZE).order(ByteOrder.nativeOrder());
 * // ... statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, raw) ...
 * FileStatus status = Structs.fileStatus(raw);
 * }</pre>
 */
final class Structs {
    private Structs() {}

    /** A {@code struct statx} as a FileStatus. */
    static FileStatus fileStatus(ByteBuffer b) {
        long device = ((long) b.getInt(Statx.STX_DEV_MAJOR) << 32) | (b.getInt(Statx.STX_DEV_MINOR) & 0xffffffffL);
        return new FileStatus(
                device,
                b.getLong(Statx.STX_INO),
                b.getShort(Statx.STX_MODE) & 0xffff,
                b.getInt(Statx.STX_NLINK),
                b.getInt(Statx.STX_UID),
                b.getInt(Statx.STX_GID),
                b.getLong(Statx.STX_SIZE),
                b.getInt(Statx.STX_BLKSIZE),
                b.getLong(Statx.STX_BLOCKS),
                timestamp(b, Statx.STX_ATIME),
                timestamp(b, Statx.STX_MTIME),
                timestamp(b, Statx.STX_CTIME),
                deviceNumber(b.getInt(Statx.STX_RDEV_MAJOR), b.getInt(Statx.STX_RDEV_MINOR)));
    }

    /** glibc's makedev(3). */
    private static long deviceNumber(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return (ma & 0xfffff000L) << 32 | (ma & 0xfffL) << 8 | (mi & 0xffffff00L) << 12 | (mi & 0xffL);
    }

    private static FileStatus.Timestamp timestamp(ByteBuffer b, int at) {
        return new FileStatus.Timestamp(b.getLong(at + StatxTimestamp.TV_SEC), b.getInt(at + StatxTimestamp.TV_NSEC));
    }

    /** glibc's {@code struct statfs}: {@code f_type}, unsigned. */
    static long fileSystemType(ByteBuffer b) {
        return b.getLong(Statfs.F_TYPE) & 0xffffffffL;
    }

    /** glibc's {@code struct statfs}: {@code f_bsize}. */
    static int fileSystemBlockSize(ByteBuffer b) {
        return (int) b.getLong(Statfs.F_BSIZE);
    }

    /**
     * Appends the {@code linux_dirent64} records getdents64 left in the first {@code length}
     * bytes of {@code listing}, without "." and "..".
     *
     * @return false when there were none: the end of the directory
     */
    static boolean directoryEntries(ByteBuffer listing, long length, List<DirectoryEntry> entries) {
        if (length == 0) {
            return false;
        }
        ByteBuffer b = listing.duplicate().order(ByteOrder.nativeOrder());
        int at = 0;
        while (at < length) {
            long inode = b.getLong(at + Dirent64.D_INO);
            int recordLength = b.getShort(at + Dirent64.D_RECLEN) & 0xffff;
            int type = b.get(at + Dirent64.D_TYPE) & 0xff;
            int nameStart = at + Dirent64.D_NAME;
            int nameEnd = nameStart;
            while (b.get(nameEnd) != 0) {
                nameEnd++;
            }
            int nameLength = nameEnd - nameStart;
            boolean dot =
                    b.get(nameStart) == '.' && (nameLength == 1 || nameLength == 2 && b.get(nameStart + 1) == '.');
            if (!dot) {
                byte[] name = new byte[nameLength];
                b.get(nameStart, name);
                entries.add(new DirectoryEntry(name, inode, DirectoryEntry.Type.of(type)));
            }
            at += recordLength;
        }
        return true;
    }

    /** The names in a NUL-separated list (flistxattr), as raw bytes. */
    static List<byte[]> nulSeparated(ByteBuffer b, long length) {
        List<byte[]> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (b.get(i) == 0) {
                byte[] name = new byte[i - start];
                b.get(start, name);
                names.add(name);
                start = i + 1;
            }
        }
        return names;
    }

    /** utimensat's and futimens' two {@code struct timespec}; a null time is UTIME_OMIT. */
    static long[] times(FileStatus.Timestamp access, FileStatus.Timestamp modify) {
        return new long[] {
            access == null ? 0 : access.seconds(), access == null ? Kernel.UTIME_OMIT : access.nanos(),
            modify == null ? 0 : modify.seconds(), modify == null ? Kernel.UTIME_OMIT : modify.nanos(),
        };
    }

    /** A {@code struct file_clone_range}. */
    static void putCloneRange(ByteBuffer b, int sourceFd, long sourceOffset, long length, long targetOffset) {
        b.putLong(FileCloneRange.SRC_FD, sourceFd)
                .putLong(FileCloneRange.SRC_OFFSET, sourceOffset)
                .putLong(FileCloneRange.SRC_LENGTH, length)
                .putLong(FileCloneRange.DEST_OFFSET, targetOffset);
    }

    /** The bytes of a FS_IOC_FIEMAP request for {@code maxExtents}. */
    static int fiemapSize(int maxExtents) {
        return Fiemap.SIZE + maxExtents * FiemapExtent.SIZE;
    }

    /** A {@code struct fiemap} header asking for everything from {@code start}, synced first. */
    static void putFiemapRequest(ByteBuffer b, long start, int maxExtents) {
        b.putLong(Fiemap.FM_START, start)
                .putLong(Fiemap.FM_LENGTH, Long.MAX_VALUE - start)
                .putInt(Fiemap.FM_FLAGS, Kernel.FIEMAP_FLAG_SYNC)
                .putInt(Fiemap.FM_MAPPED_EXTENTS, 0)
                .putInt(Fiemap.FM_EXTENT_COUNT, maxExtents);
    }

    /** The extents the kernel mapped into a FS_IOC_FIEMAP reply. */
    static List<Extent> fiemapExtents(ByteBuffer b) {
        int mapped = b.getInt(Fiemap.FM_MAPPED_EXTENTS);
        List<Extent> extents = new ArrayList<>(mapped);
        for (int i = 0; i < mapped; i++) {
            int at = Fiemap.FM_EXTENTS + i * FiemapExtent.SIZE;
            extents.add(new Extent(
                    b.getLong(at + FiemapExtent.FE_LOGICAL),
                    b.getLong(at + FiemapExtent.FE_PHYSICAL),
                    b.getLong(at + FiemapExtent.FE_LENGTH),
                    b.getInt(at + FiemapExtent.FE_FLAGS)));
        }
        return extents;
    }

    /** The number of destinations, after checking the two arrays agree and fit in one request. */
    static int dedupeTargets(int[] targetFds, long[] targetOffsets) {
        if (targetFds.length != targetOffsets.length) {
            throw new IllegalArgumentException(
                    targetFds.length + " destinations but " + targetOffsets.length + " offsets");
        }
        if (targetFds.length == 0 || targetFds.length > Syscalls.MAX_DEDUPE_TARGETS) {
            throw new IllegalArgumentException("one FIDEDUPERANGE request takes 1 to " + Syscalls.MAX_DEDUPE_TARGETS
                    + " destinations, not " + targetFds.length);
        }
        return targetFds.length;
    }

    /** The bytes of a FIDEDUPERANGE request with {@code count} destinations. */
    static int dedupeSize(int count) {
        return FileDedupeRange.SIZE + count * FileDedupeRangeInfo.SIZE;
    }

    /** A {@code struct file_dedupe_range} and its destinations, their results zeroed. */
    static void putDedupeRequest(ByteBuffer b, long sourceOffset, long length, int[] targetFds, long[] targetOffsets) {
        b.putLong(FileDedupeRange.SRC_OFFSET, sourceOffset)
                .putLong(FileDedupeRange.SRC_LENGTH, length)
                .putShort(FileDedupeRange.DEST_COUNT, (short) targetFds.length)
                .putShort(FileDedupeRange.DEST_COUNT + 2, (short) 0)
                .putInt(FileDedupeRange.DEST_COUNT + 4, 0);
        for (int i = 0; i < targetFds.length; i++) {
            int info = FileDedupeRange.INFO + i * FileDedupeRangeInfo.SIZE;
            b.putLong(info + FileDedupeRangeInfo.DEST_FD, targetFds[i])
                    .putLong(info + FileDedupeRangeInfo.DEST_OFFSET, targetOffsets[i])
                    .putLong(info + FileDedupeRangeInfo.BYTES_DEDUPED, 0)
                    .putInt(info + FileDedupeRangeInfo.STATUS, 0)
                    .putInt(info + FileDedupeRangeInfo.STATUS + 4, 0);
        }
    }

    /** Each destination's {@code bytes_deduped} and {@code status}, as the kernel left them. */
    static DedupeOutcome[] dedupeOutcomes(ByteBuffer b, int count) {
        DedupeOutcome[] outcomes = new DedupeOutcome[count];
        for (int i = 0; i < count; i++) {
            int info = FileDedupeRange.INFO + i * FileDedupeRangeInfo.SIZE;
            int status = b.getInt(info + FileDedupeRangeInfo.STATUS);
            outcomes[i] = status < 0
                    ? new DedupeOutcome(0, false, -status)
                    : new DedupeOutcome(
                            b.getLong(info + FileDedupeRangeInfo.BYTES_DEDUPED),
                            status == Kernel.FILE_DEDUPE_RANGE_DIFFERS);
        }
        return outcomes;
    }
}
