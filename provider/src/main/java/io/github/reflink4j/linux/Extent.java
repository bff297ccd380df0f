package io.github.reflink4j.linux;

/**
 * One extent as FS_IOC_FIEMAP reports it.
 *
 * @param logical  byte offset in the file
 * @param physical byte offset on the device
 * @param length   bytes
 * @param flags    FIEMAP_EXTENT_* flags
 */
public record Extent(long logical, long physical, long length, int flags) {
    public static final int LAST = 0x1;
    public static final int SHARED = 0x2000;

    public boolean isShared() {
        return (flags & SHARED) != 0;
    }

    public boolean isLast() {
        return (flags & LAST) != 0;
    }

    public long end() {
        return logical + length;
    }
}
