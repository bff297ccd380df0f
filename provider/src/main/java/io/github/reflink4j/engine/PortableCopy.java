package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;

/**
 * Where reflink4j cannot go native (not Linux, no native library, a non-default file system,
 * no access to a channel's descriptor): ALWAYS refuses with the reason, AUTO and NEVER copy
 * with what Java offers.
 */
final class PortableCopy {
    private static final int BUFFER_SIZE = 1 << 20;

    private PortableCopy() {
    }

    static CopyResult files(Path source, Path target, CopyRequest request, String refusal) throws IOException {
        if (request.mode() == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(source.toString(), target.toString(), "clone", refusal);
        }
        BasicFileAttributes attributes = Files.readAttributes(source, BasicFileAttributes.class, request.linkOptions());
        Files.copy(source, target, request.standardOptions());
        return attributes.isRegularFile() && !isSameFile(source, target, attributes)
                ? CopyResult.copied(CopyMethod.READ_WRITE, attributes.size()) : CopyResult.none();
    }

    private static boolean isSameFile(Path source, Path target, BasicFileAttributes sourceAttributes)
            throws IOException {
        Object key = sourceAttributes.fileKey();
        return key != null
                && key.equals(Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey());
    }

    /**
     * A range between channels: AUTO through {@code transferTo} (the JDK's fastest copy, which
     * may share blocks on JDK 20+), NEVER through positional reads and writes, which never do.
     * The target channel's position is left as it was.
     */
    static CopyResult channelRange(FileChannel source, long sourceOffset, FileChannel target, long targetOffset,
                                   long length, ReflinkCopyOption mode, String refusal) throws IOException {
        if (mode == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(null, null, "clone", refusal);
        }
        long done = mode == ReflinkCopyOption.AUTO
                ? transfer(source, sourceOffset, target, targetOffset, length)
                : readWrite(source, sourceOffset, target, targetOffset, length);
        return done == 0 ? CopyResult.none() : CopyResult.copied(CopyMethod.READ_WRITE, done);
    }

    private static long transfer(FileChannel source, long sourceOffset, FileChannel target, long targetOffset,
                                 long length) throws IOException {
        long position = target.position();
        try {
            target.position(targetOffset);
            long done = 0;
            while (done < length) {
                long n = source.transferTo(sourceOffset + done, length - done, target);
                if (n <= 0) {
                    break;
                }
                done += n;
            }
            return done;
        } finally {
            target.position(position);
        }
    }

    private static long readWrite(FileChannel source, long sourceOffset, FileChannel target, long targetOffset,
                                  long length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(BUFFER_SIZE, Math.max(length, 1)));
        long done = 0;
        while (done < length) {
            buffer.clear().limit((int) Math.min(buffer.capacity(), length - done));
            int read = source.read(buffer, sourceOffset + done);
            if (read <= 0) {
                break;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                target.write(buffer, targetOffset + done + buffer.position());
            }
            done += read;
        }
        return done;
    }

    /** The whole source over the target, which ends with the source's size. */
    static CopyResult wholeChannel(FileChannel source, FileChannel target, ReflinkCopyOption mode, String refusal)
            throws IOException {
        if (mode == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(null, null, "clone", refusal);
        }
        long size = source.size();
        target.truncate(0);
        CopyResult result = channelRange(source, 0, target, 0, size, mode, refusal);
        target.truncate(size);
        return CopyResult.copied(CopyMethod.READ_WRITE, result.bytes());
    }
}
