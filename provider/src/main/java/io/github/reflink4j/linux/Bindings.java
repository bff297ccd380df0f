package io.github.reflink4j.linux;

import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * Loads the binding of {@link Syscalls} once, on first use, and remembers why it could not load.
 * The one place that knows which bindings exist: {@code java.lang.foreign} on JDK 22 and later
 * (the multi-release jar's JDK 22 layer), jnr-ffi on JDK 17-21. The system property
 * {@value #PROPERTY}, or where it is not set the environment variable {@value #ENVIRONMENT}
 * (which child JVMs inherit), picks one: {@code foreign}, {@code jnr}, or {@code auto} (the
 * default: the foreign binding where this JVM has it, else jnr-ffi, also when the foreign one
 * fails to load). A binding asked for by name is that one or none: it never falls back.
 *
 * <pre>{@code
 * java -Dreflink4j.binding=jnr -jar app.jar      # jnr-ffi even on JDK 25
 * REFLINK4J_BINDING=foreign java -jar app.jar    # java.lang.foreign or nothing
 * }</pre>
 */
final class Bindings {
    /** The system property that picks the binding. */
    static final String PROPERTY = "reflink4j.binding";
    /** The environment variable that picks it when the property is not set. */
    static final String ENVIRONMENT = "REFLINK4J_BINDING";

    static final String FOREIGN = "java.lang.foreign";
    static final String JNR = "jnr-ffi";

    private Bindings() {}

    private static final class Holder {
        static final Syscalls LOADED;
        static final String NAME;
        static final Throwable FAILURE;

        static {
            Syscalls loaded = null;
            String name = null;
            Throwable failure = null;
            try {
                String os = System.getProperty("os.name", "");
                if (!os.equals("Linux")) {
                    throw new UnsupportedOperationException("reflinks are implemented for Linux only, this is " + os);
                }
                if (!"64".equals(System.getProperty("sun.arch.data.model", "64"))) {
                    throw new UnsupportedOperationException("reflink4j needs a 64-bit JVM");
                }
                String requested = requested();
                switch (requested) {
                    case "foreign":
                        loaded = loadUninterruptibly(ForeignBinding::load);
                        name = FOREIGN;
                        break;
                    case "jnr":
                        loaded = loadUninterruptibly(JnrSyscalls::load);
                        name = JNR;
                        break;
                    case "auto":
                    case "":
                        Throwable foreignFailure = null;
                        if (ForeignBinding.isPresent()) {
                            try {
                                loaded = loadUninterruptibly(ForeignBinding::load);
                                name = FOREIGN;
                            } catch (Throwable t) {
                                foreignFailure = t;
                            }
                        }
                        if (loaded == null) {
                            try {
                                loaded = loadUninterruptibly(JnrSyscalls::load);
                                name = JNR;
                            } catch (Throwable t) {
                                if (foreignFailure != null) {
                                    t.addSuppressed(foreignFailure);
                                }
                                throw t;
                            }
                        }
                        break;
                    default:
                        throw new IllegalArgumentException(PROPERTY + " (or " + ENVIRONMENT + ") is \"" + requested
                                + "\": the binding must be foreign, jnr or auto");
                }
            } catch (Throwable t) {
                failure = t;
                name = null;
            }
            LOADED = loaded;
            NAME = name;
            FAILURE = failure;
        }
    }

    /** The binding asked for, lower case; "auto" when nobody asked. */
    private static String requested() {
        String requested = System.getProperty(PROPERTY);
        if (requested == null) {
            requested = System.getenv(ENVIRONMENT);
        }
        return requested == null ? "auto" : requested.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * Loading reads the native library through interruptible channels, and jnr-ffi remembers a
     * failed load for the JVM's life: an interrupt of the first caller, before or during the load,
     * must not disable reflink4j for good. So the load runs on a thread of its own, and the
     * caller waits for it without being interruptible; its interrupt status is kept.
     */
    private static Syscalls loadUninterruptibly(Callable<Syscalls> loader) throws Throwable {
        FutureTask<Syscalls> load = new FutureTask<>(loader);
        Thread thread = new Thread(load, "reflink4j-binding-loader");
        thread.setDaemon(true);
        thread.start();
        boolean interrupted = false;
        try {
            for (; ; ) {
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

    /** {@value #FOREIGN} or {@value #JNR}, or null when no binding loaded. */
    static String name() {
        return Holder.NAME;
    }

    static boolean isAvailable() {
        return Holder.LOADED != null;
    }

    static Throwable failure() {
        return Holder.FAILURE;
    }
}
