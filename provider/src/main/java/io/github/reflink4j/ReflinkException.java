package io.github.reflink4j;

import java.nio.file.FileSystemException;

/**
 * A reflink could not be made. It names both paths, the operation that failed and, where the
 * kernel gave one, the errno, so that a caller can tell "this file system cannot clone" from
 * "this platform cannot clone" and a person can act on the message.
 *
 * <pre>{@code
 * try {
 *     Reflink.always(source, target);
 * } catch (ReflinkUnsupportedException e) {
 *     // not Linux, no native access, or a path of a non-default file system
 * } catch (ReflinkFailedException e) {
 *     System.err.println(e.getMessage() + " [" + e.errnoName() + "]");   // e.g. EXDEV
 * }
 * }</pre>
 */
public class ReflinkException extends FileSystemException {
    private static final long serialVersionUID = 1L;

    /** The errno the kernel returned, 0 when the failure did not come from a system call. */
    private final int errno;
    /** The errno's symbolic name, null when {@link #errno} is 0. */
    private final String errnoName;
    /** The operation that failed. */
    private final String operation;

    /**
     * A failure of {@code operation} on these paths; the message is the operation and the reason.
     *
     * @param source    the source path, or null when unknown
     * @param target    the target path, or null when unknown
     * @param operation what failed, such as {@code ioctl(FICLONE)}
     * @param errno     the errno value, 0 when the failure did not come from the kernel
     * @param errnoName the errno's symbolic name (EXDEV), or null
     * @param reason    a sentence a person can act on
     */
    public ReflinkException(
            String source, String target, String operation, int errno, String errnoName, String reason) {
        super(source, target, operation + ": " + reason);
        this.errno = errno;
        this.errnoName = errnoName;
        this.operation = operation;
    }

    /**
     * The errno the kernel returned, or 0 when the failure did not come from a system call.
     *
     * @return the errno, or 0
     */
    public int errno() {
        return errno;
    }

    /**
     * The errno's symbolic name such as {@code EOPNOTSUPP}, or null when {@link #errno()} is 0.
     *
     * @return the name, or null
     */
    public String errnoName() {
        return errnoName;
    }

    /**
     * The operation that failed, such as {@code ioctl(FICLONE)}.
     *
     * @return the operation, as the message names it
     */
    public String operation() {
        return operation;
    }
}
