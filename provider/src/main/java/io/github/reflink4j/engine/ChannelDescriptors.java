package io.github.reflink4j.engine;

import java.io.FileDescriptor;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Finds the file descriptor behind a {@link FileChannel} of the default file system. The JDK
 * keeps it in private fields, so this needs the JVM to open two packages to reflink4j; where it
 * does not, {@link #refusal()} says which flags grant it.
 */
final class ChannelDescriptors {
    private static final Class<?> CHANNEL_CLASS;
    private static final Field CHANNEL_FD;
    private static final Field DESCRIPTOR_FD;
    private static final String REFUSAL;

    static {
        Class<?> channelClass = null;
        Field channelFd = null;
        Field descriptorFd = null;
        String refusal = null;
        try {
            channelClass = Class.forName("sun.nio.ch.FileChannelImpl");
            channelFd = channelClass.getDeclaredField("fd");
            descriptorFd = FileDescriptor.class.getDeclaredField("fd");
            channelFd.setAccessible(true);
            descriptorFd.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            String module = ChannelDescriptors.class.getModule().isNamed()
                    ? ChannelDescriptors.class.getModule().getName() : "ALL-UNNAMED";
            refusal = "the JVM refuses access to a FileChannel's file descriptor (" + e.getClass().getSimpleName()
                    + "); start it with --add-opens java.base/sun.nio.ch=" + module
                    + " --add-opens java.base/java.io=" + module;
            channelFd = null;
            descriptorFd = null;
        }
        CHANNEL_CLASS = channelClass;
        CHANNEL_FD = channelFd;
        DESCRIPTOR_FD = descriptorFd;
        REFUSAL = refusal;
    }

    private ChannelDescriptors() {
    }

    /** Why no descriptor can be had for {@code channel}, or null when {@link #of} will give one. */
    static String refusal(FileChannel channel) {
        if (REFUSAL != null) {
            return REFUSAL;
        }
        if (!CHANNEL_CLASS.isInstance(channel)) {
            return "the channel (" + channel.getClass().getName() + ") is not a file channel of the default file system";
        }
        return null;
    }

    /**
     * A descriptor of the channel's open file that is the caller's own, to close when done; call
     * only when {@link #refusal} is null.
     *
     * <p>The channel's own descriptor number cannot be used: the channel may be closed by another
     * thread (or by an interrupt) at any moment, and the number then given to an unrelated file,
     * which a clone or a write would land in. So the number is duplicated, and the duplicate kept
     * only if the channel was still open after it was made: a channel marks itself closed before
     * it closes its descriptor, so the duplicate is of the channel's file. It stays valid however
     * the channel is closed meanwhile.
     *
     * @throws AsynchronousCloseException when the channel was closed meanwhile
     */
    static int duplicate(Syscalls sys, FileChannel channel) throws IOException {
        int fd;
        try {
            fd = DESCRIPTOR_FD.getInt(CHANNEL_FD.get(channel));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
        if (fd < 0 || !channel.isOpen()) {
            throw new ClosedChannelException();
        }
        int own;
        try {
            own = sys.duplicate(fd);
        } catch (NativeException e) {
            if (e.is(Errno.EBADF) && !channel.isOpen()) {
                throw new AsynchronousCloseException();
            }
            throw Failures.translate(e, pathOf(fd), null);
        }
        if (!channel.isOpen()) {
            try {
                sys.close(own);
            } catch (NativeException e) {
                // only a duplicate nothing was done with
            }
            throw new AsynchronousCloseException();
        }
        return own;
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
