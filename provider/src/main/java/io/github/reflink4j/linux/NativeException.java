package io.github.reflink4j.linux;

/**
 * A failed system call: the call's name and the errno it set. Internal to reflink4j; the engine
 * turns it into a typed NIO exception that names the paths, so it carries no stack trace.
 */
public final class NativeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int errnoValue;
    private final String operation;

    public NativeException(String operation, int errnoValue) {
        super(operation + ": " + Errno.describe(errnoValue), null, false, false);
        this.operation = operation;
        this.errnoValue = errnoValue;
    }

    /** The errno, or null for a value reflink4j has no name for (see {@link #errnoValue()}). */
    public Errno errno() {
        return Errno.of(errnoValue);
    }

    /** The raw errno value. */
    public int errnoValue() {
        return errnoValue;
    }

    /** The system call or ioctl that failed, such as {@code ioctl(FICLONE)}. */
    public String operation() {
        return operation;
    }

    /** True when the errno is one of the given ones. */
    public boolean is(Errno... candidates) {
        for (Errno candidate : candidates) {
            if (candidate.value() == errnoValue) {
                return true;
            }
        }
        return false;
    }
}
