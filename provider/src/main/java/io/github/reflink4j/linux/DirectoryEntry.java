package io.github.reflink4j.linux;

/**
 * One entry of a directory listing, as getdents64(2) gives it: the name's raw bytes (never
 * decoded), the inode number the directory holds for it, and its type where the file system
 * reports one.
 *
 * <pre>{@code
 * for (DirectoryEntry e : listing) {
 *     if (e.type() == DirectoryEntry.Type.DIRECTORY) { ... }
 * }
 * }</pre>
 *
 * @param name  the name's bytes, without a terminating NUL; never "." or ".."
 * @param inode the inode number (d_ino)
 * @param type  the entry's type (d_type); {@link Type#UNKNOWN} where the file system leaves it out
 */
public record DirectoryEntry(byte[] name, long inode, Type type) {

    /** d_type, as far as reflink4j distinguishes it. */
    public enum Type {
        REGULAR,
        DIRECTORY,
        SYMBOLIC_LINK,
        OTHER,
        UNKNOWN;

        // <dirent.h>; package-private so that LayoutsTest can pin them
        static final int DT_UNKNOWN = 0;
        static final int DT_DIR = 4;
        static final int DT_REG = 8;
        static final int DT_LNK = 10;

        static Type of(int dType) {
            switch (dType) {
                case DT_REG:
                    return REGULAR;
                case DT_DIR:
                    return DIRECTORY;
                case DT_LNK:
                    return SYMBOLIC_LINK;
                case DT_UNKNOWN:
                    return UNKNOWN;
                default:
                    return OTHER;
            }
        }
    }
}
