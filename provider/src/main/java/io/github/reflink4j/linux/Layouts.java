package io.github.reflink4j.linux;

/**
 * Where the fields of the kernel structures {@link JnrSyscalls} reads and writes as bytes lie:
 * offsets and sizes in bytes, the same on every 64-bit Linux reflink4j loads on (x86-64, arm64).
 * Each nested class is one C structure, each constant one of its members, named as in C; SIZE
 * is the structure's sizeof. LayoutsTest pins every value to the UAPI headers, and compiles
 * them with the system's C compiler where there is one.
 *
 * <pre>{@code
 * ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
 * int mode = b.getShort(Layouts.Statx.STX_MODE) & 0xffff;
 * }</pre>
 */
final class Layouts {
    private Layouts() {}

    /** {@code struct statx}, {@code <linux/stat.h>}. */
    static final class Statx {
        static final int SIZE = 256;
        static final int STX_BLKSIZE = 4;
        static final int STX_NLINK = 16;
        static final int STX_UID = 20;
        static final int STX_GID = 24;
        static final int STX_MODE = 28;
        static final int STX_INO = 32;
        static final int STX_SIZE = 40;
        static final int STX_BLOCKS = 48;
        static final int STX_ATIME = 64;
        static final int STX_CTIME = 96;
        static final int STX_MTIME = 112;
        static final int STX_RDEV_MAJOR = 128;
        static final int STX_RDEV_MINOR = 132;
        static final int STX_DEV_MAJOR = 136;
        static final int STX_DEV_MINOR = 140;

        private Statx() {}
    }

    /** {@code struct statx_timestamp}, {@code <linux/stat.h>}. */
    static final class StatxTimestamp {
        static final int TV_SEC = 0;
        static final int TV_NSEC = 8;

        private StatxTimestamp() {}
    }

    /** glibc's {@code struct statfs}, {@code <sys/vfs.h>}, as its fstatfs(2) fills it. */
    static final class Statfs {
        static final int SIZE = 120;
        static final int F_TYPE = 0;
        static final int F_BSIZE = 8;

        private Statfs() {}
    }

    /** {@code struct linux_dirent64} from getdents64(2); glibc's {@code struct dirent64}, {@code <dirent.h>}. */
    static final class Dirent64 {
        static final int D_INO = 0;
        static final int D_RECLEN = 16;
        static final int D_TYPE = 18;
        static final int D_NAME = 19;

        private Dirent64() {}
    }

    /** {@code struct file_clone_range}, {@code <linux/fs.h>}: the argument of FICLONERANGE. */
    static final class FileCloneRange {
        static final int SIZE = 32;
        static final int SRC_FD = 0;
        static final int SRC_OFFSET = 8;
        static final int SRC_LENGTH = 16;
        static final int DEST_OFFSET = 24;

        private FileCloneRange() {}
    }

    /** {@code struct file_dedupe_range}, {@code <linux/fs.h>}: the header of FIDEDUPERANGE's argument. */
    static final class FileDedupeRange {
        static final int SIZE = 24;
        static final int SRC_OFFSET = 0;
        static final int SRC_LENGTH = 8;
        static final int DEST_COUNT = 16;
        static final int INFO = 24;

        private FileDedupeRange() {}
    }

    /** {@code struct file_dedupe_range_info}, {@code <linux/fs.h>}: one destination, after the header. */
    static final class FileDedupeRangeInfo {
        static final int SIZE = 32;
        static final int DEST_FD = 0;
        static final int DEST_OFFSET = 8;
        static final int BYTES_DEDUPED = 16;
        static final int STATUS = 24;

        private FileDedupeRangeInfo() {}
    }

    /** {@code struct fiemap}, {@code <linux/fiemap.h>}: the header of FS_IOC_FIEMAP's argument. */
    static final class Fiemap {
        static final int SIZE = 32;
        static final int FM_START = 0;
        static final int FM_LENGTH = 8;
        static final int FM_FLAGS = 16;
        static final int FM_MAPPED_EXTENTS = 20;
        static final int FM_EXTENT_COUNT = 24;
        static final int FM_EXTENTS = 32;

        private Fiemap() {}
    }

    /** {@code struct fiemap_extent}, {@code <linux/fiemap.h>}: one extent, after the header. */
    static final class FiemapExtent {
        static final int SIZE = 56;
        static final int FE_LOGICAL = 0;
        static final int FE_PHYSICAL = 8;
        static final int FE_LENGTH = 16;
        static final int FE_FLAGS = 40;

        private FiemapExtent() {}
    }
}
