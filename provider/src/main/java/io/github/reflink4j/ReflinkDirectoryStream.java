package io.github.reflink4j;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

/**
 * The wrapped file system's directory stream, handing out paths of the reflink file system. Where
 * the wrapped stream is a {@link SecureDirectoryStream} (the platform's on Linux), so is this
 * one, so that code relying on it for race-free traversal, such as Guava's
 * {@code MoreFiles.deleteRecursively}, works unchanged:
 *
 * <pre>{@code
 * try (DirectoryStream<Path> entries = Files.newDirectoryStream(Reflink.wrap(dir))) {
 *     if (entries instanceof SecureDirectoryStream<Path> secure) {
 *         secure.deleteFile(secure.iterator().next().getFileName());
 *     }
 * }
 * }</pre>
 */
class ReflinkDirectoryStream implements DirectoryStream<Path> {
    final ReflinkFileSystem fileSystem;
    private final DirectoryStream<Path> delegate;

    ReflinkDirectoryStream(ReflinkFileSystem fileSystem, DirectoryStream<Path> delegate) {
        this.fileSystem = fileSystem;
        this.delegate = delegate;
    }

    /** A wrapper of {@code delegate}, secure where it is. */
    static DirectoryStream<Path> of(ReflinkFileSystem fileSystem, DirectoryStream<Path> delegate) {
        return delegate instanceof SecureDirectoryStream<Path> secure
                ? new Secure(fileSystem, secure)
                : new ReflinkDirectoryStream(fileSystem, delegate);
    }

    @Override
    public Iterator<Path> iterator() {
        return fileSystem.wrapping(delegate.iterator());
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    /** The secure kind: every path argument unwrapped, every path and stream handed out wrapped. */
    static final class Secure extends ReflinkDirectoryStream implements SecureDirectoryStream<Path> {
        private final SecureDirectoryStream<Path> delegate;

        Secure(ReflinkFileSystem fileSystem, SecureDirectoryStream<Path> delegate) {
            super(fileSystem, delegate);
            this.delegate = delegate;
        }

        private Path unwrap(Path path) {
            return ReflinkPath.of(fileSystem.provider(), path).delegate();
        }

        @Override
        public SecureDirectoryStream<Path> newDirectoryStream(Path path, LinkOption... options) throws IOException {
            return new Secure(fileSystem, delegate.newDirectoryStream(unwrap(path), options));
        }

        @Override
        public SeekableByteChannel newByteChannel(
                Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs) throws IOException {
            return delegate.newByteChannel(unwrap(path), options, attrs);
        }

        @Override
        public void deleteFile(Path path) throws IOException {
            delegate.deleteFile(unwrap(path));
        }

        @Override
        public void deleteDirectory(Path path) throws IOException {
            delegate.deleteDirectory(unwrap(path));
        }

        @Override
        public void move(Path source, SecureDirectoryStream<Path> targetDirectory, Path target) throws IOException {
            Path from = unwrap(source);
            if (!(Objects.requireNonNull(targetDirectory) instanceof Secure other)) {
                throw new ProviderMismatchException("the target directory stream is a "
                        + targetDirectory.getClass().getName() + ", not one of reflink4j's");
            }
            delegate.move(from, other.delegate, unwrap(target));
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Class<V> type) {
            return delegate.getFileAttributeView(type);
        }

        @Override
        public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
            return delegate.getFileAttributeView(unwrap(path), type, options);
        }
    }
}
