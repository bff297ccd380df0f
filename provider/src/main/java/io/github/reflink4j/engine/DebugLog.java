package io.github.reflink4j.engine;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import io.github.reflink4j.linux.Syscalls;

/**
 * reflink4j's decisions worth knowing, through {@code System.Logger} at DEBUG: a copy that fell
 * back from a clone and why ({@value #COPY}), the native binding that loaded or why none did
 * ({@value #BINDING}). Silent by default: the JDK's default backend, java.util.logging, shows
 * INFO and above; {@code io.github.reflink4j.level = FINE} in a logging configuration shows
 * these.
 *
 * <pre>{@code
 * DebugLog.debug(DebugLog.COPY, () -> "copied " + source + " with READ_WRITE: " + reason);
 * }</pre>
 *
 * <p>A logger is looked up only when there is something to say, so a JVM whose copies all clone
 * never loads a logging backend. Since reflink4j may be the default file system provider, a
 * backend that reads its configuration starts inside a copy: a record asked for while this thread
 * is already logging is dropped rather than recursing.
 */
final class DebugLog {
    /** The parent of reflink4j's loggers: its level sets theirs. */
    static final String ROOT = "io.github.reflink4j";
    /** Copies that fell back from a clone to a real copy, and why. */
    static final String COPY = ROOT + ".copy";
    /** The native binding that loaded, or why none did. */
    static final String BINDING = ROOT + ".binding";

    /** The class name that makes reflink4j the JVM's default provider (not loaded from here). */
    private static final String DEFAULT_PROVIDER = "io.github.reflink4j.ReflinkFileSystemProvider";

    private static final Map<String, Logger> LOGGERS = new ConcurrentHashMap<>();
    private static final ThreadLocal<Boolean> LOGGING = new ThreadLocal<>();
    private static final AtomicBoolean BINDING_REPORTED = new AtomicBoolean();

    private DebugLog() {}

    /** Logs {@code message} at DEBUG on the named logger, built only if the logger shows it. */
    static void debug(String name, Supplier<String> message) {
        if (LOGGING.get() != null) {
            return; // the logging backend itself reached reflink4j (its configuration read through it)
        }
        LOGGING.set(Boolean.TRUE);
        try {
            reportBinding();
            log(name, message, null);
        } finally {
            LOGGING.remove();
        }
    }

    /** Tells, once, why no native binding loaded; called where a copy finds it missing. */
    static void bindingUnavailable() {
        if (BINDING_REPORTED.get() || LOGGING.get() != null) {
            return;
        }
        LOGGING.set(Boolean.TRUE);
        try {
            reportBinding();
        } finally {
            LOGGING.remove();
        }
    }

    /**
     * The binding is told of with the first record, or as soon as a copy finds that none loaded:
     * saying which one loaded on every start would cost each JVM a logging backend (some 30 ms).
     */
    private static void reportBinding() {
        if (BINDING_REPORTED.get() || !BINDING_REPORTED.compareAndSet(false, true)) {
            return;
        }
        String binding = CopyEngine.nativeBinding();
        if (binding != null) {
            log(BINDING, () -> "native binding: " + binding, null);
        } else {
            log(
                    BINDING,
                    () -> "no native binding loaded: copies go through the JDK, none can clone",
                    Syscalls.unavailableReason());
        }
    }

    /**
     * Whether records may start a logging backend: {@code -Dreflink4j.log=on|off}; by default on,
     * but as the JVM's default file system provider only when the program chose java.util.logging
     * itself ({@code java.util.logging.config.file}, {@code .config.class} or {@code .manager}
     * set). There every copy of the JVM goes through reflink4j, and a backend started inside its
     * first copy that falls back would fix the JVM's LogManager before a program that names its
     * own one later (JBoss LogManager, log4j-jul) gets to; the JDK itself defers its own records
     * for the same reason.
     */
    private static boolean backendAllowed() {
        String asked = System.getProperty("reflink4j.log", "");
        if (asked.equalsIgnoreCase("on")) {
            return true;
        }
        if (asked.equalsIgnoreCase("off")) {
            return false;
        }
        if (!DEFAULT_PROVIDER.equals(System.getProperty("java.nio.file.spi.DefaultFileSystemProvider"))) {
            return true;
        }
        return System.getProperty("java.util.logging.config.file") != null
                || System.getProperty("java.util.logging.config.class") != null
                || System.getProperty("java.util.logging.manager") != null;
    }

    private static void log(String name, Supplier<String> message, Throwable cause) {
        if (!backendAllowed()) {
            return;
        }
        Logger logger = LOGGERS.computeIfAbsent(name, System::getLogger);
        if (logger.isLoggable(Level.DEBUG)) {
            if (cause == null) {
                logger.log(Level.DEBUG, message.get());
            } else {
                logger.log(Level.DEBUG, message.get(), cause);
            }
        }
    }
}
