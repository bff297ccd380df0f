package io.github.reflink4j.linux;

/**
 * What every binding does the same around a C call: a result of -1 means "look at errno"; EINTR
 * (a signal arrived) repeats the call, except close, which Linux completes even then; the few
 * errnos that are an expected answer come back as a negative number instead of an exception.
 * A binding says only how to make the call and where its errno is.
 *
 * <pre>{@code
 * long fd = call("openat(O_RDONLY)", () -> libc.openat(directory, path, flags, 0));
 * long created = answer("openat(O_CREAT|O_EXCL)", () -> libc.openat(directory, path, create, mode), Errno.EEXIST);
 * }</pre>
 */
abstract class RetryingSyscalls implements Syscalls {
    /** One C call, returning its result widened to long. */
    @FunctionalInterface
    interface Call {
        long invoke() throws Throwable;
    }

    /** The errno the calling thread's last call left. */
    abstract int lastErrno();

    /** The call's result, retried on EINTR; -1 throws a NativeException naming {@code operation}. */
    final long call(String operation, Call call) throws NativeException {
        for (; ; ) {
            long result = invoke(call);
            if (result != -1) {
                return result;
            }
            int errno = lastErrno();
            if (errno != Errno.EINTR.value()) {
                throw new NativeException(operation, errno);
            }
        }
    }

    /** A call whose listed errnos are an answer, not a failure: returns -errno for them. */
    final long answer(String operation, Call call, Errno... answers) throws NativeException {
        for (; ; ) {
            long result = invoke(call);
            if (result != -1) {
                return result;
            }
            int errno = lastErrno();
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

    /** close(2): never repeated, since on Linux the descriptor is gone even after EINTR. */
    final void callOnce(String operation, Call call) throws NativeException {
        if (invoke(call) == -1) {
            int errno = lastErrno();
            if (errno != Errno.EINTR.value()) {
                throw new NativeException(operation, errno);
            }
        }
    }

    private static long invoke(Call call) {
        try {
            return call.invoke();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("a native call threw " + e, e);
        }
    }
}
