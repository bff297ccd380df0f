package io.github.reflink4j.linux;

/**
 * The error numbers reflink4j makes decisions on, with their Linux values (the same on x86-64
 * and arm64, which share the generic table; the binding checks them against the platform's when
 * it loads). This is the engine's errno vocabulary: no type of the binding's library crosses the
 * {@link Syscalls} interface.
 *
 * <pre>{@code
 * try {
 *     syscalls.cloneFile(source, target);
 * } catch (NativeException e) {
 *     if (e.is(Errno.EXDEV)) { ... }   // different file systems
 * }
 * }</pre>
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    ETXTBSY(26, "Text file busy"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    ERANGE(34, "Numerical result out of range"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENODATA(61, "No data available"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EOPNOTSUPP(95, "Operation not supported"),
    ESTALE(116, "Stale file handle"),
    EDQUOT(122, "Disk quota exceeded");

    private static final Errno[] BY_VALUE = new Errno[128];

    static {
        for (Errno errno : values()) {
            BY_VALUE[errno.value] = errno;
        }
    }

    private final int value;
    private final String description;

    Errno(int value, String description) {
        this.value = value;
        this.description = description;
    }

    /** The number the kernel returns. */
    public int value() {
        return value;
    }

    /** What strerror(3) says of it. */
    public String description() {
        return description;
    }

    /** The constant for {@code value}, or null for one reflink4j makes no decision on. */
    public static Errno of(int value) {
        return value > 0 && value < BY_VALUE.length ? BY_VALUE[value] : null;
    }

    /** "Operation not supported (EOPNOTSUPP, errno 95)"; "errno 200" for a value without a name here. */
    public static String describe(int value) {
        Errno known = of(value);
        return known == null ? "errno " + value : known.description + " (" + known.name() + ", errno " + value + ")";
    }
}
