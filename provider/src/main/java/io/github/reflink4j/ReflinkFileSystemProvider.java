package io.github.reflink4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.ClosedFileSystemException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;

import io.github.reflink4j.engine.CopyEngine;
import io.github.reflink4j.engine.CopyRequest;

/**
 * A file system provider that wraps another and makes {@code Files.copy} clone: existing code
 * that copies with {@link Files#copy(Path, Path, CopyOption...)} gains reflinks without a
 * change. Only {@code copy} is intercepted, and only for regular files; every other operation,
 * and the copy of directories and links, is the wrapped provider's, unchanged.
 *
 * <p>Three ways in:
 * <pre>{@code
 * // 1. the "reflink" scheme, over the platform's file system
 * FileSystem fs = FileSystems.newFileSystem(URI.create("reflink:///"), Map.of("mode", "auto"));
 * Files.copy(fs.getPath("/data/a.img"), fs.getPath("/data/b.img"), ReflinkCopyOption.ALWAYS);
 * Path p = Path.of(URI.create("reflink:///data/a.img"));
 *
 * // 2. any file system or path, wrapped
 * Path source = Reflink.wrap(Path.of("/data/a.img"));
 *
 * // 3. as the JVM's default provider: every Files.copy of the JVM clones where it can
 * //    java -Djava.nio.file.spi.DefaultFileSystemProvider=io.github.reflink4j.ReflinkFileSystemProvider
 * //         -Dreflink4j.mode=auto ...
 * }</pre>
 *
 * <p>The {@code mode} of a file system ({@code always}, {@code auto}, the default, or
 * {@code never}) is what a {@code Files.copy} without a {@link ReflinkCopyOption} does there.
 * Both paths of a copy must come from this provider: the JDK copies between paths of two
 * providers itself, through streams, without asking either.
 */
public final class ReflinkFileSystemProvider extends FileSystemProvider {
    /** The scheme of the file systems the installed provider creates. */
    public static final String SCHEME = "reflink";
    /** The system property that sets the mode in default-provider mode. */
    public static final String MODE_PROPERTY = "reflink4j.mode";
    /** The key of the mode in {@code newFileSystem}'s environment. */
    public static final String MODE_KEY = "mode";

    private static final URI PLATFORM_ROOT = URI.create("file:///");
    /** Whether the JVM's default provider has looked for the native binding yet (at its first copy). */
    private static final AtomicBoolean BINDING_CHECKED = new AtomicBoolean();

    private final String scheme;
    private final FileSystemProvider platformDelegate;
    private final Map<FileSystem, ReflinkFileSystem> wrappers = new ConcurrentHashMap<>();
    /** The wrapper {@code newFileSystem(reflink:///)} made, until it is closed. */
    private ReflinkFileSystem created;
    /** The wrapper every other platform path shares (the JVM's own in default-provider mode); never closed. */
    private ReflinkFileSystem shared;

    /** The installed provider, found by ServiceLoader: the "reflink" scheme over the platform's file system. */
    public ReflinkFileSystemProvider() {
        this.scheme = SCHEME;
        this.platformDelegate = null;
    }

    /**
     * The JVM's default provider ({@code -Djava.nio.file.spi.DefaultFileSystemProvider}), wrapping
     * the built-in one; scheme "file". Touches nothing of the file system while being built,
     * since the JDK is still bootstrapping it.
     *
     * @param builtIn the platform's provider, which the JDK passes
     */
    public ReflinkFileSystemProvider(FileSystemProvider builtIn) {
        this.scheme = "file";
        this.platformDelegate = java.util.Objects.requireNonNull(builtIn, "builtIn");
    }

    @Override
    public String getScheme() {
        return scheme;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + scheme + ")";
    }

    // ---------------------------------------------------------------- file systems

    private FileSystemProvider platformProvider() {
        if (platformDelegate != null) {
            return platformDelegate;
        }
        FileSystemProvider provider = FileSystems.getDefault().provider();
        return provider instanceof ReflinkFileSystemProvider reflink ? reflink.platformProvider() : provider;
    }

    /** The checks the platform provider makes of a file system URI, with its words. */
    private void checkUri(URI uri) {
        if (!scheme.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("URI does not match this provider");
        }
        if (uri.getRawAuthority() != null) {
            throw new IllegalArgumentException("Authority component present");
        }
        String path = uri.getPath();
        if (path == null) {
            throw new IllegalArgumentException("Path component is undefined");
        }
        if (!path.equals("/")) {
            throw new IllegalArgumentException("Path component should be '/'");
        }
        if (uri.getRawQuery() != null) {
            throw new IllegalArgumentException("Query component present");
        }
        if (uri.getRawFragment() != null) {
            throw new IllegalArgumentException("Fragment component present");
        }
    }

    /**
     * A file system with its own mode over the platform's: {@code reflink:///} and
     * {@code Map.of("mode", "never")}. It can be closed; while it is open, {@code reflink:///}
     * URIs and {@link Reflink#wrap} give its paths. In default-provider mode the JVM's file
     * system is the only one, as with the platform provider.
     */
    @Override
    public synchronized FileSystem newFileSystem(URI uri, Map<String, ?> env) {
        checkUri(uri);
        if (platformDelegate != null || (created != null && created.isOpen())) {
            throw new FileSystemAlreadyExistsException();
        }
        ReflinkCopyOption mode = parseMode(env.get(MODE_KEY), "the '" + MODE_KEY + "' of newFileSystem");
        for (String key : env.keySet()) {
            if (!key.equals(MODE_KEY)) {
                throw new IllegalArgumentException("unknown reflink file system option '" + key + "'; the only one is '"
                        + MODE_KEY + "' (always, auto or never)");
            }
        }
        created = new ReflinkFileSystem(this, platformProvider().getFileSystem(PLATFORM_ROOT), mode, true, true);
        return created;
    }

    /** The file system {@code newFileSystem} created while it is open, else the shared one (mode AUTO). */
    @Override
    public synchronized FileSystem getFileSystem(URI uri) {
        checkUri(uri);
        return platformWrapper();
    }

    /**
     * The wrapper of the platform's file system in use: the JVM's in default-provider mode (made
     * while the JDK bootstraps it, so it touches nothing else), the one {@code newFileSystem}
     * created while it is open, or the shared one, made on first use, which is never closed.
     */
    private synchronized ReflinkFileSystem platformWrapper() {
        if (created != null && created.isOpen()) {
            return created;
        }
        if (shared == null) {
            shared = platformDelegate != null
                    ? new ReflinkFileSystem(
                            this,
                            platformDelegate.getFileSystem(PLATFORM_ROOT),
                            parseMode(System.getProperty(MODE_PROPERTY), "-D" + MODE_PROPERTY),
                            true,
                            false)
                    : new ReflinkFileSystem(
                            this, platformProvider().getFileSystem(PLATFORM_ROOT), ReflinkCopyOption.AUTO, true, false);
        }
        return shared;
    }

    /**
     * The path a reflink path's {@code toUri()} names: {@code reflink:///a/b} is a path of the
     * platform wrapper, and {@code reflink:} followed by another URI, e.g.
     * {@code reflink:jimfs://work/a/b}, that path wrapped.
     */
    @Override
    public Path getPath(URI uri) {
        if (!scheme.equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("URI does not match this provider");
        }
        if (uri.isOpaque()) {
            URI inner = URI.create(uri.getRawSchemeSpecificPart());
            if (inner.getScheme() == null || inner.getScheme().equalsIgnoreCase(SCHEME)) {
                throw new IllegalArgumentException("not a reflink URI of a path: " + uri);
            }
            Path path = Path.of(inner);
            return path instanceof ReflinkPath
                    ? path
                    : wrap(path.getFileSystem()).wrap(path);
        }
        URI platformUri = scheme.equals("file") ? uri : URI.create("file:" + uri.getRawSchemeSpecificPart());
        return platformWrapper().wrap(platformProvider().getPath(platformUri));
    }

    /** The wrapper of {@code fileSystem} with mode AUTO (one per file system), or itself when already one. */
    synchronized ReflinkFileSystem wrap(FileSystem fileSystem) {
        if (fileSystem instanceof ReflinkFileSystem reflink) {
            return reflink;
        }
        if (fileSystem.provider() == platformProvider()
                && fileSystem == platformProvider().getFileSystem(PLATFORM_ROOT)) {
            return platformWrapper();
        }
        // a wrapped file system closed directly, not through its wrapper, is forgotten here
        wrappers.values().removeIf(wrapper -> !wrapper.delegate().isOpen());
        return wrappers.computeIfAbsent(
                fileSystem, fs -> new ReflinkFileSystem(this, fs, ReflinkCopyOption.AUTO, false, true));
    }

    synchronized void closed(ReflinkFileSystem fileSystem) {
        if (created == fileSystem) {
            created = null;
        }
        wrappers.remove(fileSystem.delegate(), fileSystem);
    }

    static ReflinkCopyOption parseMode(Object value, String where) {
        if (value == null) {
            return ReflinkCopyOption.AUTO;
        }
        if (value instanceof ReflinkCopyOption mode) {
            return mode;
        }
        try {
            return ReflinkCopyOption.fromName(value.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + " is '" + value + "'; it must be always, auto or never", e);
        }
    }

    // ---------------------------------------------------------------- paths in and out

    /**
     * The one unwrap: {@code path} as one of this provider's paths, of an open file system.
     * Null is a NullPointerException and any other path a ProviderMismatchException naming both
     * classes, as the platform provider does; a closed file system's path is a
     * ClosedFileSystemException.
     */
    private ReflinkPath own(Path path) {
        ReflinkPath reflinkPath = ReflinkPath.of(this, path);
        if (!reflinkPath.getFileSystem().isOpen()) {
            throw new ClosedFileSystemException();
        }
        return reflinkPath;
    }

    private Path delegate(Path path) {
        return own(path).delegate();
    }

    /**
     * The delegate of a second path argument; null stays null, for the wrapped provider to reject
     * or accept as it does (the platform's throws NullPointerException, Jimfs's isSameFile says false).
     */
    private Path delegateOrNull(Path path) {
        return path == null ? null : delegate(path);
    }

    private static FileSystemProvider providerOf(Path delegate) {
        return delegate.getFileSystem().provider();
    }

    /** The platform path behind a reflink path, or the path itself: where the engine is called from outside. */
    static Path unwrapAny(Path path) {
        return path instanceof ReflinkPath reflinkPath ? reflinkPath.delegate() : path;
    }

    // ---------------------------------------------------------------- the one intercepted operation

    /**
     * Copies through the reflink engine in the mode of the ReflinkCopyOption among the options,
     * or the file system's mode; directories, links and the attribute work stay the wrapped
     * provider's. ReflinkCopyOption never reaches the wrapped provider.
     */
    @Override
    public void copy(Path source, Path target, CopyOption... options) throws IOException {
        if (platformDelegate != null) {
            reportMissingBindingOnce();
        }
        ReflinkPath from = own(source);
        Path to = delegate(target);
        CopyRequest request;
        try {
            request = CopyRequest.parse(from.getFileSystem().defaultMode(), options);
        } catch (UnsupportedOperationException unknown) {
            if (Arrays.asList(options).contains(ReflinkCopyOption.ALWAYS)) {
                throw unknown;
            }
            // an option reflink4j does not know is the wrapped provider's to judge, in its own words (Jimfs:
            // "'ATOMIC_MOVE' not allowed"); should it know the option, the copy is wholly its own
            providerOf(from.delegate())
                    .copy(
                            from.delegate(),
                            to,
                            Arrays.stream(options)
                                    .filter(option -> !(option instanceof ReflinkCopyOption))
                                    .toArray(CopyOption[]::new));
            return;
        }
        CopyEngine.copy(from.delegate(), to, request);
    }

    /**
     * As the JVM's default provider, reflink4j may have been put into a program that knows nothing
     * of it (JAVA_TOOL_OPTIONS): where it cannot clone at all it says so once, in one line on stderr,
     * and copies as the platform does (modes auto and never; always fails as it does anywhere);
     * otherwise it prints nothing.
     */
    private static void reportMissingBindingOnce() {
        if (BINDING_CHECKED.compareAndSet(false, true)) {
            String reason = CopyEngine.nativeUnavailableReason();
            if (reason != null) {
                System.err.println("reflink4j: no native binding (" + reason + "); Files.copy in this JVM is the"
                        + " platform's own");
            }
        }
    }

    // ---------------------------------------------------------------- everything else: delegated

    /**
     * The wrapped provider's move. A move within one file system is a rename, which keeps every
     * block where it is, so a {@link ReflinkCopyOption} is accepted (code may pass the options of
     * its copies) and changes nothing, except that with {@link ReflinkCopyOption#ALWAYS} the move
     * is only ever a rename: where the kernel refuses one (another file system, another mount of
     * the same one), it throws ReflinkUnsupportedException and nothing is moved, where the
     * platform would copy the data and delete the source.
     */
    @Override
    public void move(Path source, Path target, CopyOption... options) throws IOException {
        Path from = delegate(source);
        Path to = delegate(target);
        List<CopyOption> standard = new ArrayList<>(options.length + 1);
        boolean renameOnly = false;
        boolean replace = false;
        for (CopyOption option : options) {
            if (option instanceof ReflinkCopyOption reflink) {
                renameOnly |= reflink == ReflinkCopyOption.ALWAYS;
            } else {
                replace |= option == StandardCopyOption.REPLACE_EXISTING;
                standard.add(option); // null included: the wrapped provider rejects it as the platform does
            }
        }
        if (!renameOnly) {
            Files.move(from, to, standard.toArray(CopyOption[]::new));
            return;
        }
        // a rename and nothing else: ATOMIC_MOVE is rename(2), which replaces an existing target, so without
        // REPLACE_EXISTING an existing one is refused first, as the platform's own move does
        if (!replace && Files.exists(to, LinkOption.NOFOLLOW_LINKS) && !Files.isSameFile(from, to)) {
            throw new FileAlreadyExistsException(target.toString());
        }
        standard.remove(StandardCopyOption.REPLACE_EXISTING);
        standard.add(StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(from, to, standard.toArray(CopyOption[]::new));
        } catch (AtomicMoveNotSupportedException e) {
            throw new ReflinkUnsupportedException(
                    source.toString(),
                    target.toString(),
                    "rename",
                    "the target is on another file system or mount, so the move would copy the data, which "
                            + "ReflinkCopyOption.ALWAYS forbids; nothing was moved");
        }
    }

    @Override
    public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path d = delegate(path);
        return providerOf(d).newByteChannel(d, options, attrs);
    }

    @Override
    public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
            throws IOException {
        Path d = delegate(path);
        return providerOf(d).newFileChannel(d, options, attrs);
    }

    @Override
    public AsynchronousFileChannel newAsynchronousFileChannel(
            Path path, Set<? extends OpenOption> options, ExecutorService executor, FileAttribute<?>... attrs)
            throws IOException {
        Path d = delegate(path);
        return providerOf(d).newAsynchronousFileChannel(d, options, executor, attrs);
    }

    @Override
    public InputStream newInputStream(Path path, OpenOption... options) throws IOException {
        Path d = delegate(path);
        return providerOf(d).newInputStream(d, options);
    }

    @Override
    public OutputStream newOutputStream(Path path, OpenOption... options) throws IOException {
        Path d = delegate(path);
        return providerOf(d).newOutputStream(d, options);
    }

    /** The wrapped provider's stream, with its paths wrapped; a SecureDirectoryStream where the wrapped one is. */
    @Override
    public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
            throws IOException {
        ReflinkFileSystem fileSystem = own(dir).getFileSystem();
        Path d = delegate(dir);
        return ReflinkDirectoryStream.of(
                fileSystem,
                providerOf(d)
                        .newDirectoryStream(d, filter == null ? null : entry -> filter.accept(fileSystem.wrap(entry))));
    }

    @Override
    public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
        Path d = delegate(dir);
        providerOf(d).createDirectory(d, attrs);
    }

    @Override
    public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
        Path d = delegate(link);
        providerOf(d).createSymbolicLink(d, delegateOrNull(target), attrs);
    }

    @Override
    public void createLink(Path link, Path existing) throws IOException {
        Path d = delegate(link);
        providerOf(d).createLink(d, delegateOrNull(existing));
    }

    @Override
    public void delete(Path path) throws IOException {
        Path d = delegate(path);
        providerOf(d).delete(d);
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        Path d = delegate(path);
        return providerOf(d).deleteIfExists(d);
    }

    @Override
    public Path readSymbolicLink(Path link) throws IOException {
        ReflinkPath l = own(link);
        return l.getFileSystem().wrap(providerOf(l.delegate()).readSymbolicLink(l.delegate()));
    }

    @Override
    public boolean isSameFile(Path path, Path other) throws IOException {
        Path a = delegate(path);
        if (other != null
                && (!(other instanceof ReflinkPath otherPath)
                        || otherPath.getFileSystem().provider() != this)) {
            return false; // as the platform's: a path of another provider is never the same file
        }
        Path b = delegateOrNull(other);
        if (b != null && providerOf(a) != providerOf(b)) {
            return false;
        }
        return providerOf(a).isSameFile(a, b);
    }

    @Override
    public boolean isHidden(Path path) throws IOException {
        Path d = delegate(path);
        return providerOf(d).isHidden(d);
    }

    @Override
    public FileStore getFileStore(Path path) throws IOException {
        Path d = delegate(path);
        return providerOf(d).getFileStore(d);
    }

    @Override
    public void checkAccess(Path path, AccessMode... modes) throws IOException {
        Path d = delegate(path);
        providerOf(d).checkAccess(d, modes);
    }

    @Override
    public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
        Path d = delegate(path);
        return providerOf(d).getFileAttributeView(d, type, options);
    }

    @Override
    public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        Path d = delegate(path);
        return providerOf(d).readAttributes(d, type, options);
    }

    /**
     * JDK 20's {@code FileSystemProvider.exists} (no {@code @Override}: the class is compiled for
     * 17, where it is simply never called): the delegate's own answer, which for the platform
     * provider builds no exception for a missing file, where the inherited default would.
     *
     * @param path a path of this provider
     * @param options {@code NOFOLLOW_LINKS} to not follow a final link
     * @return whether the file exists
     */
    public boolean exists(Path path, LinkOption... options) {
        return Files.exists(delegate(path), options);
    }

    /**
     * JDK 20's {@code FileSystemProvider.readAttributesIfExists}, as {@link #exists}: the
     * delegate's own, found once by reflection; null when there is no such file.
     *
     * @param <A> the attributes' type
     * @param path a path of this provider
     * @param type the attributes' class
     * @param options {@code NOFOLLOW_LINKS} to not follow a final link
     * @return the attributes, or null when there is no such file
     * @throws IOException when the attributes cannot be read
     */
    @SuppressWarnings("unchecked")
    public <A extends BasicFileAttributes> A readAttributesIfExists(Path path, Class<A> type, LinkOption... options)
            throws IOException {
        Path d = delegate(path);
        Method ifExists = ReadAttributesIfExists.METHOD;
        if (ifExists == null) {
            try {
                return providerOf(d).readAttributes(d, type, options);
            } catch (NoSuchFileException e) {
                return null;
            }
        }
        try {
            return (A) ifExists.invoke(providerOf(d), d, type, options);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(cause);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code FileSystemProvider.readAttributesIfExists}, on JDK 20 and later; null before. */
    private static final class ReadAttributesIfExists {
        static final Method METHOD = find();

        private static Method find() {
            try {
                return FileSystemProvider.class.getMethod(
                        "readAttributesIfExists", Path.class, Class.class, LinkOption[].class);
            } catch (NoSuchMethodException e) {
                return null;
            }
        }
    }

    @Override
    public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
        Path d = delegate(path);
        return providerOf(d).readAttributes(d, attributes, options);
    }

    @Override
    public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
        Path d = delegate(path);
        providerOf(d).setAttribute(d, attribute, value, options);
    }

    /** The provider ServiceLoader installed for the "reflink" scheme, or this class's own when none was. */
    static ReflinkFileSystemProvider installed() {
        return Installed.INSTANCE;
    }

    private static final class Installed {
        static final ReflinkFileSystemProvider INSTANCE = find();

        private static ReflinkFileSystemProvider find() {
            for (FileSystemProvider provider : FileSystemProvider.installedProviders()) {
                if (provider instanceof ReflinkFileSystemProvider reflink && SCHEME.equals(reflink.getScheme())) {
                    return reflink;
                }
            }
            return new ReflinkFileSystemProvider();
        }
    }
}
