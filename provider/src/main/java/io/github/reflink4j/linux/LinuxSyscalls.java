package io.github.reflink4j.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jnr.constants.platform.Errno;
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
 * The Linux system calls reflink4j needs, bound through jnr-ffi. Nothing outside the engine uses
 * this class. Every method either succeeds or throws {@link NativeException} carrying errno;
 * calls interrupted by a signal (EINTR) are retried here and nowhere else.
 *
 * <p>Structures are passed as little byte arrays in the platform's byte order; their layouts are
 * the same on every 64-bit Linux (x86-64, arm64), which are the platforms this binding loads on.
 */
public final class LinuxSyscalls {
    /** {@code _IOW(0x94, 9, int)}: clone a whole file; issued on the destination descriptor. */
    public static final long FICLONE = 0x40049409L;
    /** {@code _IOW(0x94, 13, struct file_clone_range)}. */
    public static final long FICLONERANGE = 0x4020940dL;
    /** {@code _IOWR(0x94, 54, struct file_dedupe_range)}. */
    public static final long FIDEDUPERANGE = 0xc0189436L;
    /** {@code _IOWR('f', 11, struct fiemap)}. */
    public static final long FS_IOC_FIEMAP = 0xc020660bL;
    public static final int SEEK_DATA = 3;
    public static final int SEEK_HOLE = 4;

    private static final int AT_EMPTY_PATH = 0x1000;
    private static final int FIEMAP_FLAG_SYNC = 0x1;
    private static final int FILE_DEDUPE_RANGE_DIFFERS = 1;
    private static final int STATX_BASIC_STATS = 0x7ff;
    private static final int STATX_SIZE = 256;
    private static final long UTIME_OMIT = (1L << 30) - 2;

    /** The C library functions, as jnr-ffi binds them. */
    public interface LibC {
        int open(String path, int flags, int mode);

        int close(int fd);

        int ioctl(int fd, long request, int argument);

        int ioctl(int fd, long request, @In @Out byte[] argument);

        @ssize_t long copy_file_range(int fdIn, @In @Out long[] offsetIn, int fdOut, @In @Out long[] offsetOut,
                                      @size_t long length, int flags);

        @off_t long lseek(int fd, @off_t long offset, int whence);

        @ssize_t long pread(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        @ssize_t long pwrite(int fd, ByteBuffer buffer, @size_t long count, @off_t long offset);

        int statx(int dirfd, String path, int flags, int mask, @Out byte[] buffer);

        int ftruncate(int fd, @off_t long length);

        int fchmod(int fd, int mode);

        int fchown(int fd, int uid, int gid);

        int futimens(int fd, @In long[] times);

        @ssize_t long flistxattr(int fd, @Out byte[] list, @size_t long size);

        @ssize_t long fgetxattr(int fd, String name, @Out byte[] value, @size_t long size);

        int fsetxattr(int fd, String name, @In byte[] value, @size_t long size, int flags);
    }

    private static final class Binding {
        static final LibC LIBC;
        static final Runtime RUNTIME;
        static final Throwable FAILURE;

        static {
            LibC libc = null;
            Runtime runtime = null;
            Throwable failure = null;
            try {
                String os = System.getProperty("os.name", "");
                if (!os.equals("Linux")) {
                    throw new UnsupportedOperationException("reflinks are implemented for Linux only, this is " + os);
                }
                if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
                    throw new UnsupportedOperationException("reflink4j needs a 64-bit JVM");
                }
                avoidUnsafeWarnings();
                libc = LibraryLoader.create(LibC.class).option(LibraryOption.SaveError, true).load("c");
                runtime = Runtime.getRuntime(libc);
            } catch (Throwable t) {
                failure = t;
                libc = null;
            }
            LIBC = libc;
            RUNTIME = runtime;
            FAILURE = failure;
        }
    }

    private LinuxSyscalls() {
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

    /** Whether the binding loaded: this is Linux and the native library could be used. */
    public static boolean isAvailable() {
        return Binding.LIBC != null;
    }

    /** Why the binding did not load, or null when it did. */
    public static Throwable unavailableReason() {
        return Binding.FAILURE;
    }

    @FunctionalInterface
    private interface Call {
        long invoke();
    }

    private static long call(String operation, Call call) throws NativeException {
        for (;;) {
            long result = call.invoke();
            if (result != -1) {
                return result;
            }
            int errno = Binding.RUNTIME.getLastError();
            if (errno != Errno.EINTR.intValue()) {
                throw new NativeException(operation, errno);
            }
        }
    }

    private static LibC libc() {
        LibC libc = Binding.LIBC;
        if (libc == null) {
            throw new IllegalStateException("native binding unavailable", Binding.FAILURE);
        }
        return libc;
    }

    /** Opens an existing file for reading. */
    public static int openForReading(String path, boolean followLinks) throws NativeException {
        int flags = OpenFlags.O_RDONLY.intValue() | OpenFlags.O_CLOEXEC.intValue()
                | (followLinks ? 0 : OpenFlags.O_NOFOLLOW.intValue());
        return (int) call("open", () -> libc().open(path, flags, 0));
    }

    /** Creates a file that must not exist yet (O_EXCL), open for writing. */
    public static int createExclusive(String path, int mode) throws NativeException {
        int flags = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CREAT.intValue() | OpenFlags.O_EXCL.intValue()
                | OpenFlags.O_CLOEXEC.intValue();
        return (int) call("open(O_CREAT|O_EXCL)", () -> libc().open(path, flags, mode));
    }

    /** Opens an existing file for writing without truncating it. */
    public static int openForWriting(String path) throws NativeException {
        int flags = OpenFlags.O_WRONLY.intValue() | OpenFlags.O_CLOEXEC.intValue();
        return (int) call("open(O_WRONLY)", () -> libc().open(path, flags, 0));
    }

    /** Closes a descriptor. Never retried: on Linux the descriptor is gone even after EINTR. */
    public static void close(int fd) throws NativeException {
        if (libc().close(fd) == -1) {
            int errno = Binding.RUNTIME.getLastError();
            if (errno != Errno.EINTR.intValue()) {
                throw new NativeException("close", errno);
            }
        }
    }

    /** FICLONE: makes the whole destination share the source's blocks. */
    public static void cloneFile(int sourceFd, int targetFd) throws NativeException {
        call("ioctl(FICLONE)", () -> libc().ioctl(targetFd, FICLONE, sourceFd));
    }

    /**
     * FICLONERANGE: shares {@code length} bytes of the source at {@code sourceOffset} into the
     * target at {@code targetOffset}; a length of 0 means "to the source's end".
     */
    public static void cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException {
        ByteBuffer range = struct(32).putLong(sourceFd).putLong(sourceOffset).putLong(length).putLong(targetOffset);
        byte[] bytes = range.array();
        call("ioctl(FICLONERANGE)", () -> libc().ioctl(targetFd, FICLONERANGE, bytes));
    }

    /** One copy_file_range call at explicit offsets; returns the bytes copied (0 at EOF). */
    public static long copyFileRange(int sourceFd, long sourceOffset, int targetFd, long targetOffset, long length)
            throws NativeException {
        long[] in = {sourceOffset};
        long[] out = {targetOffset};
        return call("copy_file_range", () -> libc().copy_file_range(sourceFd, in, targetFd, out, length, 0));
    }

    /**
     * lseek(SEEK_DATA or SEEK_HOLE); returns -1 where the kernel answers ENXIO (no more data
     * after {@code offset}).
     */
    public static long seek(int fd, long offset, int whence) throws NativeException {
        try {
            return call(whence == SEEK_DATA ? "lseek(SEEK_DATA)" : "lseek(SEEK_HOLE)",
                    () -> libc().lseek(fd, offset, whence));
        } catch (NativeException e) {
            if (e.is(Errno.ENXIO)) {
                return -1;
            }
            throw e;
        }
    }

    /** The descriptor's file offset (lseek SEEK_CUR). */
    public static long position(int fd) throws NativeException {
        return call("lseek(SEEK_CUR)", () -> libc().lseek(fd, 0, 1));
    }

    /** Sets the descriptor's file offset (lseek SEEK_SET). */
    public static void setPosition(int fd, long position) throws NativeException {
        call("lseek(SEEK_SET)", () -> libc().lseek(fd, position, 0));
    }

    /** pread into the buffer's remaining space; returns bytes read, 0 at EOF. */
    public static int pread(int fd, ByteBuffer buffer, long offset) throws NativeException {
        int position = buffer.position();
        long n = call("pread", () -> libc().pread(fd, buffer.slice(), buffer.remaining(), offset));
        buffer.position(position + (int) n);
        return (int) n;
    }

    /** pwrite from the buffer's remaining bytes; returns bytes written. */
    public static int pwrite(int fd, ByteBuffer buffer, long offset) throws NativeException {
        int position = buffer.position();
        long n = call("pwrite", () -> libc().pwrite(fd, buffer.slice(), buffer.remaining(), offset));
        buffer.position(position + (int) n);
        return (int) n;
    }

    /** statx of an open file. */
    public static FileStatus status(int fd) throws NativeException {
        byte[] raw = new byte[STATX_SIZE];
        call("statx", () -> libc().statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, raw));
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        long device = ((long) b.getInt(136) << 32) | (b.getInt(140) & 0xffffffffL);
        return new FileStatus(device, b.getLong(32), b.getShort(28) & 0xffff, b.getInt(20), b.getInt(24),
                b.getLong(40), b.getInt(4), b.getLong(48),
                new FileStatus.Timestamp(b.getLong(64), b.getInt(72)),
                new FileStatus.Timestamp(b.getLong(112), b.getInt(120)));
    }

    /**
     * One page of FS_IOC_FIEMAP: at most {@code maxExtents} extents that overlap
     * [{@code start}, end of file), after syncing the file (FIEMAP_FLAG_SYNC) so that delayed
     * allocations are mapped.
     */
    public static List<Extent> extents(int fd, long start, int maxExtents) throws NativeException {
        int header = 32;
        int extentSize = 56;
        ByteBuffer request = struct(header + maxExtents * extentSize);
        request.putLong(0, start).putLong(8, Long.MAX_VALUE - start).putInt(16, FIEMAP_FLAG_SYNC)
                .putInt(24, maxExtents);
        byte[] raw = request.array();
        call("ioctl(FS_IOC_FIEMAP)", () -> libc().ioctl(fd, FS_IOC_FIEMAP, raw));
        ByteBuffer reply = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        int mapped = reply.getInt(20);
        List<Extent> extents = new ArrayList<>(mapped);
        for (int i = 0; i < mapped; i++) {
            int at = header + i * extentSize;
            extents.add(new Extent(reply.getLong(at), reply.getLong(at + 8), reply.getLong(at + 16), reply.getInt(at + 40)));
        }
        return extents;
    }

    /**
     * One FIDEDUPERANGE request, issued on the source: the kernel compares {@code length} bytes
     * of both files and, where they are the same, makes the target share the source's blocks.
     */
    public static DedupeOutcome dedupeRange(int sourceFd, long sourceOffset, long length, int targetFd,
                                            long targetOffset) throws NativeException {
        ByteBuffer request = struct(24 + 32);
        request.putLong(0, sourceOffset).putLong(8, length).putShort(16, (short) 1)
                .putLong(24, targetFd).putLong(32, targetOffset);
        byte[] raw = request.array();
        call("ioctl(FIDEDUPERANGE)", () -> libc().ioctl(sourceFd, FIDEDUPERANGE, raw));
        ByteBuffer reply = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        long deduplicated = reply.getLong(40);
        int status = reply.getInt(48);
        if (status < 0) {
            throw new NativeException("ioctl(FIDEDUPERANGE) on the target", -status);
        }
        return new DedupeOutcome(deduplicated, status == FILE_DEDUPE_RANGE_DIFFERS);
    }

    /** Opens an existing file for reading and writing (a dedupe target). */
    public static int openForUpdate(String path) throws NativeException {
        int flags = OpenFlags.O_RDWR.intValue() | OpenFlags.O_CLOEXEC.intValue();
        return (int) call("open(O_RDWR)", () -> libc().open(path, flags, 0));
    }

    public static void truncate(int fd, long length) throws NativeException {
        call("ftruncate", () -> libc().ftruncate(fd, length));
    }

    public static void changeMode(int fd, int mode) throws NativeException {
        call("fchmod", () -> libc().fchmod(fd, mode));
    }

    public static void changeOwner(int fd, int uid, int gid) throws NativeException {
        call("fchown", () -> libc().fchown(fd, uid, gid));
    }

    /** futimens with both times given; a null time is left as it is. */
    public static void setTimes(int fd, FileStatus.Timestamp access, FileStatus.Timestamp modify)
            throws NativeException {
        long[] times = {
            access == null ? 0 : access.seconds(), access == null ? UTIME_OMIT : access.nanos(),
            modify == null ? 0 : modify.seconds(), modify == null ? UTIME_OMIT : modify.nanos(),
        };
        call("futimens", () -> libc().futimens(fd, times));
    }

    /** The names of the file's extended attributes, every namespace. */
    public static List<String> listExtendedAttributes(int fd) throws NativeException {
        for (;;) {
            long size = call("flistxattr", () -> libc().flistxattr(fd, null, 0));
            byte[] list = new byte[(int) size];
            long actual;
            try {
                actual = call("flistxattr", () -> libc().flistxattr(fd, list, list.length));
            } catch (NativeException e) {
                if (e.is(Errno.ERANGE)) {
                    continue; // grew between the two calls
                }
                throw e;
            }
            List<String> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < actual; i++) {
                if (list[i] == 0) {
                    names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return names;
        }
    }

    public static byte[] getExtendedAttribute(int fd, String name) throws NativeException {
        for (;;) {
            long size = call("fgetxattr", () -> libc().fgetxattr(fd, name, null, 0));
            byte[] value = new byte[(int) size];
            try {
                long actual = call("fgetxattr", () -> libc().fgetxattr(fd, name, value, value.length));
                return actual == value.length ? value : java.util.Arrays.copyOf(value, (int) actual);
            } catch (NativeException e) {
                if (!e.is(Errno.ERANGE)) {
                    throw e;
                }
            }
        }
    }

    public static void setExtendedAttribute(int fd, String name, byte[] value) throws NativeException {
        call("fsetxattr", () -> libc().fsetxattr(fd, name, value, value.length, 0));
    }

    private static ByteBuffer struct(int size) {
        return ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
    }
}
