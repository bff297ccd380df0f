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
import java.util.List;
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
 * <p>A wrapper of the platform's file system that every {@code Reflink.wrap} and
 * {@code reflink:///} path shares (and the JVM's default file system in default-provider mode)
 * cannot be closed: its {@code close()} throws UnsupportedOperationException, as the platform's
 * does, so that one component cannot close the paths of another. The one
 * {@code FileSystems.newFileSystem(URI.create("reflink:///"), env)} creates, and the wrapper of
 * any other file system, can: {@link #close()} closes the wrapped file system too (not the
 * platform's), and after it every operation on its paths throws
 * {@link java.nio.file.ClosedFileSystemException}, as a closed file system's do.
 */
public final class ReflinkFileSystem extends FileSystem {
    private final ReflinkFileSystemProvider provider;
    private final FileSystem delegate;
    private final ReflinkCopyOption defaultMode;
    private final boolean platformFileSystem;
    private final boolean closable;
    private volatile boolean open = true;

    ReflinkFileSystem(
            ReflinkFileSystemProvider provider,
            FileSystem delegate,
            ReflinkCopyOption defaultMode,
            boolean platformFileSystem,
            boolean closable) {
        this.provider = provider;
        this.delegate = delegate;
        this.defaultMode = defaultMode;
        this.platformFileSystem = platformFileSystem;
        this.closable = closable;
    }

    /**
     * What a {@code Files.copy} between this file system's paths does without a ReflinkCopyOption.
     *
     * @return ALWAYS, AUTO or NEVER
     */
    public ReflinkCopyOption defaultMode() {
        return defaultMode;
    }

    /**
     * The wrapped file system.
     *
     * @return the file system whose paths this one wraps
     */
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
            return provider.getScheme().equals(uri.getScheme())
                    ? uri
                    : URI.create(provider.getScheme() + ":" + uri.getRawSchemeSpecificPart());
        }
        return URI.create(ReflinkFileSystemProvider.SCHEME + ":" + uri);
    }

    WatchKey register(
            ReflinkPath path, WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers)
            throws IOException {
        checkOpen();
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
    void checkOpen() {
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
        if (!closable) {
            throw new UnsupportedOperationException(); // as the platform's file system, which this one shows
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

    /** The wrapped file system's roots, wrapped, in the same kind of Iterable. */
    @Override
    public Iterable<Path> getRootDirectories() {
        checkOpen();
        Iterable<Path> roots = delegate.getRootDirectories();
        if (roots instanceof List<Path> list) {
            return list.stream().map(this::wrap).toList(); // a list where the wrapped one is (JDK 20 and later)
        }
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
        return path -> matcher.matches(
                path instanceof ReflinkPath reflinkPath && reflinkPath.getFileSystem() == this
                        ? reflinkPath.delegate()
                        : path);
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
