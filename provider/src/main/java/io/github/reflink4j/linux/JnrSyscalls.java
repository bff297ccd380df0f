package io.github.reflink4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import io.github.reflink4j.linux.Layouts.Statfs;
import io.github.reflink4j.linux.Layouts.Statx;
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
 * {@link Syscalls} bound through jnr-ffi, for JDK 17-21 (and on request later; see
 * {@link Bindings}). Names cross as NUL-terminated byte arrays; structures as little byte arrays
 * in the platform's byte order, built and read by {@link Structs}. jnr-ffi keeps each call's
 * errno for its thread. Public only because jnr-ffi implements its nested {@code LibC} from
 * another class loader.
 *
 * <pre>{@code
 * Syscalls sys = JnrSyscalls.load();   // what Bindings does when it picks this binding
 * }</pre>
 */
public final class JnrSyscalls extends RetryingSyscalls {
    private static final byte[] EMPTY_NAME = {0};
    /** The open flags as jnr-constants knows them for this platform, and O_PATH, which it does not. */
    private static final Kernel.OpenFlags FLAGS = new Kernel.OpenFlags(
            OpenFlags.O_RDONLY.intValue(),
            OpenFlags.O_WRONLY.intValue(),
            OpenFlags.O_RDWR.intValue(),
            OpenFlags.O_CREAT.intValue(),
            OpenFlags.O_EXCL.intValue(),
            OpenFlags.O_NOCTTY.intValue(),
            OpenFlags.O_NONBLOCK.intValue(),
            OpenFlags.O_DIRECTORY.intValue(),
            OpenFlags.O_NOFOLLOW.intValue(),
            OpenFlags.O_CLOEXEC.intValue());

    /** The C library functions, as jnr-ffi binds them. Public only because jnr-ffi implements it. */
    public interface LibC {
        int openat(int dirfd, @In byte[] path, int flags, int mode);

        int close(int fd);

        int flock(int fd, int operation);

        int fdatasync(int fd);

        int ioctl(int fd, long request, int argument);

        int ioctl(int fd, long request, @In @Out byte[] argument);

        @ssize_t
        long copy_file_range(
                int fdIn,
                @In @Out long[] offsetIn,
                int fdOut,
                @In @Out long[] offsetOut,
                @size_t long length,
                int flags);

        @off_t
        long lseek(int fd, @off_t long offset, int whence);

        @ssize_t
        long pread(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        @ssize_t
        long pwrite(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] buffer);

        int fstatfs(int fd, @Out byte[] buffer);

        @ssize_t
        long getdents64(int fd, ByteBuffer buffer, @size_t long count);

        int mkdirat(int dirfd, @In byte[] path, int mode);

        int mknodat(int dirfd, @In byte[] path, int mode, long device);

        int symlinkat(@In byte[] target, int dirfd, @In byte[] path);

        @ssize_t
        long readlinkat(int dirfd, @In byte[] path, @Out byte[] buffer, @size_t long size);

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

        @ssize_t
        long flistxattr(int fd, @Out byte[] list, @size_t long size);

        @ssize_t
        long fgetxattr(int fd, @In byte[] name, @Out byte[] value, @size_t long size);

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
        return LibraryLoader.create(LibC.class)
                .option(LibraryOption.SaveError, true)
                .load("c");
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
                throw new UnsupportedOperationException("this platform's " + errno.name() + " is " + platform.intValue()
                        + ", not " + errno.value() + " as reflink4j assumes");
            }
        }
    }

    @Override
    int lastErrno() {
        return runtime.getLastError();
    }

    private static byte[] c(byte[] name) {
        return Arrays.copyOf(name, name.length + 1);
    }

    private static ByteBuffer struct(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }

    @Override
    public int openDirectory(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        int flags = FLAGS.openDirectory(followLinks);
        return (int) call("openat(O_DIRECTORY)", () -> libc.openat(directory, path, flags, 0));
    }

    @Override
    public int openForReading(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        int flags = FLAGS.readFile(followLinks);
        return (int) call("openat(O_RDONLY)", () -> libc.openat(directory, path, flags, 0));
    }

    @Override
    public int createExclusive(int directory, byte[] name, int mode) throws NativeException {
        byte[] path = c(name);
        long fd = answer(
                "openat(O_CREAT|O_EXCL)",
                () -> libc.openat(directory, path, FLAGS.createExclusive(), mode),
                Errno.EEXIST);
        return fd < 0 ? ALREADY_EXISTS : (int) fd;
    }

    @Override
    public int openForWriting(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_WRONLY)", () -> libc.openat(directory, path, FLAGS.writeFile(), 0));
    }

    @Override
    public int openForUpdate(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_RDWR)", () -> libc.openat(directory, path, FLAGS.updateFile(), 0));
    }

    @Override
    public int openPath(int directory, byte[] name) throws NativeException {
        byte[] path = c(name);
        return (int) call("openat(O_PATH)", () -> libc.openat(directory, path, FLAGS.pathOnly(), 0));
    }

    @Override
    public void close(int fd) throws NativeException {
        callOnce("close", () -> libc.close(fd));
    }

    @Override
    public boolean tryLock(int fd) throws NativeException {
        return answer("flock(LOCK_EX|LOCK_NB)", () -> libc.flock(fd, Kernel.LOCK_EX | Kernel.LOCK_NB), Errno.EAGAIN)
                >= 0;
    }

    @Override
    public FileStatus status(int fd) throws NativeException {
        byte[] raw = new byte[Statx.SIZE];
        call("statx", () -> libc.statx(fd, EMPTY_NAME, Kernel.AT_EMPTY_PATH, Kernel.STATX_BASIC_STATS, raw));
        return fileStatus(raw);
    }

    @Override
    public FileStatus statusAt(int directory, byte[] name, boolean followLinks) throws NativeException {
        byte[] path = c(name);
        byte[] raw = new byte[Statx.SIZE];
        int flags = followLinks ? 0 : Kernel.AT_SYMLINK_NOFOLLOW;
        long result =
                answer("statx", () -> libc.statx(directory, path, flags, Kernel.STATX_BASIC_STATS, raw), Errno.ENOENT);
        return result < 0 ? null : fileStatus(raw);
    }

    private static FileStatus fileStatus(byte[] raw) {
        return Structs.fileStatus(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()));
    }

    @Override
    public long fileSystemType(int fd) throws NativeException {
        byte[] raw = new byte[Statfs.SIZE];
        call("fstatfs", () -> libc.fstatfs(fd, raw));
        return Structs.fileSystemType(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()));
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
        return Structs.fileSystemBlockSize(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()));
    }

    @Override
    public boolean readDirectory(int fd, ByteBuffer buffer, List<DirectoryEntry> entries) throws NativeException {
        buffer.clear();
        long n = call("getdents64", () -> libc.getdents64(fd, buffer, buffer.capacity()));
        return Structs.directoryEntries(buffer, n, entries);
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
        call("linkat", () -> libc.linkat(AT_FDCWD, from, directory, to, Kernel.AT_SYMLINK_FOLLOW));
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
        int flags = isDirectory ? Kernel.AT_REMOVEDIR : 0;
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
        call("fchmodat", () -> libc.fchmodat(directory, path, mode, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void changeLinkOwner(int directory, byte[] name, int uid, int gid) throws NativeException {
        byte[] path = c(name);
        call("fchownat", () -> libc.fchownat(directory, path, uid, gid, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void setLinkTimes(int directory, byte[] name, FileStatus.Timestamp access, FileStatus.Timestamp modify)
            throws NativeException {
        byte[] path = c(name);
        long[] times = Structs.times(access, modify);
        call("utimensat", () -> libc.utimensat(directory, path, times, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void cloneFile(int sourceFd, int targetFd) throws NativeException {
        call("ioctl(FICLONE)", () -> libc.ioctl(targetFd, FICLONE, sourceFd));
    }

    @Override
    public void cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException {
        ByteBuffer request = struct(Layouts.FileCloneRange.SIZE);
        Structs.putCloneRange(request, sourceFd, sourceOffset, length, targetOffset);
        byte[] range = request.array();
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
        long result = answer(
                whence == SEEK_DATA ? "lseek(SEEK_DATA)" : "lseek(SEEK_HOLE)",
                () -> libc.lseek(fd, offset, whence),
                Errno.ENXIO);
        return result < 0 ? -1 : result;
    }

    @Override
    public long position(int fd) throws NativeException {
        return call("lseek(SEEK_CUR)", () -> libc.lseek(fd, 0, Kernel.SEEK_CUR));
    }

    @Override
    public void setPosition(int fd, long position) throws NativeException {
        call("lseek(SEEK_SET)", () -> libc.lseek(fd, position, Kernel.SEEK_SET));
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
        ByteBuffer request = struct(Structs.fiemapSize(maxExtents));
        Structs.putFiemapRequest(request, start, maxExtents);
        byte[] raw = request.array();
        call("ioctl(FS_IOC_FIEMAP)", () -> libc.ioctl(fd, FS_IOC_FIEMAP, raw));
        return Structs.fiemapExtents(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()));
    }

    @Override
    public DedupeOutcome[] dedupeRange(
            int sourceFd, long sourceOffset, long length, int[] targetFds, long[] targetOffsets)
            throws NativeException {
        int count = Structs.dedupeTargets(targetFds, targetOffsets);
        ByteBuffer request = struct(Structs.dedupeSize(count));
        Structs.putDedupeRequest(request, sourceOffset, length, targetFds, targetOffsets);
        byte[] raw = request.array();
        call("ioctl(FIDEDUPERANGE)", () -> libc.ioctl(sourceFd, FIDEDUPERANGE, raw));
        return Structs.dedupeOutcomes(ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder()), count);
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
        long[] times = Structs.times(access, modify);
        call("futimens", () -> libc.futimens(fd, times));
    }

    @Override
    public List<byte[]> listExtendedAttributes(int fd) throws NativeException {
        for (; ; ) {
            long size = call("flistxattr", () -> libc.flistxattr(fd, null, 0));
            byte[] list = new byte[(int) size];
            long actual = answer("flistxattr", () -> libc.flistxattr(fd, list, list.length), Errno.ERANGE);
            if (actual < 0 || actual > list.length) {
                continue; // grew between the two calls (from nothing, the second call answers with the size)
            }
            return Structs.nulSeparated(ByteBuffer.wrap(list), actual);
        }
    }

    @Override
    public byte[] getExtendedAttribute(int fd, byte[] name) throws NativeException {
        byte[] key = c(name);
        for (; ; ) {
            long size = answer("fgetxattr", () -> libc.fgetxattr(fd, key, null, 0), Errno.ENODATA);
            if (size < 0) {
                return null;
            }
            byte[] value = new byte[(int) size];
            long actual = answer(
                    "fgetxattr", () -> libc.fgetxattr(fd, key, value, value.length), Errno.ERANGE, Errno.ENODATA);
            if (actual == -Errno.ENODATA.value()) {
                return null;
            }
            if (actual >= 0 && actual <= value.length) {
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
