package io.github.reflink4j.linux;

/**
 * The kernel's and the C library's numbers that every binding passes as bare values: the same on
 * every 64-bit Linux reflink4j loads on, except the open flags, which {@link OpenFlags} holds per
 * architecture. LayoutsTest pins each one to the UAPI and glibc headers.
 *
 * <pre>{@code
 * int flags = followLinks ? 0 : Kernel.AT_SYMLINK_NOFOLLOW;
 * }</pre>
 */
final class Kernel {
    private Kernel() {}

    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_SYMLINK_FOLLOW = 0x400;
    static final int AT_EMPTY_PATH = 0x1000;
    static final int FIEMAP_FLAG_SYNC = 0x1;
    static final int FILE_DEDUPE_RANGE_DIFFERS = 1;
    static final int STATX_BASIC_STATS = 0x7ff;
    static final long UTIME_OMIT = (1L << 30) - 2;
    static final int SEEK_SET = 0;
    static final int SEEK_CUR = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;
    /** O_PATH, the same on every Linux architecture reflink4j loads on (and unknown to jnr-constants). */
    static final int O_PATH = 010000000;

    /**
     * The open(2) flags of one architecture, and the combinations the bindings open files with.
     * Most are the same everywhere; O_DIRECTORY and O_NOFOLLOW are not (arm64 has its own).
     *
     * <pre>{@code
     * OpenFlags flags = OpenFlags.of(System.getProperty("os.arch"));
     * int fd = openat(dir, name, flags.readFile(false), 0);   // O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC|O_NOFOLLOW
     * }</pre>
     */
    record OpenFlags(
            int readOnly,
            int writeOnly,
            int readWrite,
            int create,
            int exclusive,
            int noControllingTerminal,
            int nonBlocking,
            int directory,
            int noFollow,
            int closeOnExec) {
        /** x86-64, from {@code <asm-generic/fcntl.h>}. */
        static final OpenFlags X86_64 = new OpenFlags(0, 01, 02, 0100, 0200, 0400, 04000, 0200000, 0400000, 02000000);
        /** arm64: {@code <asm-generic/fcntl.h>} with {@code arch/arm64/include/uapi/asm/fcntl.h}'s own two. */
        static final OpenFlags AARCH64 = new OpenFlags(0, 01, 02, 0100, 0200, 0400, 04000, 040000, 0100000, 02000000);

        /** The flags of {@code os.arch}, or null where reflink4j does not know them. */
        static OpenFlags of(String architecture) {
            switch (architecture) {
                case "amd64":
                case "x86_64":
                    return X86_64;
                case "aarch64":
                    return AARCH64;
                default:
                    return null;
            }
        }

        /** A directory, for reading and as the base of further calls. */
        int openDirectory(boolean followLinks) {
            return readOnly | closeOnExec | directory | (followLinks ? 0 : noFollow);
        }

        /** A file for reading that never blocks on a FIFO nor becomes the controlling terminal. */
        int readFile(boolean followLinks) {
            return readOnly | closeOnExec | nonBlocking | noControllingTerminal | (followLinks ? 0 : noFollow);
        }

        /** A new file that must not exist. */
        int createExclusive() {
            return writeOnly | create | exclusive | closeOnExec;
        }

        /** An existing file for writing, not truncated, never blocking. */
        int writeFile() {
            return writeOnly | closeOnExec | nonBlocking | noControllingTerminal;
        }

        /** An existing file for reading and writing, never blocking. */
        int updateFile() {
            return readWrite | closeOnExec | nonBlocking | noControllingTerminal;
        }

        /** A descriptor that only names a file, never through a link. */
        int pathOnly() {
            return O_PATH | noFollow | closeOnExec;
        }
    }
}
