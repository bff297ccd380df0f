package io.github.reflink4j;

/**
 * These files, or the file system they are on, cannot be cloned: the file system cannot share
 * blocks (EOPNOTSUPP on ext4 or tmpfs), the files are on different file systems (EXDEV), a range
 * is not block-aligned (EINVAL), and so on. {@link #errnoName()} says which.
 *
 * <pre>{@code
 * try {
 *     Reflink.always(source, target);
 * } catch (ReflinkFailedException e) {
 *     if ("EXDEV".equals(e.errnoName())) {
 *         System.err.println("put the copy on the same file system as " + e.getFile());
 *     }
 * }
 * }</pre>
 */
public class ReflinkFailedException extends ReflinkException {
    private static final long serialVersionUID = 1L;

    /**
     * A clone the kernel refused.
     *
     * @param source the source path, or null when unknown
     * @param target the target path, or null when unknown
     * @param operation what failed, such as {@code ioctl(FICLONE)}
     * @param errno the errno value
     * @param errnoName the errno's symbolic name (EXDEV)
     * @param reason a sentence a person can act on
     */
    public ReflinkFailedException(
            String source, String target, String operation, int errno, String errnoName, String reason) {
        super(source, target, operation, errno, errnoName, reason);
    }
}
