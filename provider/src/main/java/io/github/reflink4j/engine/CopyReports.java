package io.github.reflink4j.engine;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Supplier;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.linux.NativeException;
import jdk.jfr.FlightRecorder;

/**
 * Tells the world of each file copy: a JDK Flight Recorder event ({@value CopyEvent#NAME}) while a
 * recording wants it, and a {@code System.Logger} record at DEBUG for a copy that fell back from
 * a clone (see {@link DebugLog}). A copy asks {@link #begin()} before it moves data and hands the
 * token to {@link #end} when it is done, whether it succeeded or failed:
 *
 * <pre>{@code
 * Object report = CopyReports.begin();
 * CopyResult result = ...;
 * CopyReports.end(report, source, target, mode, result, mover.cloneRefusal(), mover.fallbackReason(), null);
 * }</pre>
 *
 * <p>The {@code jdk.jfr} module is optional ({@code requires static}): a runtime made without it,
 * or a module-path application that does not resolve it, copies exactly the same, without
 * events; {@link CopyEvent} is loaded only where the module is there and readable, and only once
 * the JVM's flight recorder has started. Without a recording a copy costs a check of a flag or of
 * an unrecorded event, and no path is turned into a string.
 */
final class CopyReports {
    /** Null until the boot layer exists (a default file system provider is made before it). */
    private static volatile Boolean jfrPresent;

    private CopyReports() {}

    /** A begun event, or null when no recording wants copy events. */
    static Object begin() {
        return jfrPresent() ? JfrEvents.begin() : null;
    }

    /**
     * Reports a copy that has ended: {@code failure} is null when it succeeded, {@code result}
     * null when it failed. {@code fallbackReason} says why it did not clone where it could have
     * (null when it cloned, or was asked not to); {@code cloneRefusal} is the clone the kernel
     * refused, when that was the reason.
     */
    static void end(
            Object event,
            Supplier<Path> source,
            Supplier<Path> target,
            ReflinkCopyOption mode,
            CopyResult result,
            NativeException cloneRefusal,
            String fallbackReason,
            Throwable failure) {
        if (event != null) {
            JfrEvents.commit(event, source, target, mode, result, cloneRefusal, fallbackReason, failure);
        }
        if (fallbackReason != null && result != null) {
            DebugLog.debug(
                    DebugLog.COPY,
                    () -> "copied " + source.get() + " to " + target.get() + " with " + result.method() + " ("
                            + result.bytes() + " bytes), not a clone: " + fallbackReason);
        }
    }

    private static boolean jfrPresent() {
        Boolean present = jfrPresent;
        if (present == null) {
            Module own = CopyReports.class.getModule();
            ModuleLayer layer = own.getLayer() != null ? own.getLayer() : ModuleLayer.boot();
            if (layer == null) {
                return false; // the module system is still starting: no recording can run yet
            }
            Optional<Module> jfr = layer.findModule("jdk.jfr");
            present = jfr.isPresent() && own.canRead(jfr.get());
            jfrPresent = present;
        }
        return present;
    }

    /** The only code that touches {@code jdk.jfr}: loaded only when the module is readable. */
    private static final class JfrEvents {
        static Object begin() {
            if (!FlightRecorder.isInitialized()) {
                // no recording was ever started: loading an event class would register it with
                // JFR, some hundred classes, in every JVM that copies a file
                return null;
            }
            CopyEvent event = new CopyEvent();
            if (!event.isEnabled()) {
                return null;
            }
            event.begin();
            return event;
        }

        static void commit(
                Object begun,
                Supplier<Path> source,
                Supplier<Path> target,
                ReflinkCopyOption mode,
                CopyResult result,
                NativeException cloneRefusal,
                String fallbackReason,
                Throwable failure) {
            CopyEvent event = (CopyEvent) begun;
            event.end();
            if (!event.shouldCommit()) {
                return;
            }
            event.source = String.valueOf(source.get());
            event.target = String.valueOf(target.get());
            event.mode = mode.name();
            if (result != null) {
                event.method = result.method().name();
                event.bytes = result.bytes();
                event.clonedBytes = result.clonedBytes();
            }
            if (cloneRefusal != null) {
                event.fallbackErrno = cloneRefusal.errnoValue();
                event.fallbackErrnoName = cloneRefusal.errno() == null
                        ? null
                        : cloneRefusal.errno().name();
            }
            event.fallbackReason = fallbackReason;
            event.failure = failure == null ? null : failure.toString();
            event.commit();
        }
    }
}
