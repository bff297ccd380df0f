package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.Set;

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
    private static final SecureRandom RANDOM = new SecureRandom();

    private PortableCopy() {}

    static CopyResult files(Path source, Path target, CopyRequest request, String refusal) throws IOException {
        if (request.mode() == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(source.toString(), target.toString(), "clone", refusal);
        }
        BasicFileAttributes attributes = Files.readAttributes(source, BasicFileAttributes.class, request.linkOptions());
        if (request.mode() == ReflinkCopyOption.NEVER && attributes.isRegularFile()) {
            return unsharedCopy(source, target, request, attributes);
        }
        Files.copy(source, target, request.standardOptions());
        return attributes.isRegularFile() && !isSameFile(source, target, attributes)
                ? CopyResult.copied(CopyMethod.READ_WRITE, attributes.size())
                : CopyResult.none();
    }

    /**
     * NEVER without the native binding: the JDK's own copy may share blocks (copy_file_range, on
     * JDK 20 and later), and so may {@code InputStream.transferTo} between two files, so the bytes
     * go through a Java buffer into a new file beside the target, renamed over it when whole, as
     * the native engine does. The new file gets the source's permission bits (the umask applies)
     * and, with COPY_ATTRIBUTES, its exact permissions and times.
     */
    private static CopyResult unsharedCopy(
            Path source, Path target, CopyRequest request, BasicFileAttributes attributes) throws IOException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            if (isSameFile(source, target, attributes)) {
                return CopyResult.none();
            }
            if (!request.replaceExisting()) {
                throw new FileAlreadyExistsException(target.toString());
            }
        }
        Path absolute = target.toAbsolutePath();
        // not the native engine's pattern: this file is not flock'ed, so Leftovers must never take it
        Path temporary = absolute.resolveSibling("." + absolute.getFileName() + ".reflink4j-portable-"
                + String.format("%012x", RANDOM.nextLong() & 0xffffffffffffL) + ".tmp");
        boolean posix = source.getFileSystem().supportedFileAttributeViews().contains("posix");
        Set<PosixFilePermission> permissions = posix
                ? Files.readAttributes(source, PosixFileAttributes.class, request.linkOptions())
                        .permissions()
                : null;
        long copied = 0;
        try {
            boolean replacing = Files.exists(target, LinkOption.NOFOLLOW_LINKS);
            try (InputStream in = Files.newInputStream(source, request.linkOptions());
                    SeekableByteChannel channel = createNew(temporary, permissions, request)) {
                OutputStream out = Channels.newOutputStream(channel);
                byte[] buffer = new byte[BUFFER_SIZE];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    Failures.stopIfInterrupted(source, target, copied);
                    out.write(buffer, 0, n);
                    copied += n;
                }
                BasicFileAttributes after =
                        Files.readAttributes(source, BasicFileAttributes.class, request.linkOptions());
                if (after.size() != attributes.size()
                        || !after.lastModifiedTime().equals(attributes.lastModifiedTime())) {
                    throw Failures.sourceChanged(source, target, attributes.size(), after.size());
                }
                if (replacing && channel instanceof FileChannel file) {
                    file.force(false); // the data on disk before the rename: see TargetFile.commit
                }
            }
            if (request.copyAttributes()) {
                if (permissions != null) {
                    Files.setPosixFilePermissions(temporary, permissions);
                }
                Files.getFileAttributeView(temporary, BasicFileAttributeView.class)
                        .setTimes(attributes.lastModifiedTime(), attributes.lastAccessTime(), null);
            }
            if (request.replaceExisting()) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(temporary, target);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temporary);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        return CopyResult.copied(CopyMethod.READ_WRITE, copied);
    }

    /**
     * The new file, created and opened for writing in one call with the source's permission bits
     * (the umask applies), or owner-only until COPY_ATTRIBUTES sets them exactly.
     */
    private static SeekableByteChannel createNew(Path file, Set<PosixFilePermission> permissions, CopyRequest request)
            throws IOException {
        Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        if (permissions == null) {
            return Files.newByteChannel(file, options);
        }
        Set<PosixFilePermission> initial = EnumSet.noneOf(PosixFilePermission.class);
        initial.addAll(permissions);
        if (request.copyAttributes()) {
            initial.retainAll(EnumSet.of(
                    PosixFilePermission.OWNER_READ,
                    PosixFilePermission.OWNER_WRITE,
                    PosixFilePermission.OWNER_EXECUTE));
        }
        return Files.newByteChannel(file, options, PosixFilePermissions.asFileAttribute(initial));
    }

    private static boolean isSameFile(Path source, Path target, BasicFileAttributes sourceAttributes)
            throws IOException {
        Object key = sourceAttributes.fileKey();
        return key != null
                && key.equals(Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .fileKey());
    }

    /**
     * A range between channels: AUTO through {@code transferTo} (the JDK's fastest copy, which
     * may share blocks on JDK 20+), NEVER through positional reads and writes, which never do.
     * The target channel's position is left as it was.
     */
    static CopyResult channelRange(
            FileChannel source,
            long sourceOffset,
            FileChannel target,
            long targetOffset,
            long length,
            ReflinkCopyOption mode,
            String refusal)
            throws IOException {
        if (mode == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(null, null, "clone", refusal);
        }
        long done = mode == ReflinkCopyOption.AUTO
                ? transfer(source, sourceOffset, target, targetOffset, length)
                : readWrite(source, sourceOffset, target, targetOffset, length);
        return done == 0 ? CopyResult.none() : CopyResult.copied(CopyMethod.READ_WRITE, done);
    }

    private static long transfer(
            FileChannel source, long sourceOffset, FileChannel target, long targetOffset, long length)
            throws IOException {
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

    private static long readWrite(
            FileChannel source, long sourceOffset, FileChannel target, long targetOffset, long length)
            throws IOException {
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
