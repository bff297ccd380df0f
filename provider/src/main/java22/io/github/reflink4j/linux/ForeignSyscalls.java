package io.github.reflink4j.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.reflink4j.linux.Layouts.Statfs;
import io.github.reflink4j.linux.Layouts.Statx;

/**
 * {@link Syscalls} bound through {@code java.lang.foreign} (JDK 22 and later): no third-party
 * code, no generated classes, no native stub to extract. Each C function is a downcall handle
 * in a holder class of its own, created the first time the function is called, so a JVM that
 * clones one file binds only openat, statx, ioctl and close (and the load checks that the C
 * library has every function, so that a missing one fails the load, not a later call). errno is
 * captured by the linker right after the call ({@code captureCallState}), before the JVM can
 * overwrite it. Only geteuid is linked {@code critical} (no thread-state transition): a critical
 * call holds off every safepoint of the JVM until it returns, and every other call can wait on
 * the file system (lseek's SEEK_DATA and a non-blocking flock go to the server on NFS, CIFS and
 * FUSE), where a stalled server would stall the whole JVM.
 *
 * <p>Names and structures cross in native memory from a per-thread scratch area that grows as
 * needed and is reused from one call to the next, so the usual call allocates nothing native;
 * structures are read and written by {@link Structs} through a {@link ByteBuffer} view, as the
 * jnr-ffi binding does over Java arrays.
 *
 * <pre>{@code
 * Syscalls sys = ForeignBinding.load();   // what Bindings does on JDK 22+
 * }</pre>
 */
final class ForeignSyscalls extends RetryingSyscalls {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final long ERRNO = CALL_STATE.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /** Every C function the binding calls: all must be there for it to load. */
    private static final List<String> FUNCTIONS = List.of(
            "openat",
            "close",
            "flock",
            "fdatasync",
            "ioctl",
            "copy_file_range",
            "lseek",
            "pread",
            "pwrite",
            "statx",
            "fstatfs",
            "getdents64",
            "mkdirat",
            "mknodat",
            "symlinkat",
            "readlinkat",
            "linkat",
            "unlinkat",
            "renameat",
            "fchmodat",
            "fchownat",
            "utimensat",
            "ftruncate",
            "fchmod",
            "fchown",
            "futimens",
            "flistxattr",
            "fgetxattr",
            "fsetxattr",
            "geteuid");
    /** Heap buffers up to this size pass through the thread's scratch area; larger ones through memory of their own. */
    private static final long SCRATCH_COPY_LIMIT = 64 << 10;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final Kernel.OpenFlags flags;
    private final int effectiveUserId;

    private ForeignSyscalls(Kernel.OpenFlags flags) {
        this.flags = flags;
        try {
            this.effectiveUserId = (int) Geteuid.HANDLE.invokeExact();
        } catch (Throwable e) {
            throw new IllegalStateException("geteuid() failed", e);
        }
    }

    /** The binding for this JVM's architecture; fails where reflink4j does not know its open flags. */
    static Syscalls load() {
        String architecture = System.getProperty("os.arch");
        Kernel.OpenFlags flags = Kernel.OpenFlags.of(architecture);
        if (flags == null) {
            throw new UnsupportedOperationException("the java.lang.foreign binding knows the open flags of x86-64"
                    + " and arm64 only, this is " + architecture);
        }
        List<String> missing = FUNCTIONS.stream()
                .filter(name -> LINKER.defaultLookup().find(name).isEmpty())
                .toList();
        if (!missing.isEmpty()) {
            throw new UnsupportedOperationException(
                    "the C library lacks " + String.join(", ", missing) + "() (reflink4j needs glibc 2.30 or later)");
        }
        return new ForeignSyscalls(flags);
    }

    /**
     * Creates, on a daemon thread of its own, the four downcall handles every copy calls (openat,
     * statx, ioctl with a number, close), each about 10 ms of code generation at its first use, so
     * that the caller's first copy finds them made while it was busy elsewhere (a command parsing
     * its arguments, the engine loading its classes). Nothing else is bound ahead of use. A handle
     * that cannot be made fails here as it would on the first call, which then reports it.
     */
    static void prepareInBackground() {
        Thread thread = new Thread(
                () -> {
                    try {
                        MethodHandle[] copyPath = {Openat.HANDLE, StatxCall.HANDLE, IoctlWithValue.HANDLE, Close.HANDLE
                        };
                        assert copyPath.length == 4;
                    } catch (Throwable e) {
                        // the caller's own first call of that function meets the same failure and reports it
                    }
                },
                "reflink4j-binding-prepare");
        thread.setDaemon(true);
        thread.start();
    }

    /** A C library function returning {@code descriptor}'s result, with errno captured. */
    private static MethodHandle function(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment address = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no " + name + "()"));
        Linker.Option[] all = new Linker.Option[options.length + 1];
        all[0] = CAPTURE_ERRNO;
        System.arraycopy(options, 0, all, 1, options.length);
        return LINKER.downcallHandle(address, descriptor, all);
    }

    private static FunctionDescriptor returnsInt(MemoryLayout... arguments) {
        return FunctionDescriptor.of(JAVA_INT, arguments);
    }

    private static FunctionDescriptor returnsLong(MemoryLayout... arguments) {
        return FunctionDescriptor.of(JAVA_LONG, arguments);
    }

    // ---- one holder per function: the JVM creates each handle on its first call

    private static final class Openat {
        // int openat(int dirfd, const char *path, int flags, ... /* mode_t mode */)
        static final MethodHandle HANDLE = function(
                "openat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(3));
    }

    private static final class Close {
        static final MethodHandle HANDLE = function("close", returnsInt(JAVA_INT));
    }

    private static final class Flock {
        static final MethodHandle HANDLE = function("flock", returnsInt(JAVA_INT, JAVA_INT));
    }

    private static final class Fdatasync {
        static final MethodHandle HANDLE = function("fdatasync", returnsInt(JAVA_INT));
    }

    private static final class IoctlWithValue {
        // int ioctl(int fd, unsigned long request, ...), the argument a number (FICLONE's source descriptor)
        static final MethodHandle HANDLE =
                function("ioctl", returnsInt(JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2));
    }

    private static final class IoctlWithPointer {
        static final MethodHandle HANDLE =
                function("ioctl", returnsInt(JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    }

    private static final class CopyFileRange {
        static final MethodHandle HANDLE =
                function("copy_file_range", returnsLong(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Lseek {
        static final MethodHandle HANDLE = function("lseek", returnsLong(JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private static final class Pread {
        static final MethodHandle HANDLE = function("pread", returnsLong(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class Pwrite {
        static final MethodHandle HANDLE = function("pwrite", returnsLong(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG));
    }

    private static final class StatxCall {
        static final MethodHandle HANDLE =
                function("statx", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS));
    }

    private static final class Fstatfs {
        static final MethodHandle HANDLE = function("fstatfs", returnsInt(JAVA_INT, ADDRESS));
    }

    private static final class Getdents64 {
        static final MethodHandle HANDLE = function("getdents64", returnsLong(JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class Mkdirat {
        static final MethodHandle HANDLE = function("mkdirat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Mknodat {
        static final MethodHandle HANDLE = function("mknodat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class Symlinkat {
        static final MethodHandle HANDLE = function("symlinkat", returnsInt(ADDRESS, JAVA_INT, ADDRESS));
    }

    private static final class Readlinkat {
        static final MethodHandle HANDLE = function("readlinkat", returnsLong(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Linkat {
        static final MethodHandle HANDLE =
                function("linkat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Unlinkat {
        static final MethodHandle HANDLE = function("unlinkat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Renameat {
        static final MethodHandle HANDLE = function("renameat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    }

    private static final class Fchmodat {
        static final MethodHandle HANDLE = function("fchmodat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    private static final class Fchownat {
        static final MethodHandle HANDLE =
                function("fchownat", returnsInt(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Utimensat {
        static final MethodHandle HANDLE = function("utimensat", returnsInt(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class Ftruncate {
        static final MethodHandle HANDLE = function("ftruncate", returnsInt(JAVA_INT, JAVA_LONG));
    }

    private static final class Fchmod {
        static final MethodHandle HANDLE = function("fchmod", returnsInt(JAVA_INT, JAVA_INT));
    }

    private static final class Fchown {
        static final MethodHandle HANDLE = function("fchown", returnsInt(JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class Futimens {
        static final MethodHandle HANDLE = function("futimens", returnsInt(JAVA_INT, ADDRESS));
    }

    private static final class Flistxattr {
        static final MethodHandle HANDLE = function("flistxattr", returnsLong(JAVA_INT, ADDRESS, JAVA_LONG));
    }

    private static final class Fgetxattr {
        static final MethodHandle HANDLE = function("fgetxattr", returnsLong(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Fsetxattr {
        static final MethodHandle HANDLE =
                function("fsetxattr", returnsInt(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Geteuid {
        // cannot fail, sets no errno, and returns at once: the one critical call
        static final MethodHandle HANDLE = LINKER.downcallHandle(
                LINKER.defaultLookup().find("geteuid").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT),
                Linker.Option.critical(false));
    }

    /**
     * Native memory for one thread's calls: the errno the linker captures, and a bump area for
     * names and structures, emptied at the start of each call (no call reaches another binding
     * call, so nothing in it outlives the call that placed it). Freed when the thread is gone.
     */
    private static final class Scratch {
        private static final long INITIAL_SIZE = 8192;
        private static final long ALIGNMENT = 16;

        final MemorySegment callState;
        private MemorySegment area;
        private long used;

        Scratch() {
            Arena arena = Arena.ofAuto();
            callState = arena.allocate(CALL_STATE);
            area = arena.allocate(INITIAL_SIZE, ALIGNMENT);
        }

        Scratch reset() {
            used = 0;
            return this;
        }

        /** {@code size} zeroed bytes, valid until the next call on this thread. */
        MemorySegment allocate(long size) {
            long at = (used + ALIGNMENT - 1) & -ALIGNMENT;
            if (at + size > area.byteSize()) {
                // earlier pieces of this call stay valid: their slices keep the old area reachable
                area = Arena.ofAuto().allocate(Math.max(area.byteSize() * 2, size + ALIGNMENT), ALIGNMENT);
                at = 0;
            }
            used = at + size;
            return area.asSlice(at, size).fill((byte) 0);
        }

        /** {@code name} NUL-terminated. */
        MemorySegment name(byte[] name) {
            MemorySegment path = allocate(name.length + 1L);
            MemorySegment.copy(name, 0, path, JAVA_BYTE, 0, name.length);
            return path;
        }
    }

    private static Scratch scratch() {
        return SCRATCH.get().reset();
    }

    private static ByteBuffer view(MemorySegment segment) {
        return segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    @Override
    int lastErrno() {
        return SCRATCH.get().callState.get(JAVA_INT, ERRNO);
    }

    // ---- opening and closing

    private int open(String operation, int directory, byte[] name, int openFlags, int mode) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        return (int)
                call(operation, () -> (int) Openat.HANDLE.invokeExact(s.callState, directory, path, openFlags, mode));
    }

    @Override
    public int openDirectory(int directory, byte[] name, boolean followLinks) throws NativeException {
        return open("openat(O_DIRECTORY)", directory, name, flags.openDirectory(followLinks), 0);
    }

    @Override
    public int openForReading(int directory, byte[] name, boolean followLinks) throws NativeException {
        return open("openat(O_RDONLY)", directory, name, flags.readFile(followLinks), 0);
    }

    @Override
    public int createExclusive(int directory, byte[] name, int mode) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        int create = flags.createExclusive();
        long fd = answer(
                "openat(O_CREAT|O_EXCL)",
                () -> (int) Openat.HANDLE.invokeExact(s.callState, directory, path, create, mode),
                Errno.EEXIST);
        return fd < 0 ? ALREADY_EXISTS : (int) fd;
    }

    @Override
    public int openForWriting(int directory, byte[] name) throws NativeException {
        return open("openat(O_WRONLY)", directory, name, flags.writeFile(), 0);
    }

    @Override
    public int openForUpdate(int directory, byte[] name) throws NativeException {
        return open("openat(O_RDWR)", directory, name, flags.updateFile(), 0);
    }

    @Override
    public int openPath(int directory, byte[] name) throws NativeException {
        return open("openat(O_PATH)", directory, name, flags.pathOnly(), 0);
    }

    @Override
    public void close(int fd) throws NativeException {
        Scratch s = scratch();
        callOnce("close", () -> (int) Close.HANDLE.invokeExact(s.callState, fd));
    }

    @Override
    public boolean tryLock(int fd) throws NativeException {
        Scratch s = scratch();
        int operation = Kernel.LOCK_EX | Kernel.LOCK_NB;
        return answer(
                        "flock(LOCK_EX|LOCK_NB)",
                        () -> (int) Flock.HANDLE.invokeExact(s.callState, fd, operation),
                        Errno.EAGAIN)
                >= 0;
    }

    // ---- names in a directory

    @Override
    public FileStatus status(int fd) throws NativeException {
        Scratch s = scratch();
        MemorySegment empty = s.allocate(1);
        MemorySegment raw = s.allocate(Statx.SIZE);
        call("statx", () -> (int) StatxCall.HANDLE.invokeExact(
                s.callState, fd, empty, Kernel.AT_EMPTY_PATH, Kernel.STATX_BASIC_STATS, raw));
        return Structs.fileStatus(view(raw));
    }

    @Override
    public FileStatus statusAt(int directory, byte[] name, boolean followLinks) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        MemorySegment raw = s.allocate(Statx.SIZE);
        int statFlags = followLinks ? 0 : Kernel.AT_SYMLINK_NOFOLLOW;
        long result = answer(
                "statx",
                () -> (int) StatxCall.HANDLE.invokeExact(
                        s.callState, directory, path, statFlags, Kernel.STATX_BASIC_STATS, raw),
                Errno.ENOENT);
        return result < 0 ? null : Structs.fileStatus(view(raw));
    }

    @Override
    public int inodeFlags(int fd) throws NativeException {
        Scratch s = scratch();
        MemorySegment inodeFlags = s.allocate(Long.BYTES);
        call("ioctl(FS_IOC_GETFLAGS)", () ->
                (int) IoctlWithPointer.HANDLE.invokeExact(s.callState, fd, FS_IOC_GETFLAGS, inodeFlags));
        return inodeFlags.get(JAVA_INT, 0);
    }

    private ByteBuffer statfs(int fd) throws NativeException {
        Scratch s = scratch();
        MemorySegment raw = s.allocate(Statfs.SIZE);
        call("fstatfs", () -> (int) Fstatfs.HANDLE.invokeExact(s.callState, fd, raw));
        return view(raw);
    }

    @Override
    public long fileSystemType(int fd) throws NativeException {
        return Structs.fileSystemType(statfs(fd));
    }

    @Override
    public int fileSystemBlockSize(int fd) throws NativeException {
        return Structs.fileSystemBlockSize(statfs(fd));
    }

    @Override
    public boolean readDirectory(int fd, ByteBuffer buffer, List<DirectoryEntry> entries) throws NativeException {
        if (!buffer.isDirect()) {
            throw new IllegalArgumentException("readDirectory needs a direct buffer");
        }
        Scratch s = scratch();
        buffer.clear();
        MemorySegment listing = MemorySegment.ofBuffer(buffer);
        long capacity = buffer.capacity();
        long n = call("getdents64", () -> (long) Getdents64.HANDLE.invokeExact(s.callState, fd, listing, capacity));
        return Structs.directoryEntries(buffer, n, entries);
    }

    @Override
    public boolean makeDirectory(int directory, byte[] name, int mode) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        return answer(
                        "mkdirat",
                        () -> (int) Mkdirat.HANDLE.invokeExact(s.callState, directory, path, mode),
                        Errno.EEXIST)
                >= 0;
    }

    @Override
    public void makeNode(int directory, byte[] name, int mode, long device) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        call("mknodat", () -> (int) Mknodat.HANDLE.invokeExact(s.callState, directory, path, mode, device));
    }

    @Override
    public void makeSymbolicLink(byte[] linkTarget, int directory, byte[] name) throws NativeException {
        Scratch s = scratch();
        MemorySegment target = s.name(linkTarget);
        MemorySegment path = s.name(name);
        call("symlinkat", () -> (int) Symlinkat.HANDLE.invokeExact(s.callState, target, directory, path));
    }

    @Override
    public byte[] readSymbolicLink(int directory, byte[] name) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        for (long size = 256; ; size *= 4) {
            MemorySegment buffer = s.allocate(size);
            long capacity = size;
            long n = call("readlinkat", () ->
                    (long) Readlinkat.HANDLE.invokeExact(s.callState, directory, path, buffer, capacity));
            if (n < capacity) {
                return buffer.asSlice(0, n).toArray(JAVA_BYTE);
            }
        }
    }

    @Override
    public void linkOpenFile(int fd, int directory, byte[] name) throws NativeException {
        Scratch s = scratch();
        MemorySegment from = s.name(("/proc/self/fd/" + fd).getBytes(StandardCharsets.US_ASCII));
        MemorySegment to = s.name(name);
        call("linkat", () ->
                (int) Linkat.HANDLE.invokeExact(s.callState, AT_FDCWD, from, directory, to, Kernel.AT_SYMLINK_FOLLOW));
    }

    @Override
    public void link(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException {
        Scratch s = scratch();
        MemorySegment source = s.name(from);
        MemorySegment target = s.name(to);
        call("linkat", () ->
                (int) Linkat.HANDLE.invokeExact(s.callState, fromDirectory, source, toDirectory, target, 0));
    }

    @Override
    public void unlink(int directory, byte[] name, boolean isDirectory) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        int unlinkFlags = isDirectory ? Kernel.AT_REMOVEDIR : 0;
        call("unlinkat", () -> (int) Unlinkat.HANDLE.invokeExact(s.callState, directory, path, unlinkFlags));
    }

    @Override
    public void rename(int fromDirectory, byte[] from, int toDirectory, byte[] to) throws NativeException {
        Scratch s = scratch();
        MemorySegment source = s.name(from);
        MemorySegment target = s.name(to);
        call("renameat", () ->
                (int) Renameat.HANDLE.invokeExact(s.callState, fromDirectory, source, toDirectory, target));
    }

    @Override
    public void changeModeAt(int directory, byte[] name, int mode) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        call("fchmodat", () ->
                (int) Fchmodat.HANDLE.invokeExact(s.callState, directory, path, mode, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void changeLinkOwner(int directory, byte[] name, int uid, int gid) throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        call("fchownat", () ->
                (int) Fchownat.HANDLE.invokeExact(s.callState, directory, path, uid, gid, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    @Override
    public void setLinkTimes(int directory, byte[] name, FileStatus.Timestamp access, FileStatus.Timestamp modify)
            throws NativeException {
        Scratch s = scratch();
        MemorySegment path = s.name(name);
        MemorySegment times = times(s, access, modify);
        call("utimensat", () ->
                (int) Utimensat.HANDLE.invokeExact(s.callState, directory, path, times, Kernel.AT_SYMLINK_NOFOLLOW));
    }

    private static MemorySegment times(Scratch s, FileStatus.Timestamp access, FileStatus.Timestamp modify) {
        long[] values = Structs.times(access, modify);
        MemorySegment times = s.allocate((long) values.length * Long.BYTES);
        MemorySegment.copy(values, 0, times, JAVA_LONG, 0, values.length);
        return times;
    }

    // ---- data

    @Override
    public void cloneFile(int sourceFd, int targetFd) throws NativeException {
        Scratch s = scratch();
        long source = sourceFd;
        call("ioctl(FICLONE)", () -> (int) IoctlWithValue.HANDLE.invokeExact(s.callState, targetFd, FICLONE, source));
    }

    @Override
    public void cloneRange(int sourceFd, long sourceOffset, long length, int targetFd, long targetOffset)
            throws NativeException {
        Scratch s = scratch();
        MemorySegment range = s.allocate(Layouts.FileCloneRange.SIZE);
        Structs.putCloneRange(view(range), sourceFd, sourceOffset, length, targetOffset);
        call("ioctl(FICLONERANGE)", () ->
                (int) IoctlWithPointer.HANDLE.invokeExact(s.callState, targetFd, FICLONERANGE, range));
    }

    @Override
    public long copyFileRange(int sourceFd, long sourceOffset, int targetFd, long targetOffset, long length)
            throws NativeException {
        Scratch s = scratch();
        MemorySegment in = s.allocate(Long.BYTES);
        MemorySegment out = s.allocate(Long.BYTES);
        in.set(JAVA_LONG, 0, sourceOffset);
        out.set(JAVA_LONG, 0, targetOffset);
        // the kernel advances both offsets; a retry after EINTR continues from where it left them
        return call("copy_file_range", () ->
                (long) CopyFileRange.HANDLE.invokeExact(s.callState, sourceFd, in, targetFd, out, length, 0));
    }

    @Override
    public long seek(int fd, long offset, int whence) throws NativeException {
        Scratch s = scratch();
        long result = answer(
                whence == SEEK_DATA ? "lseek(SEEK_DATA)" : "lseek(SEEK_HOLE)",
                () -> (long) Lseek.HANDLE.invokeExact(s.callState, fd, offset, whence),
                Errno.ENXIO);
        return result < 0 ? -1 : result;
    }

    @Override
    public long position(int fd) throws NativeException {
        Scratch s = scratch();
        return call("lseek(SEEK_CUR)", () -> (long) Lseek.HANDLE.invokeExact(s.callState, fd, 0L, Kernel.SEEK_CUR));
    }

    @Override
    public void setPosition(int fd, long position) throws NativeException {
        Scratch s = scratch();
        call("lseek(SEEK_SET)", () -> (long) Lseek.HANDLE.invokeExact(s.callState, fd, position, Kernel.SEEK_SET));
    }

    @Override
    public int pread(int fd, ByteBuffer buffer, long offset) throws NativeException {
        Scratch s = scratch();
        int position = buffer.position();
        long count = buffer.remaining();
        if (buffer.isDirect()) {
            MemorySegment into = MemorySegment.ofBuffer(buffer);
            long n = call("pread", () -> (long) Pread.HANDLE.invokeExact(s.callState, fd, into, count, offset));
            buffer.position(position + (int) n);
            return (int) n;
        }
        try (Arena arena = count > SCRATCH_COPY_LIMIT ? Arena.ofConfined() : null) {
            MemorySegment into = arena != null ? arena.allocate(count) : s.allocate(count);
            long n = call("pread", () -> (long) Pread.HANDLE.invokeExact(s.callState, fd, into, count, offset));
            MemorySegment.copy(into, 0, MemorySegment.ofBuffer(buffer), 0, n);
            buffer.position(position + (int) n);
            return (int) n;
        }
    }

    @Override
    public int pwrite(int fd, ByteBuffer buffer, long offset) throws NativeException {
        Scratch s = scratch();
        int position = buffer.position();
        long count = buffer.remaining();
        if (buffer.isDirect()) {
            MemorySegment from = MemorySegment.ofBuffer(buffer);
            long n = call("pwrite", () -> (long) Pwrite.HANDLE.invokeExact(s.callState, fd, from, count, offset));
            buffer.position(position + (int) n);
            return (int) n;
        }
        try (Arena arena = count > SCRATCH_COPY_LIMIT ? Arena.ofConfined() : null) {
            MemorySegment from = arena != null ? arena.allocate(count) : s.allocate(count);
            MemorySegment.copy(MemorySegment.ofBuffer(buffer), 0, from, 0, count);
            long n = call("pwrite", () -> (long) Pwrite.HANDLE.invokeExact(s.callState, fd, from, count, offset));
            buffer.position(position + (int) n);
            return (int) n;
        }
    }

    @Override
    public void truncate(int fd, long length) throws NativeException {
        Scratch s = scratch();
        call("ftruncate", () -> (int) Ftruncate.HANDLE.invokeExact(s.callState, fd, length));
    }

    @Override
    public void syncData(int fd) throws NativeException {
        Scratch s = scratch();
        call("fdatasync", () -> (int) Fdatasync.HANDLE.invokeExact(s.callState, fd));
    }

    @Override
    public List<Extent> extents(int fd, long start, int maxExtents) throws NativeException {
        Scratch s = scratch();
        MemorySegment request = s.allocate(Structs.fiemapSize(maxExtents));
        Structs.putFiemapRequest(view(request), start, maxExtents);
        call("ioctl(FS_IOC_FIEMAP)", () ->
                (int) IoctlWithPointer.HANDLE.invokeExact(s.callState, fd, FS_IOC_FIEMAP, request));
        return Structs.fiemapExtents(view(request));
    }

    @Override
    public DedupeOutcome[] dedupeRange(
            int sourceFd, long sourceOffset, long length, int[] targetFds, long[] targetOffsets)
            throws NativeException {
        int count = Structs.dedupeTargets(targetFds, targetOffsets);
        Scratch s = scratch();
        MemorySegment request = s.allocate(Structs.dedupeSize(count));
        Structs.putDedupeRequest(view(request), sourceOffset, length, targetFds, targetOffsets);
        call("ioctl(FIDEDUPERANGE)", () ->
                (int) IoctlWithPointer.HANDLE.invokeExact(s.callState, sourceFd, FIDEDUPERANGE, request));
        return Structs.dedupeOutcomes(view(request), count);
    }

    // ---- metadata of an open file

    @Override
    public void changeMode(int fd, int mode) throws NativeException {
        Scratch s = scratch();
        call("fchmod", () -> (int) Fchmod.HANDLE.invokeExact(s.callState, fd, mode));
    }

    @Override
    public void changeOwner(int fd, int uid, int gid) throws NativeException {
        Scratch s = scratch();
        call("fchown", () -> (int) Fchown.HANDLE.invokeExact(s.callState, fd, uid, gid));
    }

    @Override
    public void setTimes(int fd, FileStatus.Timestamp access, FileStatus.Timestamp modify) throws NativeException {
        Scratch s = scratch();
        MemorySegment times = times(s, access, modify);
        call("futimens", () -> (int) Futimens.HANDLE.invokeExact(s.callState, fd, times));
    }

    @Override
    public List<byte[]> listExtendedAttributes(int fd) throws NativeException {
        for (; ; ) {
            Scratch s = scratch();
            long size = call(
                    "flistxattr", () -> (long) Flistxattr.HANDLE.invokeExact(s.callState, fd, MemorySegment.NULL, 0L));
            MemorySegment list = s.allocate(Math.max(size, 1));
            long capacity = size;
            long actual = answer(
                    "flistxattr",
                    () -> (long) Flistxattr.HANDLE.invokeExact(s.callState, fd, list, capacity),
                    Errno.ERANGE);
            if (actual < 0 || actual > capacity) {
                continue; // grew between the two calls (from nothing, the second call answers with the size)
            }
            return Structs.nulSeparated(view(list), actual);
        }
    }

    @Override
    public byte[] getExtendedAttribute(int fd, byte[] name) throws NativeException {
        for (; ; ) {
            Scratch s = scratch();
            MemorySegment key = s.name(name);
            long size = answer(
                    "fgetxattr",
                    () -> (long) Fgetxattr.HANDLE.invokeExact(s.callState, fd, key, MemorySegment.NULL, 0L),
                    Errno.ENODATA);
            if (size < 0) {
                return null;
            }
            MemorySegment value = s.allocate(Math.max(size, 1));
            long capacity = size;
            long actual = answer(
                    "fgetxattr",
                    () -> (long) Fgetxattr.HANDLE.invokeExact(s.callState, fd, key, value, capacity),
                    Errno.ERANGE,
                    Errno.ENODATA);
            if (actual == -Errno.ENODATA.value()) {
                return null;
            }
            if (actual >= 0 && actual <= capacity) {
                return value.asSlice(0, actual).toArray(JAVA_BYTE);
            }
        }
    }

    @Override
    public void setExtendedAttribute(int fd, byte[] name, byte[] value) throws NativeException {
        Scratch s = scratch();
        MemorySegment key = s.name(name);
        MemorySegment bytes = s.allocate(Math.max(value.length, 1));
        MemorySegment.copy(value, 0, bytes, JAVA_BYTE, 0, value.length);
        long length = value.length;
        call("fsetxattr", () -> (int) Fsetxattr.HANDLE.invokeExact(s.callState, fd, key, bytes, length, 0));
    }

    @Override
    public int effectiveUserId() {
        return effectiveUserId;
    }
}
