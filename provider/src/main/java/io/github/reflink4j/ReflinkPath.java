package io.github.reflink4j;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Objects;

/**
 * A path of a {@link ReflinkFileSystem}: a delegate path of the wrapped file system, and the
 * wrapper it belongs to. Every path it hands out is wrapped in the same file system; every path
 * it is given must belong to it (else {@link ProviderMismatchException}, as the JDK does).
 */
final class ReflinkPath implements Path {
    private final ReflinkFileSystem fileSystem;
    private final Path delegate;

    ReflinkPath(ReflinkFileSystem fileSystem, Path delegate) {
        this.fileSystem = fileSystem;
        this.delegate = delegate;
    }

    /** The wrapped path. */
    Path delegate() {
        return delegate;
    }

    private Path wrap(Path path) {
        return fileSystem.wrap(path);
    }

    private Path unwrap(Path other) {
        return of(fileSystem.provider(), other).delegate;
    }

    /**
     * {@code path} as a path of {@code provider}: the one place a path handed to reflink4j is
     * checked. Null is a NullPointerException, anything else a ProviderMismatchException that
     * names both classes.
     */
    static ReflinkPath of(ReflinkFileSystemProvider provider, Path path) {
        if (path instanceof ReflinkPath reflinkPath && reflinkPath.fileSystem.provider() == provider) {
            return reflinkPath;
        }
        if (path == null) {
            throw new NullPointerException();
        }
        throw new ProviderMismatchException("expected a " + ReflinkPath.class.getName() + " of " + provider
                + ", got a " + path.getClass().getName() + " (" + path + ")"
                + (path instanceof ReflinkPath
                        ? " of another reflink provider"
                        : "; make it with Reflink.wrap(path), or with the reflink file system's getPath"));
    }

    @Override
    public ReflinkFileSystem getFileSystem() {
        return fileSystem;
    }

    @Override
    public boolean isAbsolute() {
        return delegate.isAbsolute();
    }

    @Override
    public Path getRoot() {
        return wrap(delegate.getRoot());
    }

    @Override
    public Path getFileName() {
        return wrap(delegate.getFileName());
    }

    @Override
    public Path getParent() {
        return wrap(delegate.getParent());
    }

    @Override
    public int getNameCount() {
        return delegate.getNameCount();
    }

    @Override
    public Path getName(int index) {
        return wrap(delegate.getName(index));
    }

    @Override
    public Path subpath(int beginIndex, int endIndex) {
        return wrap(delegate.subpath(beginIndex, endIndex));
    }

    @Override
    public boolean startsWith(Path other) {
        return Objects.requireNonNull(other) instanceof ReflinkPath path
                && path.fileSystem == fileSystem
                && delegate.startsWith(path.delegate);
    }

    @Override
    public boolean startsWith(String other) {
        return delegate.startsWith(other);
    }

    @Override
    public boolean endsWith(Path other) {
        return Objects.requireNonNull(other) instanceof ReflinkPath path
                && path.fileSystem == fileSystem
                && delegate.endsWith(path.delegate);
    }

    @Override
    public boolean endsWith(String other) {
        return delegate.endsWith(other);
    }

    @Override
    public Path normalize() {
        return wrap(delegate.normalize());
    }

    @Override
    public Path resolve(Path other) {
        return wrap(delegate.resolve(unwrap(other)));
    }

    @Override
    public Path resolve(String other) {
        return wrap(delegate.resolve(other));
    }

    @Override
    public Path resolveSibling(Path other) {
        return wrap(delegate.resolveSibling(unwrap(other)));
    }

    @Override
    public Path resolveSibling(String other) {
        return wrap(delegate.resolveSibling(other));
    }

    @Override
    public Path relativize(Path other) {
        return wrap(delegate.relativize(unwrap(other)));
    }

    @Override
    public URI toUri() {
        return fileSystem.toUri(delegate);
    }

    @Override
    public Path toAbsolutePath() {
        return wrap(delegate.toAbsolutePath());
    }

    @Override
    public Path toRealPath(LinkOption... options) throws IOException {
        fileSystem.checkOpen();
        return wrap(delegate.toRealPath(options));
    }

    /**
     * A {@link File} where the wrapped file system is the platform's; otherwise what the wrapped
     * path says (the JDK's {@code Path.toFile} compares the file system with the default one,
     * which in default-provider mode is the wrapper, not the platform's own).
     */
    @Override
    public File toFile() {
        return fileSystem.wrapsPlatformFileSystem() ? new File(delegate.toString()) : delegate.toFile();
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        return fileSystem.register(this, watcher, events, modifiers);
    }

    @Override
    public WatchKey register(WatchService watcher, WatchEvent.Kind<?>... events) throws IOException {
        return register(watcher, events, new WatchEvent.Modifier[0]);
    }

    @Override
    public int compareTo(Path other) {
        // as every provider's paths: another class of path is a ClassCastException
        return delegate.compareTo(((ReflinkPath) other).delegate);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReflinkPath path && path.fileSystem == fileSystem && delegate.equals(path.delegate);
    }

    @Override
    public int hashCode() {
        return Objects.hash(System.identityHashCode(fileSystem), delegate);
    }

    @Override
    public String toString() {
        return delegate.toString();
    }
}
