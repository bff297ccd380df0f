package io.github.reflink4j;

import java.io.IOException;
import java.net.URI;
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
import java.util.ArrayList;
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
 * <p>{@link #close()} closes the wrapped file system too, except the platform's default one,
 * which cannot be closed.
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

    /** The delegate path of one of this file system's paths; any other path is a mismatch. */
    Path unwrap(Path path) {
        if (path instanceof ReflinkPath reflinkPath && reflinkPath.getFileSystem() == this) {
            return reflinkPath.delegate();
        }
        if (path == null) {
            throw new NullPointerException();
        }
        throw new ProviderMismatchException("expected a path of " + this + ", got a "
                + path.getClass().getName() + " of " + path.getFileSystem()
                + (path instanceof ReflinkPath ? " (another reflink file system)"
                : "; wrap it with Reflink.wrap(path), or make both paths with this file system's getPath"));
    }

    URI toUri(Path delegatePath) {
        URI uri = delegatePath.toUri();
        if (platformFileSystem && !provider.getScheme().equals(uri.getScheme())) {
            return URI.create(provider.getScheme() + ":" + uri.getRawSchemeSpecificPart());
        }
        return uri;
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

    @Override
    public ReflinkFileSystemProvider provider() {
        return provider;
    }

    @Override
    public void close() throws IOException {
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

    @Override
    public Iterable<Path> getRootDirectories() {
        List<Path> roots = new ArrayList<>();
        for (Path root : delegate.getRootDirectories()) {
            roots.add(wrap(root));
        }
        return roots;
    }

    @Override
    public Iterable<FileStore> getFileStores() {
        return delegate.getFileStores();
    }

    @Override
    public Set<String> supportedFileAttributeViews() {
        return delegate.supportedFileAttributeViews();
    }

    @Override
    public Path getPath(String first, String... more) {
        return wrap(delegate.getPath(first, more));
    }

    @Override
    public PathMatcher getPathMatcher(String syntaxAndPattern) {
        PathMatcher matcher = delegate.getPathMatcher(syntaxAndPattern);
        return path -> path instanceof ReflinkPath reflinkPath && reflinkPath.getFileSystem() == this
                && matcher.matches(reflinkPath.delegate());
    }

    @Override
    public UserPrincipalLookupService getUserPrincipalLookupService() {
        return delegate.getUserPrincipalLookupService();
    }

    @Override
    public WatchService newWatchService() throws IOException {
        return new ReflinkWatchService(this, delegate.newWatchService());
    }

    @Override
    public String toString() {
        return "reflink(" + defaultMode.name().toLowerCase(java.util.Locale.ROOT) + ") over " + delegate;
    }
}
