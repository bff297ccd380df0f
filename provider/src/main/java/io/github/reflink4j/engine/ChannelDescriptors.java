package io.github.reflink4j.engine;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

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

    /** The descriptor; call only when {@link #refusal} is null. */
    static int of(FileChannel channel) {
        try {
            return DESCRIPTOR_FD.getInt(CHANNEL_FD.get(channel));
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
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
