package io.github.reflink4j.linux;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Loads the binding of {@link Syscalls} once, on first use, and remembers why it could not load.
 * The one place that knows which bindings exist.
 */
final class Bindings {
    private Bindings() {
    }

    private static final class Holder {
        static final Syscalls LOADED;
        static final Throwable FAILURE;

        static {
            Syscalls loaded = null;
            Throwable failure = null;
            try {
                String os = System.getProperty("os.name", "");
                if (!os.equals("Linux")) {
                    throw new UnsupportedOperationException("reflinks are implemented for Linux only, this is " + os);
                }
                if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
                    throw new UnsupportedOperationException("reflink4j needs a 64-bit JVM");
                }
                loaded = loadUninterruptibly();
            } catch (Throwable t) {
                failure = t;
            }
            LOADED = loaded;
            FAILURE = failure;
        }
    }

    /**
     * Loading reads the native library through interruptible channels, and jnr-ffi remembers a
     * failed load for the JVM's life: an interrupt of the first caller, before or during the load,
     * must not disable reflink4j for good. So the load runs on a thread of its own, and the
     * caller waits for it without being interruptible; its interrupt status is kept.
     */
    private static Syscalls loadUninterruptibly() throws Throwable {
        FutureTask<Syscalls> load = new FutureTask<>(JnrSyscalls::load);
        Thread loader = new Thread(load, "reflink4j-binding-loader");
        loader.setDaemon(true);
        loader.start();
        boolean interrupted = false;
        try {
            for (;;) {
                try {
                    return load.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    throw e.getCause();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    static Syscalls loaded() {
        Syscalls loaded = Holder.LOADED;
        if (loaded == null) {
            throw new IllegalStateException("native binding unavailable", Holder.FAILURE);
        }
        return loaded;
    }

    static boolean isAvailable() {
        return Holder.LOADED != null;
    }

    static Throwable failure() {
        return Holder.FAILURE;
    }
}
