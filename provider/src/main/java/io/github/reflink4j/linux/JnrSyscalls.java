package io.github.reflink4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
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
import jnr.constants.platform.OpenFlags;
import jnr.ffi.LibraryLoader;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * {@link Syscalls} bound through jnr-ffi. Names cross as NUL-terminated byte arrays; structures
 * as little byte arrays in the platform's byte order, whose layouts are the same on every 64-bit
 * Linux (x86-64, arm64). errno is read right after each call, and EINTR retried, in one place.
 * Public only because jnr-ffi implements its nested {@code LibC} from another class loader.
 */
public final class JnrSyscalls implements Syscalls {
    // the kernel's numbers, package-private so that LayoutsTest can pin them to the headers
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
    /** O_PATH, which jnr-constants does not know; the same on every Linux architecture reflink4j loads on. */
    static final int O_PATH = 010000000;
    private static final byte[] EMPTY_NAME = {0};

    private static final int READ = OpenFlags.O_RDONLY.intValue() | OpenFlags.O_CLOEXEC.intValue();
    private static final int NOFOLLOW = OpenFlags.O_NOFOLLOW.intValue();
    private static final int DIRECTORY = READ | OpenFlags.O_DIRECTORY.intValue();
    private static final int READ_FILE = READ | OpenFlags.O_NONBLOCK.intValue() | OpenFlags.O_NOCTTY.intValue();
    private static final int CREATE = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CREAT.intValue()
            | OpenFlags.O_EXCL.intValue() | OpenFlags.O_CLOEXEC.intValue();
    private static final int WRITE = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CLOEXEC.intValue()
            | OpenFlags.O_NONBLOCK.intValue() | OpenFlags.O_NOCTTY.intValue();
    private static final int PATH = O_PATH | OpenFlags.O_NOFOLLOW.intValue() | OpenFlags.O_CLOEXEC.intValue();
    private static final int UPDATE = OpenFlags.O_RDWR.intValue() | OpenFlags.O_CLOEXEC.intValue()
            | OpenFlags.O_NONBLOCK.intValue() | OpenFlags.O_NOCTTY.intValue();

    /** The C library functions, as jnr-ffi binds them. Public only because jnr-ffi implements it. */
    public interface LibC {
        int openat(int dirfd, @In byte[] path, int flags, int mode);

        int close(int fd);

        int flock(int fd, int operation);

        int fdatasync(int fd);

        int ioctl(int fd, long request, int argument);

        int ioctl(int fd, long request, @In @Out byte[] argument);

        @ssize_t long copy_file_range(int fdIn, @In @Out long[] offsetIn, int fdOut, @In @Out long[] offsetOut,
                                      @size_t long length, int flags);

        @off_t long lseek(int fd, @off_t long offset, int whence);

        @ssize_t long pread(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        @ssize_t long pwrite(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] buffer);

        int fstatfs(int fd, @Out byte[] buffer);

        @ssize_t long getdents64(int fd, ByteBuffer buffer, @size_t long count);

        int mkdirat(int dirfd, @In byte[] path, int mode);

        int mknodat(int dirfd, @In byte[] path, int mode, long device);

        int symlinkat(@In byte[] target, int dirfd, @In byte[] path);

        @ssize_t long readlinkat(int dirfd, @In byte[] path, @Out byte[] buffer, @size_t long size);

        int linkat(int fromDirfd, @In byte[] from, int toDirfd, @In byte[] to, int flags);

        int unlinkat(int dirfd, @In byte[] path, int flags);

        int renameat(int fromDirfd, @In byte[] from, int toDirfd, @In byte[] to);

        int fchownat(int dirfd, @In byte[] path, int uid, int gid, int flags);

        int fchmodat(int dirfd, @In byte[] path, int mode, int flags);

        int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

        int ftruncate(int fd, @off_t long length);

        int fchmod(int fd, int mode);

        int fchown(int fd, int uid, int gid);

        int futimens(int fd, @In long[] times);

        @ssize_t long flistxattr(int fd, @Out byte[] list, @size_t long size);

        @ssize_t long fgetxattr(int fd, @In byte[] name, @Out byte[] value, @size_t long size);

        int fsetxattr(int fd, @In byte[] name, @In byte[] value, @size_t long size, int flags);

        int geteuid();
    }

    private final LibC libc;
    private final Runtime runtime;
    private final int effectiveUserId;

    private JnrSyscalls(LibC libc, Runtime runtime) {
        this.libc = libc;
        this.runtime = runtime;
        this.effectiveUserId = libc.geteuid();
    }

    static Syscalls load() {
        avoidUnsafeWarnings();
        checkErrnoValues();
        LibC libc = loadLibrary();
        return new JnrSyscalls(libc, Runtime.getRuntime(libc));
    }

    /**
     * The C library loaded as {@link #load} does, for a test that puts a fault-injecting proxy in
     * front of it; the proxy passes it to {@link #over} with the runtime that keeps errno.
     */
    static LibC loadLibrary() {
        return LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
    }

    /** A binding over {@code libc} (a test's proxy of the real library), reading errno from {@code runtime}. */
    static Syscalls over(LibC libc, Runtime runtime) {
        return new JnrSyscalls(libc, runtime);
    }

    /**
     * JDK 24 and later warn on every first use of sun.misc.Unsafe's memory methods, which jffi
     * uses by default; its JNI implementation is as correct and fast enough for a few small
     * structures. A choice the user made with -Djffi.unsafe.disabled is kept.
     */
    private static void avoidUnsafeWarnings() {
        if (java.lang.Runtime.version().feature() >= 24 && System.getProperty("jffi.unsafe.disabled") == null) {
            System.setProperty("jffi.unsafe.disabled", "true");
        }
    }

    /** reflink4j's errno values must be this platform's: refuse to load where they are not. */
    private static void checkErrnoValues() {
        for (Errno errno : Errno.values()) {
            jnr.constants.platform.Errno platform = jnr.constants.platform.Errno.valueOf(errno.name());
            if (platform.defined() && platform.intValue() != errno.value()) {
                throw new UnsupportedOperationException("this platform's " + errno.name() + " is "
                        + platform.intValue() + ", not " + errno.value() + " as reflink4j assumes");
            }
        }
    }

    @FunctionalInterface
    private interface Call {
        long invoke();
    }

    private long call(String operation, Call call) throws NativeException {
        for (;;) {
            long result = call.invoke();
            if (result != -1) {
                return result;
            }
            int errno = runtime.getLastError();
            if (errno != Errno.EINTR.value()) {
                throw new NativeException(operation, errno);
            }
        }
    }

    /** A call whose listed errnos are an answer, not a failure: returns -errno for them. */
    private long answer(String operation, Call call, Errno... answers) throws NativeException {
        for (;;) {
            long result = call.invoke();
            if (result != -1) {
                return result;
            }
            int errno = runtime.getLastError();
            if (errno == Errno.EINTR.value()) {
                continue;
            }
            for (Errno answer : answers) {
                if (answer.value() == errno) {
                    return -errno;
                }
            }
            throw new NativeException(operation, errno);
        }
    }

    private static byte[] c(byte[] name) {
        byte[] terminated = Arrays.copyOf(name, name.length + 1);
        return terminated;
    }

    private static ByteBuffer struct(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    @Override
    public int openDirectory(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        int flags = DIRECTORY | (followLinks ? 0 : NOFOLLOW);
        return (int) call("openat(O_DIRECTORY)", () -> libc.openat(directory, path, flags, 0));
    }

    @Override
    public int openForReading(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        int flags = READ_FILE | (followLinks ? 0 : NOFOLLOW);
        return (int) call("openat(O_RDONLY)", () -> libc.openat(directory, path, flags, 0));
    }

    @Override
    public int createExclusive(int directory, byte[] name, int mode) throws NativeException {
        byte[] path = c(name);
        long fd = answer("openat(O_CREAT|O_EXCL)", () -> libc.openat(directory, path, CREATE, mode), Errno.EEXIST);
        return fd < 0 ? ALREADY_EXISTS : (int) fd;
    }

    @Override
    public int openForWriting(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_WRONLY)", () -> libc.openat(directory, path, WRITE, 0));
    }

    @Override
    public int openForUpdate(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_RDWR)", () -> libc.openat(directory, path, UPDATE, 0));
    }

    @Override
    public int openPath(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_PATH)", () -> libc.openat(directory, path, PATH, 0));
    }

    @Override
    public void close(int fd) throws NativeException {
        if (libc.close(fd) == -1) {
            int errno = runtime.getLastError();
            if (errno != Errno.EINTR.value()) {
                throw new NativeException("close", errno);
            }
        }
    }

    @Override
    public boolean tryLock(int fd) throws NativeException {
        return answer("flock(LOCK_EX|LOCK_NB)", () -> libc.flock(fd, LOCK_EX | LOCK_NB), Errno.EAGAIN) >= 0;
    }

    @Override
    public FileStatus status(int fd) throws NativeException {
        byte[] raw = new byte[Statx.SIZE];
        call("statx", () -> libc.statx(fd, EMPTY_NAME, AT_EMPTY_PATH, STATX_BASIC_STATS, raw));
        return fileStatus(raw);
    }

    @Override
    public FileStatus statusAt(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        byte[] raw = new byte[Statx.SIZE];
        int flags = followLinks ? 0 : AT_SYMLINK_NOFOLLOW;
        long result = answer("statx", () -> libc.statx(directory, path, flags, STATX_BASIC_STATS, raw), Errno.ENOENT);
        return result < 0 ? null : fileStatus(raw);
    }

    private static FileStatus fileStatus(byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        long device = ((long) b.getInt(Statx.STX_DEV_MAJOR) << 32) | (b.getInt(Statx.STX_DEV_MINOR) & 0xffffffffL);
        return new FileStatus(device, b.getLong(Statx.STX_INO), b.getShort(Statx.STX_MODE) & 0xffff,
                b.getInt(Statx.STX_NLINK), b.getInt(Statx.STX_UID), b.getInt(Statx.STX_GID), b.getLong(Statx.STX_SIZE),
                b.getInt(Statx.STX_BLKSIZE), b.getLong(Statx.STX_BLOCKS), timestamp(b, Statx.STX_ATIME),
                timestamp(b, Statx.STX_MTIME), timestamp(b, Statx.STX_CTIME),
                deviceNumber(b.getInt(Statx.STX_RDEV_MAJOR), b.getInt(Statx.STX_RDEV_MINOR)));
    }

    /** glibc's makedev(3). */
    private static long deviceNumber(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return (ma & 0xfffff000L) << 32 | (ma & 0xfffL) << 8 | (mi & 0xffffff00L) << 12 | (mi & 0xffL);
    }

    private static FileStatus.Timestamp timestamp(ByteBuffer b, int at) {
        return new FileStatus.Timestamp(b.getLong(at + StatxTimestamp.TV_SEC),
                b.getInt(at + StatxTimestamp.TV_NSEC));
    }

    @Override
    public long fileSystemType(int fd) throws NativeException {
        byte[] raw = new byte[Statfs.SIZE];
        call("fstatfs", () -> libc.fstatfs(fd, raw));
        return ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).getLong(Statfs.F_TYPE) & 0xffffffffL;
    }

    @Override
    public int inodeFlags(int fd) throws NativeException {
        byte[] flags = new byte[Integer.BYTES];
        call("ioctl(FS_IOC_GETFLAGS)", () -> libc.ioctl(fd, FS_IOC_GETFLAGS, flags));
        return ByteBuffer.wrap(flags).order(ByteOrder.nativeOrder()).getInt();
    }

    @Override
    public int fileSystemBlockSize(int fd) throws NativeException {
        byte[] raw = new byte[Statfs.SIZE];
        call("fstatfs", () -> libc.fstatfs(fd, raw));
        return (int) ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()).getLong(Statfs.F_BSIZE);
    }

    @Override
    public boolean readDirectory(int fd, ByteBuffer buffer, List<DirectoryEntry> entries) throws NativeException {
        buffer.clear();
        long n = call("getdents64", () -> libc.getdents64(fd, buffer, buffer.capacity()));
        if (n == 0) {
            return false;
        }
        ByteBuffer b = buffer.duplicate().order(ByteOrder.nativeOrder());
        int at = 0;
        while (at < n) {
            long inode = b.getLong(at + Dirent64.D_INO);
            int length = b.getShort(at + Dirent64.D_RECLEN) & 0xffff;
            int type = b.get(at + Dirent64.D_TYPE) & 0xff;
            int nameStart = at + Dirent64.D_NAME;
            int nameEnd = nameStart;
            while (b.get(nameEnd) != 0) {
                nameEnd++;
            }
            int nameLength = nameEnd - nameStart;
            boolean dot = b.get(nameStart) == '.' && (nameLength == 1 || nameLength == 2 && b.get(nameStart + 1) == '.');
            if (!dot) {
                byte[] name = new byte[nameLength];
                b.get(nameStart, name);
                entries.add(new DirectoryEntry(name, inode, DirectoryEntry.Type.of(type)));
            }
            at += length;
        }
        return true;
    }

    @Override
    public boolean makeDirectory(int directory, byte[] name, int mode) throws NativeException {
        byte[] path = c(name);
        return answer("mkdirat", () -> libc.mkdirat(directory, path, mode), Errno.EEXIST) >= 0;
    }

    @Override
    public void makeNode(int directory, byte[] name, int mode, long device) throws NativeException {
        byte[] path = c(name);
        call("mknodat", () -> libc.mknodat(directory, path, mode, device));
    }

    @Override
    public void makeSymbolicLink(byte[] linkTarget, int directory, byte[] name) throws NativeException {
        byte[] target = c(linkTarget);
        byte[] path = c(name);
        call("symlinkat", () -> libc.symlinkat(target, directory, path));
    }

    @Override
    public byte[] readSymbolicLink(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        for (int size = 256; ; size *= 4) {
            byte[] buffer = new byte[size];
            long n = call("readlinkat", () -> libc.readlinkat(directory, path, buffer, buffer.length));
            if (n < buffer.length) {
                return Arrays.copyOf(buffer, (int) n);
            }
        }
    }

    @Override
    public void linkOpenFile(int fd, int directory, byte[] name) throws NativeException {
        byte[] from = c(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII));
        byte[] to = c(name);
        call("linkat", () -> libc.linkat(AT_FDCWD, from, directory, to, AT_SYMLINK_FOLLOW));
    }

    @Override
    public void link(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException {
        byte[] source = c(from);
        byte[] target = c(to);
        call("linkat", () -> libc.linkat(fromDirectory, source, toDirectory, target, 0));
    }

    @Override
    public void unlink(int directory, byte[] name, boolean isDirectory) throws NativeException {
        byte[] path = c(name);
        int flags = isDirectory ? AT_REMOVEDIR : 0;
        call("unlinkat", () -> libc.unlinkat(directory, path, flags));
    }

    @Override
    public void rename(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException {
        byte[] source = c(from);
        byte[] target = c(to);
        call("renameat", () -> libc.renameat(fromDirectory, source, toDirectory, target));
    }

    @Override
    public void changeModeAt(int directory, byte[] name, int mode) throws NativeException {
        byte[] path = c(name);
        call("fchmodat", () -> libc.fchmodat(directory, path, mode, AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void changeLinkOwner(int directory, byte[] name, int uid, int gid) throws NativeException {
        byte[] path = c(name);
        call("fchownat", () -> libc.fchownat(directory, path, uid, gid, AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void setLinkTimes(int directory, byte[] name, FileStatus.Timestamp access, FileStatus.Timestamp modify)
            throws NativeException {
        byte[] path = c(name);
        long[] times = times(access, modify);
        call("utimensat", () -> libc.utimensat(directory, path, times, AT_SYMLINK_NOFOLLOW));
    }

    private static long[] times(FileStatus.Timestamp access, FileStatus.Timestamp modify) {
        return new long[] {
            access == null ? 0 : access.seconds(), access == null ? UTIME_OMIT : access.nanos(),
            modify == null ? 0 : modify.seconds(), modify == null ? UTIME_OMIT : modify.nanos(),
        };
    }

    @Override
    public void cloneFile(int sourceFd, int targetFd) throws NativeException {
        call("ioctl(FICLONE)", () -> libc.ioctl(targetFd, FICLONE, sourceFd));
    }

    @Override
    public void cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException {
        byte[] range = struct(FileCloneRange.SIZE).putLong(FileCloneRange.SRC_FD, sourceFd)
                .putLong(FileCloneRange.SRC_OFFSET, sourceOffset).putLong(FileCloneRange.SRC_LENGTH, length)
                .putLong(FileCloneRange.DEST_OFFSET, targetOffset).array();
        call("ioctl(FICLONERANGE)", () -> libc.ioctl(targetFd, FICLONERANGE, range));
    }

    @Override
    public long copyFileRange(int sourceFd, long sourceOffset, int targetFd, long targetOffset, long length)
            throws NativeException {
        long[] in = {sourceOffset};
        long[] out = {targetOffset};
        return call("copy_file_range", () -> libc.copy_file_range(sourceFd, in, targetFd, out, length, 0));
    }

    @Override
    public long seek(int fd, long offset, int whence) throws NativeException {
        long result = answer(whence == SEEK_DATA ? "lseek(SEEK_DATA)" : "lseek(SEEK_HOLE)",
                () -> libc.lseek(fd, offset, whence), Errno.ENXIO);
        return result < 0 ? -1 : result;
    }

    @Override
    public long position(int fd) throws NativeException {
        return call("lseek(SEEK_CUR)", () -> libc.lseek(fd, 0, SEEK_CUR));
    }

    @Override
    public void setPosition(int fd, long position) throws NativeException {
        call("lseek(SEEK_SET)", () -> libc.lseek(fd, position, SEEK_SET));
    }

    @Override
    public int pread(int fd, ByteBuffer buffer, long offset) throws NativeException {
        int position = buffer.position();
        long n = call("pread", () -> libc.pread(fd, buffer.slice(), buffer.remaining(), offset));
        buffer.position(position + (int) n);
        return (int) n;
    }

    @Override
    public int pwrite(int fd, ByteBuffer buffer, long offset) throws NativeException {
        int position = buffer.position();
        long n = call("pwrite", () -> libc.pwrite(fd, buffer.slice(), buffer.remaining(), offset));
        buffer.position(position + (int) n);
        return (int) n;
    }

    @Override
    public void truncate(int fd, long length) throws NativeException {
        call("ftruncate", () -> libc.ftruncate(fd, length));
    }

    @Override
    public void syncData(int fd) throws NativeException {
        call("fdatasync", () -> libc.fdatasync(fd));
    }

    @Override
    public List<Extent> extents(int fd, long start, int maxExtents) throws NativeException {
        ByteBuffer request = struct(Fiemap.SIZE + maxExtents * FiemapExtent.SIZE);
        request.putLong(Fiemap.FM_START, start).putLong(Fiemap.FM_LENGTH, Long.MAX_VALUE - start)
                .putInt(Fiemap.FM_FLAGS, FIEMAP_FLAG_SYNC).putInt(Fiemap.FM_EXTENT_COUNT, maxExtents);
        byte[] raw = request.array();
        call("ioctl(FS_IOC_FIEMAP)", () -> libc.ioctl(fd, FS_IOC_FIEMAP, raw));
        ByteBuffer reply = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        int mapped = reply.getInt(Fiemap.FM_MAPPED_EXTENTS);
        List<Extent> extents = new ArrayList<>(mapped);
        for (int i = 0; i < mapped; i++) {
            int at = Fiemap.FM_EXTENTS + i * FiemapExtent.SIZE;
            extents.add(new Extent(reply.getLong(at + FiemapExtent.FE_LOGICAL),
                    reply.getLong(at + FiemapExtent.FE_PHYSICAL), reply.getLong(at + FiemapExtent.FE_LENGTH),
                    reply.getInt(at + FiemapExtent.FE_FLAGS)));
        }
        return extents;
    }

    @Override
    public DedupeOutcome[] dedupeRange(int sourceFd, long sourceOffset, long length, int[] targetFds,
                                       long[] targetOffsets) throws NativeException {
        int count = checkDedupeTargets(targetFds, targetOffsets);
        ByteBuffer request = struct(FileDedupeRange.SIZE + count * FileDedupeRangeInfo.SIZE);
        request.putLong(FileDedupeRange.SRC_OFFSET, sourceOffset).putLong(FileDedupeRange.SRC_LENGTH, length)
                .putShort(FileDedupeRange.DEST_COUNT, (short) count);
        for (int i = 0; i < count; i++) {
            int info = FileDedupeRange.INFO + i * FileDedupeRangeInfo.SIZE;
            request.putLong(info + FileDedupeRangeInfo.DEST_FD, targetFds[i])
                    .putLong(info + FileDedupeRangeInfo.DEST_OFFSET, targetOffsets[i]);
        }
        byte[] raw = request.array();
        call("ioctl(FIDEDUPERANGE)", () -> libc.ioctl(sourceFd, FIDEDUPERANGE, raw));
        ByteBuffer reply = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        DedupeOutcome[] outcomes = new DedupeOutcome[count];
        for (int i = 0; i < count; i++) {
            int info = FileDedupeRange.INFO + i * FileDedupeRangeInfo.SIZE;
            outcomes[i] = dedupeOutcome(reply.getLong(info + FileDedupeRangeInfo.BYTES_DEDUPED),
                    reply.getInt(info + FileDedupeRangeInfo.STATUS));
        }
        return outcomes;
    }

    /** The number of destinations, after checking the two arrays agree and fit in one request. */
    static int checkDedupeTargets(int[] targetFds, long[] targetOffsets) {
        if (targetFds.length != targetOffsets.length) {
            throw new IllegalArgumentException(targetFds.length + " destinations but " + targetOffsets.length
                    + " offsets");
        }
        if (targetFds.length == 0 || targetFds.length > MAX_DEDUPE_TARGETS) {
            throw new IllegalArgumentException("one FIDEDUPERANGE request takes 1 to " + MAX_DEDUPE_TARGETS
                    + " destinations, not " + targetFds.length);
        }
        return targetFds.length;
    }

    /** One destination's {@code bytes_deduped} and {@code status}, as the kernel left them. */
    static DedupeOutcome dedupeOutcome(long deduplicated, int status) {
        if (status < 0) {
            return new DedupeOutcome(0, false, -status);
        }
        return new DedupeOutcome(deduplicated, status == FILE_DEDUPE_RANGE_DIFFERS);
    }

    @Override
    public void changeMode(int fd, int mode) throws NativeException {
        call("fchmod", () -> libc.fchmod(fd, mode));
    }

    @Override
    public void changeOwner(int fd, int uid, int gid) throws NativeException {
        call("fchown", () -> libc.fchown(fd, uid, gid));
    }

    @Override
    public void setTimes(int fd, FileStatus.Timestamp access, FileStatus.Timestamp modify) throws NativeException {
        long[] times = times(access, modify);
        call("futimens", () -> libc.futimens(fd, times));
    }

    @Override
    public List<byte[]> listExtendedAttributes(int fd) throws NativeException {
        for (;;) {
            long size = call("flistxattr", () -> libc.flistxattr(fd, null, 0));
            byte[] list = new byte[(int) size];
            long actual = answer("flistxattr", () -> libc.flistxattr(fd, list, list.length), Errno.ERANGE);
            if (actual < 0) {
                continue; // grew between the two calls
            }
            List<byte[]> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < actual; i++) {
                if (list[i] == 0) {
                    names.add(Arrays.copyOfRange(list, start, i));
                    start = i + 1;
                }
            }
            return names;
        }
    }

    @Override
    public byte[] getExtendedAttribute(int fd, byte[] name) throws NativeException {
        byte[] key = c(name);
        for (;;) {
            long size = answer("fgetxattr", () -> libc.fgetxattr(fd, key, null, 0), Errno.ENODATA);
            if (size < 0) {
                return null;
            }
            byte[] value = new byte[(int) size];
            long actual = answer("fgetxattr", () -> libc.fgetxattr(fd, key, value, value.length),
                    Errno.ERANGE, Errno.ENODATA);
            if (actual == -Errno.ENODATA.value()) {
                return null;
            }
            if (actual >= 0) {
                return actual == value.length ? value : Arrays.copyOf(value, (int) actual);
            }
        }
    }

    @Override
    public void setExtendedAttribute(int fd, byte[] name, byte[] value) throws NativeException {
        byte[] key = c(name);
        call("fsetxattr", () -> libc.fsetxattr(fd, key, value, value.length, 0));
    }

    @Override
    public int effectiveUserId() {
        return effectiveUserId;
    }
}
