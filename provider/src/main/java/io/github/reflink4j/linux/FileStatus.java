package io.github.reflink4j.linux;

/**
 * What statx(2) reports about a file, in the units the kernel uses.
 *
 * <pre>{@code
 * FileStatus s = syscalls.status(fd);
 * if (s.isRegularFile() && s.linkCount() > 1) { ... }   // a file with other hard links
 * }</pre>
 *
 * @param device       the device the file lives on (major and minor combined)
 * @param inode        the inode number
 * @param mode         type and permission bits, as in {@code st_mode}
 * @param linkCount    the number of hard links ({@code st_nlink})
 * @param uid          owner
 * @param gid          group
 * @param size         logical size in bytes
 * @param blockSize    the preferred I/O size ({@code stx_blksize})
 * @param blocks       allocated 512-byte blocks
 * @param accessTime   last access, seconds and nanoseconds
 * @param modifyTime   last modification, seconds and nanoseconds
 * @param changeTime   last status change, seconds and nanoseconds
 * @param specialDevice the device a device node stands for ({@code st_rdev}), as mknod(2) takes it
 */
public record FileStatus(
        long device,
        long inode,
        int mode,
        int linkCount,
        int uid,
        int gid,
        long size,
        int blockSize,
        long blocks,
        Timestamp accessTime,
        Timestamp modifyTime,
        Timestamp changeTime,
        long specialDevice) {

    // package-private so that LayoutsTest can pin them to <sys/stat.h>
    static final int S_IFMT = 0170000;
    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;

    /**
     * A point in time as the kernel stores it.
     *
     * @param seconds seconds since the epoch
     * @param nanos   nanoseconds within that second
     */
    public record Timestamp(long seconds, int nanos) {}

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isSymbolicLink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    /** Permission bits including setuid, setgid and sticky. */
    public int permissionBits() {
        return mode & 07777;
    }

    /** Same inode on the same device: the same file, whatever its names. */
    public boolean isSameFileAs(FileStatus other) {
        return device == other.device && inode == other.inode;
    }
}
