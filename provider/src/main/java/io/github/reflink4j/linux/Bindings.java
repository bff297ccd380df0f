package io.github.reflink4j.linux;

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
            // loading reads the native library through interruptible channels: a first use from an
            // interrupted thread would fail it, for the life of the JVM; the status is restored after
            boolean interrupted = Thread.interrupted();
            try {
                String os = System.getProperty("os.name", "");
                if (!os.equals("Linux")) {
                    throw new UnsupportedOperationException("reflinks are implemented for Linux only, this is " + os);
                }
                if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
                    throw new UnsupportedOperationException("reflink4j needs a 64-bit JVM");
                }
                loaded = JnrSyscalls.load();
            } catch (Throwable t) {
                failure = t;
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            LOADED = loaded;
            FAILURE = failure;
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
