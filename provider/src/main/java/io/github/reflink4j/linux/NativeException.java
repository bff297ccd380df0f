package io.github.reflink4j.linux;

import jnr.constants.platform.Errno;

/**
 * A failed system call: the call's name and the errno it set. Internal to reflink4j; the engine
 * turns it into a typed NIO exception that names the paths, so it carries no stack trace.
 */
public final class NativeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient Errno errno;
    private final int errnoValue;
    private final String operation;

    NativeException(String operation, int errnoValue) {
        super(operation + ": " + describe(errnoValue), null, false, false);
        this.operation = operation;
        this.errnoValue = errnoValue;
        this.errno = Errno.valueOf(errnoValue);
    }

    /** The errno as jnr-constants knows it (ENOTSUP and EOPNOTSUPP are one value on Linux). */
    public Errno errno() {
        return errno;
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
            if (candidate.intValue() == errnoValue) {
                return true;
            }
        }
        return false;
    }

    /** "Operation not supported (EOPNOTSUPP, errno 95)". */
    public static String describe(int errnoValue) {
        Errno e = Errno.valueOf(errnoValue);
        if (e == null || e == Errno.__UNKNOWN_CONSTANT__) {
            return "errno " + errnoValue;
        }
        return e.description() + " (" + e.name() + ", errno " + errnoValue + ")";
    }
}
