package io.github.reflink4j.linux;

/**
 * What statx(2) reports about an open file, in the units the kernel uses.
 *
 * @param device       the device the file lives on (major and minor combined)
 * @param inode        the inode number
 * @param mode         type and permission bits, as in {@code st_mode}
 * @param uid          owner
 * @param gid          group
 * @param size         logical size in bytes
 * @param blockSize    the preferred I/O block size; on btrfs and xfs the clone alignment
 * @param blocks       allocated 512-byte blocks
 * @param accessTime   last access, seconds and nanoseconds
 * @param modifyTime   last modification, seconds and nanoseconds
 */
public record FileStatus(long device, long inode, int mode, int uid, int gid, long size, int blockSize,
                         long blocks, Timestamp accessTime, Timestamp modifyTime) {

    private static final int S_IFMT = 0170000;
    private static final int S_IFREG = 0100000;

    /** A point in time as the kernel stores it. */
    public record Timestamp(long seconds, int nanos) { }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
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
