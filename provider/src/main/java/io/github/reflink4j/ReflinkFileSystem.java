package io.github.reflink4j;

import java.io.IOException;
import java.net.URI;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.Iterator;
import java.util.Set;

/**
 * A file system that wraps another and makes {@code Files.copy} between its paths clone.
 * Everything else is the wrapped file system's, unchanged; every path it hands out is a
 * {@link ReflinkPath} of this file system.
 *
 * <pre>{@code
 * FileSystem fs = Reflink.wrap(FileSystems.getDefault());
 * Files.copy(fs.getPath("/data/vm.img"), fs.getPath("/data/vm-copy.img"), ReflinkCopyOption.ALWAYS);
 * }</pre>
 *
 * <p>{@link #close()} closes the wrapped file system too, except the platform's default one,
 * which cannot be closed; after it, every operation on its paths throws
 * {@link java.nio.file.ClosedFileSystemException}, as a closed file system's do. The JVM's
 * default file system, which this is in default-provider mode, cannot be closed: its
 * {@code close()} throws UnsupportedOperationException, as the platform's does.
 */
public final class ReflinkFileSystem extends FileSystem {
    private final ReflinkFileSystemProvider provider;
    private final FileSystem delegate;
    private final ReflinkCopyOption defaultMode;
    private final boolean platformFileSystem;
    private volatile boolean open = true;

    ReflinkFileSystem(ReflinkFileSystemProvider provider, FileSystem delegate, ReflinkCopyOption defaultMode,
                      boolean platformFileSystem) {
        this.provider = provider;
        this.delegate = delegate;
        this.defaultMode = defaultMode;
        this.platformFileSystem = platformFileSystem;
    }

    /** What a {@code Files.copy} between this file system's paths does without a ReflinkCopyOption. */
    public ReflinkCopyOption defaultMode() {
        return defaultMode;
    }

    /** The wrapped file system. */
    public FileSystem delegate() {
        return delegate;
    }

    boolean wrapsPlatformFileSystem() {
        return platformFileSystem;
    }

    /** Wraps a path of the delegate; null stays null. */
    Path wrap(Path path) {
        return path == null ? null : new ReflinkPath(this, path);
    }

    /**
     * A URI that {@code Path.of(uri)} turns back into the same wrapped path: {@code reflink:///a/b}
     * (or {@code file:///a/b} in default-provider mode) over the platform's file system, and
     * {@code reflink:} followed by the delegate's URI over any other, e.g.
     * {@code reflink:jimfs://work/a/b}.
     */
    URI toUri(Path delegatePath) {
        URI uri = delegatePath.toUri();
        if (platformFileSystem) {
            return provider.getScheme().equals(uri.getScheme()) ? uri
                    : URI.create(provider.getScheme() + ":" + uri.getRawSchemeSpecificPart());
        }
        return URI.create(ReflinkFileSystemProvider.SCHEME + ":" + uri);
    }

    WatchKey register(ReflinkPath path, WatchService watcher, WatchEvent.Kind<?>[] events,
                      WatchEvent.Modifier... modifiers) throws IOException {
        if (!(watcher instanceof ReflinkWatchService service) || service.fileSystem() != this) {
            if (watcher == null) {
                throw new NullPointerException();
            }
            throw new ProviderMismatchException("the watch service is not one of " + this);
        }
        if (!service.isOpen()) {
            throw new ClosedWatchServiceException();
        }
        return service.wrap(path.delegate().register(service.delegate(), events, modifiers));
    }

    /** As a closed file system's methods do: only isOpen, close, provider and the path methods still work. */
    private void checkOpen() {
        if (!isOpen()) {
            throw new ClosedFileSystemException();
        }
    }

    @Override
    public ReflinkFileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() throws IOException {
        if (platformFileSystem && provider.isDefault()) {
            throw new UnsupportedOperationException();
        }
        if (!open) {
            return;
        }
        open = false;
        provider.closed(this);
        if (!platformFileSystem) {
            delegate.close();
        }
    }

    @Override
    public boolean isOpen() {
        return open && delegate.isOpen();
    }

    @Override
    public boolean isReadOnly() {
        return delegate.isReadOnly();
    }

    @Override
    public String getSeparator() {
        return delegate.getSeparator();
    }

    /** The wrapped file system's roots, wrapped as they are iterated. */
    @Override
    public Iterable<Path> getRootDirectories() {
        checkOpen();
        Iterable<Path> roots = delegate.getRootDirectories();
        return () -> wrapping(roots.iterator());
    }

    /** The paths of {@code delegates}, wrapped one by one as they are reached; remove() is theirs. */
    Iterator<Path> wrapping(Iterator<Path> delegates) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return delegates.hasNext();
            }

            @Override
            public Path next() {
                return wrap(delegates.next());
            }

            @Override
            public void remove() {
                delegates.remove();
            }
        };
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        checkOpen();
        return delegate.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return delegate.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        checkOpen();
        return wrap(delegate.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        checkOpen();
        PathMatcher matcher = delegate.getPathMatcher(syntaxAndPattern);
        return path -> matcher.matches(path instanceof ReflinkPath reflinkPath && reflinkPath.getFileSystem() == this
                ? reflinkPath.delegate() : path);
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        checkOpen();
        return delegate.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        checkOpen();
        return new ReflinkWatchService(this, delegate.newWatchService());
    }

    @Override
    public String toString() {
        return "reflink(" + defaultMode.name().toLowerCase(java.util.Locale.ROOT) + ") over " + delegate;
    }
}
