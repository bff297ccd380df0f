package io.github.reflink4j.engine;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Uses the file descriptor behind a {@link FileChannel} of the default file system, inside the
 * channel's own close protocol. The JDK keeps the descriptor and the protocol in private
 * members, so this needs the JVM to open two packages to reflink4j; where it does not,
 * {@link #refusal} says which flags grant it.
 *
 * <p>Why the protocol: another thread (or an interrupt) may close the channel at any moment, and
 * its descriptor number may then be given to an unrelated file, which a clone or a write would
 * land in. A file channel's own reads and writes register their thread with the channel
 * ({@code NativeThreadSet}); closing marks the channel closed, then waits for the registered
 * threads to leave before it closes the descriptor. {@link #use} registers the same way and
 * checks the channel is open only after registering, so the number stays the channel's for as
 * long as the work runs; the work checks {@link FileChannel#isOpen()} between chunks, so that a
 * close waits no longer than one chunk. A duplicate of the descriptor would avoid the
 * reflection, but closing it would release the POSIX locks ({@code FileChannel.lock}) that the
 * caller holds on the file.
 */
final class ChannelDescriptors {
    private static final Class<?> CHANNEL_CLASS;
    private static final Field CHANNEL_FD;
    private static final Field CHANNEL_THREADS;
    private static final Method THREADS_ADD;
    private static final Method THREADS_REMOVE;
    private static final Field DESCRIPTOR_FD;
    private static final String REFUSAL;

    static {
        Class<?> channelClass = null;
        Field channelFd = null;
        Field channelThreads = null;
        Method add = null;
        Method remove = null;
        Field descriptorFd = null;
        String refusal = null;
        try {
            channelClass = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = channelClass.getDeclaredField("fd");
            channelThreads = channelClass.getDeclaredField("threads");
            add = channelThreads.getType().getDeclaredMethod("add");
            remove = channelThreads.getType().getDeclaredMethod("remove", int.class);
            descriptorFd = FileDescriptor.class.getDeclaredField("fd");
            channelFd.setAccessible(true);
            channelThreads.setAccessible(true);
            add.setAccessible(true);
            remove.setAccessible(true);
            descriptorFd.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            String module = ChannelDescriptors.class.getModule().isNamed()
                    ? ChannelDescriptors.class.getModule().getName()
                    : "ALL-UNNAMED";
            refusal = "the JVM refuses access to a FileChannel's file descriptor (" + e + "); start it with "
                    + "--add-opens java.base/sun.nio.ch=" + module + " --add-opens java.base/java.io=" + module;
            channelFd = null;
            channelThreads = null;
            add = null;
            remove = null;
            descriptorFd = null;
        }
        CHANNEL_CLASS = channelClass;
        CHANNEL_FD = channelFd;
        CHANNEL_THREADS = channelThreads;
        THREADS_ADD = add;
        THREADS_REMOVE = remove;
        DESCRIPTOR_FD = descriptorFd;
        REFUSAL = refusal;
    }

    private ChannelDescriptors() {}

    /** Why no descriptor can be had for {@code channel}, or null when {@link #use} will give one. */
    static String refusal(FileChannel channel) {
        if (REFUSAL != null) {
            return REFUSAL;
        }
        if (!CHANNEL_CLASS.isInstance(channel)) {
            return "the channel (" + channel.getClass().getName()
                    + ") is not a file channel of the default file system";
        }
        return null;
    }

    /** Work on the descriptors of two channels, which stay theirs while it runs. */
    @FunctionalInterface
    interface Work<T> {
        T run(int source, int target) throws IOException;
    }

    /**
     * Runs {@code work} on the two channels' descriptors, registered with both channels as their
     * own I/O is; call only when {@link #refusal} is null for both. A close by another thread
     * waits until the work returns, which it does at its next chunk.
     *
     * @throws AsynchronousCloseException when a channel was closed before the work began
     */
    static <T> T use(FileChannel source, FileChannel target, Work<T> work) throws IOException {
        Object sourceThreads = field(CHANNEL_THREADS, source);
        int sourceEntry = register(sourceThreads);
        try {
            Object targetThreads = field(CHANNEL_THREADS, target);
            int targetEntry = register(targetThreads);
            try {
                if (!source.isOpen() || !target.isOpen()) {
                    throw new AsynchronousCloseException();
                }
                return work.run(descriptor(source), descriptor(target));
            } finally {
                unregister(targetThreads, targetEntry);
            }
        } finally {
            unregister(sourceThreads, sourceEntry);
        }
    }

    private static int descriptor(FileChannel channel) {
        try {
            return DESCRIPTOR_FD.getInt(CHANNEL_FD.get(channel));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Object field(Field field, Object owner) {
        try {
            return field.get(owner);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int register(Object threads) {
        return (Integer) invoke(THREADS_ADD, threads);
    }

    private static void unregister(Object threads, int entry) {
        invoke(THREADS_REMOVE, threads, entry);
    }

    private static Object invoke(Method method, Object owner, Object... arguments) {
        try {
            return method.invoke(owner, arguments);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** The path the descriptor is open on, for error messages; null if the kernel will not say. */
    static Path pathOf(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
        } catch (java.io.IOException | RuntimeException e) {
            return null; // only used to name the file in a message
        }
    }
}
