package io.github.reflink4j.linux;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The Linux system calls reflink4j needs, as one small interface: the engine sees this and
 * nothing of whatever binds it: {@code java.lang.foreign} on JDK 22 and later, jnr-ffi on JDK
 * 17-21 (see {@link #bindingName()}).
 *
 * <p>Conventions every binding keeps:
 * <ul>
 *   <li>Files are reached relative to an open directory descriptor ({@link #AT_FDCWD} for the
 *       working directory) by a name given as raw bytes, never as a {@code String}: a name need
 *       not be valid in any charset. A name is passed without a terminating NUL.</li>
 *   <li>Every descriptor is opened close-on-exec; a name is never followed through a symbolic
 *       link unless the method says so.</li>
 *   <li>A call either succeeds or throws {@link NativeException} with the errno; calls
 *       interrupted by a signal (EINTR) are retried inside the binding. The few outcomes that
 *       are expected on a normal path (a name that exists, or does not) are return values, so
 *       the normal path builds no exception.</li>
 * </ul>
 *
 * <pre>{@code
 * Syscalls sys = Syscalls.linux();
 * int dir = sys.openDirectory(Syscalls.AT_FDCWD, "/data".getBytes(), true);
 * int in = sys.openForReading(dir, "vm.img".getBytes(), false);
 * int out = sys.createExclusive(dir, "vm-copy.img".getBytes(), 0644);
 * sys.cloneFile(in, out);
 * }</pre>
 */
public interface Syscalls {
    /** The working directory, as a directory descriptor. */
    int AT_FDCWD = -100;
    /** {@link #createExclusive} found the name taken. */
    int ALREADY_EXISTS = -1;
    /** {@code _IOW(0x94, 9, int)}: clone a whole file; issued on the destination descriptor. */
    long FICLONE = 0x40049409L;
    /** {@code _IOW(0x94, 13, struct file_clone_range)}. */
    long FICLONERANGE = 0x4020940dL;
    /** {@code _IOWR(0x94, 54, struct file_dedupe_range)}. */
    long FIDEDUPERANGE = 0xc0189436L;
    /** {@code _IOR('f', 1, long)}: the inode flags of chattr(1); the kernel reads and writes an int. */
    long FS_IOC_GETFLAGS = 0x80086601L;
    /** Inode flag: the file is immutable ({@code chattr +i}). */
    int FS_IMMUTABLE_FL = 0x10;
    /** Inode flag: the file or directory may only be appended to ({@code chattr +a}). */
    int FS_APPEND_FL = 0x20;
    /** {@code _IOWR('f', 11, struct fiemap)}. */
    long FS_IOC_FIEMAP = 0xc020660bL;

    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;
    /** statfs(2) {@code f_type} of btrfs. */
    long BTRFS_SUPER_MAGIC = 0x9123683eL;
    /** statfs(2) {@code f_type} of xfs. */
    long XFS_SUPER_MAGIC = 0x58465342L;

    /** The binding for this JVM; throws {@link IllegalStateException} when none could load. */
    static Syscalls linux() {
        return Bindings.loaded();
    }

    /** Whether a binding loaded: this is 64-bit Linux and the native library could be used. */
    static boolean isAvailable() {
        return Bindings.isAvailable();
    }

    /**
     * The binding in use: {@code "java.lang.foreign"} (JDK 22 and later) or {@code "jnr-ffi"};
     * null when none loaded. The system property {@code reflink4j.binding} ({@code foreign},
     * {@code jnr}, {@code auto}) picks one.
     */
    static String bindingName() {
        return Bindings.name();
    }

    /** Why no binding loaded, or null when one did. */
    static Throwable unavailableReason() {
        return Bindings.failure();
    }

    // ---- opening and closing

    /** A directory, for reading and as the base of further calls (O_DIRECTORY). */
    int openDirectory(int directory, byte[] name, boolean followLinks) throws NativeException;

    /**
     * A file for reading. Never blocks on a FIFO and never makes a terminal the controlling one
     * (O_NONBLOCK, O_NOCTTY); the caller dispatches on {@link #status(int)} before reading.
     */
    int openForReading(int directory, byte[] name, boolean followLinks) throws NativeException;

    /**
     * Creates a file that must not exist yet (O_CREAT|O_EXCL, so no link is followed), open for
     * writing; {@code mode} is filtered by the umask or the directory's default ACL as usual.
     *
     * @return the descriptor, or {@link #ALREADY_EXISTS} when the name is taken
     */
    int createExclusive(int directory, byte[] name, int mode) throws NativeException;

    /**
     * An existing file for writing, not truncated. Like {@link #openForReading}, never blocks on
     * a FIFO (one without a reader fails with ENXIO) nor takes a terminal: the caller checks the
     * type with {@link #status(int)} before writing.
     */
    int openForWriting(int directory, byte[] name) throws NativeException;

    /** An existing file for reading and writing (a dedupe target); never blocks, as {@link #openForWriting}. */
    int openForUpdate(int directory, byte[] name) throws NativeException;

    /**
     * A descriptor that only names a file (O_PATH|O_NOFOLLOW): it neither reads nor writes, and
     * can give the file another name through {@link #linkOpenFile}.
     */
    int openPath(int directory, byte[] name) throws NativeException;

    /** Closes a descriptor; never retried, since on Linux it is gone even after EINTR. */
    void close(int fd) throws NativeException;

    /**
     * Takes an exclusive advisory lock on the open file (flock LOCK_EX|LOCK_NB), held until
     * every descriptor of that open file is closed.
     *
     * @return false when another open file holds a lock on it
     */
    boolean tryLock(int fd) throws NativeException;

    // ---- names in a directory

    /** statx of an open file. */
    FileStatus status(int fd) throws NativeException;

    /** statx of a name, or null when there is no such name (ENOENT). */
    FileStatus statusAt(int directory, byte[] name, boolean followLinks) throws NativeException;

    /**
     * The inode flags chattr(1) sets (FS_IOC_GETFLAGS), such as {@link #FS_APPEND_FL}; a file
     * system without them answers ENOTTY or EOPNOTSUPP.
     */
    int inodeFlags(int fd) throws NativeException;

    /** statfs(2) {@code f_type} of the file system {@code fd} is on. */
    long fileSystemType(int fd) throws NativeException;

    /**
     * statfs(2) {@code f_bsize}: the file system's block size, the unit of clone and dedupe
     * alignment. Not statx's {@code stx_blksize}, which is the preferred I/O size and can be a
     * whole stripe (xfs with {@code largeio}).
     */
    int fileSystemBlockSize(int fd) throws NativeException;

    /**
     * Reads the next entries of an open directory into {@code buffer} (a direct buffer, reused)
     * and appends them to {@code entries}, skipping "." and "..".
     *
     * @return false at the end of the directory
     */
    boolean readDirectory(int fd, ByteBuffer buffer, List<DirectoryEntry> entries) throws NativeException;

    /** mkdirat: returns false when the name is taken. */
    boolean makeDirectory(int directory, byte[] name, int mode) throws NativeException;

    /** mknodat: a FIFO, socket or device node; {@code mode} holds its type and permission bits. */
    void makeNode(int directory, byte[] name, int mode, long device) throws NativeException;

    /** symlinkat: a link at {@code name} holding {@code linkTarget}. */
    void makeSymbolicLink(byte[] linkTarget, int directory, byte[] name) throws NativeException;

    /** readlinkat: what the link holds, as bytes. */
    byte[] readSymbolicLink(int directory, byte[] name) throws NativeException;

    /** linkat: a second name for the file open as {@code fd}, through /proc/self/fd. */
    void linkOpenFile(int fd, int directory, byte[] name) throws NativeException;

    /** linkat without following a link: a second name {@code to} for the entry {@code from}. */
    void link(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException;

    /** unlinkat; {@code directory} true removes an empty directory. */
    void unlink(int directory, byte[] name, boolean isDirectory) throws NativeException;

    /** renameat: replaces {@code to} in one step. */
    void rename(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException;

    /**
     * fchmodat of a FIFO, socket or device node (which cannot be opened to fchmod it without
     * opening the device), never through a link: a name swapped for one fails (EOPNOTSUPP).
     */
    void changeModeAt(int directory, byte[] name, int mode) throws NativeException;

    /** fchownat/utimensat without following a link: the link's own owner and times. */
    void changeLinkOwner(int directory, byte[] name, int uid, int gid) throws NativeException;

    void setLinkTimes(int directory, byte[] name, FileStatus.Timestamp access, FileStatus.Timestamp modify)
            throws NativeException;

    // ---- data

    /** FICLONE: makes the whole destination share the source's blocks. */
    void cloneFile(int sourceFd, int targetFd) throws NativeException;

    /**
     * FICLONERANGE: shares {@code length} bytes of the source at {@code sourceOffset} into the
     * target at {@code targetOffset}; a length of 0 means "to the source's end".
     */
    void cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException;

    /** One copy_file_range call at explicit offsets; returns the bytes copied (0 at EOF). */
    long copyFileRange(int sourceFd, long sourceOffset, int targetFd, long targetOffset, long length)
            throws NativeException;

    /** lseek(SEEK_DATA or SEEK_HOLE); -1 where the kernel answers ENXIO (no more data). */
    long seek(int fd, long offset, int whence) throws NativeException;

    /** The descriptor's file offset (lseek SEEK_CUR). */
    long position(int fd) throws NativeException;

    /** Sets the descriptor's file offset (lseek SEEK_SET); for a directory, a getdents cookie. */
    void setPosition(int fd, long position) throws NativeException;

    /** pread into the buffer's remaining space; returns bytes read, 0 at EOF. */
    int pread(int fd, ByteBuffer buffer, long offset) throws NativeException;

    /** pwrite from the buffer's remaining bytes; returns bytes written. */
    int pwrite(int fd, ByteBuffer buffer, long offset) throws NativeException;

    void truncate(int fd, long length) throws NativeException;

    /** fdatasync: the file's data, and what is needed to read it back, reach the disk. */
    void syncData(int fd) throws NativeException;

    /** One page of FS_IOC_FIEMAP (synced first): at most {@code maxExtents} extents from {@code start}. */
    List<Extent> extents(int fd, long start, int maxExtents) throws NativeException;

    /**
     * The most destinations one FIDEDUPERANGE request may name: the kernel refuses a request
     * larger than a page (ENOMEM), and a 4 KiB page holds the 24-byte header and 127 of them.
     */
    int MAX_DEDUPE_TARGETS = 127;

    /**
     * One FIDEDUPERANGE request, issued on the source, with one destination. A destination the
     * kernel refuses throws, with that errno.
     */
    default DedupeOutcome dedupeRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException {
        DedupeOutcome outcome =
                dedupeRange(sourceFd, sourceOffset, length, new int[] {targetFd}, new long[] {targetOffset})[0];
        if (outcome.errno() != 0) {
            throw new NativeException("ioctl(FIDEDUPERANGE) on the target", outcome.errno());
        }
        return outcome;
    }

    /**
     * One FIDEDUPERANGE request, issued on the source, with up to {@link #MAX_DEDUPE_TARGETS}
     * destinations: the kernel reads the source range once per request and compares it with each
     * destination under lock. A destination it refuses (its status negative) has that errno in its
     * outcome; a failure of the request as a whole (bad source, EINVAL alignment) throws.
     *
     * @return one outcome per destination, in the order given
     */
    DedupeOutcome[] dedupeRange(int sourceFd, long sourceOffset, long length, int[] targetFds, long[] targetOffsets)
            throws NativeException;

    // ---- metadata of an open file

    void changeMode(int fd, int mode) throws NativeException;

    void changeOwner(int fd, int uid, int gid) throws NativeException;

    /** futimens; a null time is left as it is. */
    void setTimes(int fd, FileStatus.Timestamp access, FileStatus.Timestamp modify) throws NativeException;

    /** The names of the file's extended attributes, every namespace, as raw bytes. */
    List<byte[]> listExtendedAttributes(int fd) throws NativeException;

    /** An extended attribute's value, or null when the file has no such attribute (ENODATA). */
    byte[] getExtendedAttribute(int fd, byte[] name) throws NativeException;

    void setExtendedAttribute(int fd, byte[] name, byte[] value) throws NativeException;

    /** geteuid(2). */
    int effectiveUserId();
}
