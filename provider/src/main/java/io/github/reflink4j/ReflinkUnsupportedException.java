package io.github.reflink4j;

/**
 * This platform or runtime cannot make reflinks at all: not Linux, the native library could not
 * load, the JVM refuses access to a channel's file descriptor, or a path belongs to a file system
 * other than the default one (such as Jimfs or a zip file system).
 *
 * <pre>{@code
 * try {
 *     Reflink.always(source, target);
 * } catch (ReflinkUnsupportedException e) {
 *     Reflink.copy(source, target, ReflinkCopyOption.NEVER);   // no clone is possible here
 * }
 * }</pre>
 */
public class ReflinkUnsupportedException extends ReflinkException {
    private static final long serialVersionUID = 1L;

    /**
     * No clone is possible in this runtime or platform.
     *
     * @param source the source path, or null when unknown
     * @param target the target path, or null when unknown
     * @param operation what was asked for, such as {@code ioctl(FICLONE)}
     * @param reason why it cannot be done here, and what would make it possible
     */
    public ReflinkUnsupportedException(String source, String target, String operation, String reason) {
        super(source, target, operation, 0, null, reason);
    }
}
