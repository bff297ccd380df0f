package io.github.reflink4j.tests.differential;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import com.sun.nio.file.ExtendedCopyOption;

/**
 * The operations the differential test runs on every variant of a file system: every method of
 * {@link Files}, {@link FileSystemProvider}, {@link FileSystem} and {@link Path}, on every kind
 * of entry of the {@link Fixture}, with option combinations, nulls in every argument, and the
 * closed file system last. Each has a name that is the same in every run; queries share one
 * fixture, and each operation that changes something gets a fresh one, whose listing afterwards
 * is part of the outcome.
 */
final class Corpus {
    /** One operation on a fixture; its result or exception is the outcome. */
    @FunctionalInterface
    interface Action {
        Object run(Fixture fixture) throws Throwable;
    }

    /** A named operation; {@code changes} ones get a fresh fixture and are compared by their listing too. */
    record Operation(String name, boolean changes, Action action) {}

    private static final List<CopyOption[]> COPY_OPTIONS = List.of(
            new CopyOption[0],
            new CopyOption[] {REPLACE_EXISTING},
            new CopyOption[] {COPY_ATTRIBUTES},
            new CopyOption[] {NOFOLLOW_LINKS},
            new CopyOption[] {REPLACE_EXISTING, NOFOLLOW_LINKS, COPY_ATTRIBUTES},
            new CopyOption[] {ATOMIC_MOVE});
    private static final List<CopyOption[]> MOVE_OPTIONS = List.of(
            new CopyOption[0],
            new CopyOption[] {REPLACE_EXISTING},
            new CopyOption[] {ATOMIC_MOVE},
            new CopyOption[] {NOFOLLOW_LINKS},
            new CopyOption[] {COPY_ATTRIBUTES});
    private static final List<String> COPY_SOURCES = List.of(
            "file",
            "empty",
            "dir",
            "emptydir",
            "link",
            "dirlink",
            "dangling",
            "loop",
            "secret",
            "\u00fcn\u00efc\u00f8d\u00e9",
            Fixture.NON_UTF8,
            "missing",
            "locked");
    private static final List<String> COPY_TARGETS = List.of(
            "new",
            "file",
            "emptydir",
            "dir",
            "link",
            "dangling",
            "dirlink",
            "missing/child",
            "rodir/new",
            "locked/new",
            "readonly",
            "dir/sub/new");

    private final List<Operation> operations = new ArrayList<>();
    private final List<String> names;
    private final boolean realFileSystem;

    private Corpus(boolean realFileSystem) {
        this.realFileSystem = realFileSystem;
        this.names = Fixture.names(realFileSystem);
    }

    /** The whole corpus in its fixed order; the closing of the file system comes last. */
    static List<Operation> all(boolean realFileSystem) {
        Corpus corpus = new Corpus(realFileSystem);
        corpus.queries();
        corpus.changes();
        corpus.copiesAndMoves();
        corpus.paths();
        corpus.fileSystemAndProvider();
        corpus.nulls();
        corpus.closing();
        return corpus.operations;
    }

    private void query(String name, Action action) {
        operations.add(new Operation(name, false, action));
    }

    private void change(String name, Action action) {
        operations.add(new Operation(name, true, action));
    }

    private List<String> names() {
        return names.stream()
                .filter(n -> realFileSystem || !n.equals(Fixture.NON_UTF8))
                .toList();
    }

    // ------------------------------------------------------------------ queries

    private void queries() {
        for (String n : names()) {
            String on = "(" + n + ")";
            query("exists" + on, f -> Files.exists(f.path(n)));
            query("exists-nofollow" + on, f -> Files.exists(f.path(n), NOFOLLOW_LINKS));
            query("notExists" + on, f -> Files.notExists(f.path(n)));
            query("notExists-nofollow" + on, f -> Files.notExists(f.path(n), NOFOLLOW_LINKS));
            query("isDirectory" + on, f -> Files.isDirectory(f.path(n)));
            query("isDirectory-nofollow" + on, f -> Files.isDirectory(f.path(n), NOFOLLOW_LINKS));
            query("isRegularFile" + on, f -> Files.isRegularFile(f.path(n)));
            query("isRegularFile-nofollow" + on, f -> Files.isRegularFile(f.path(n), NOFOLLOW_LINKS));
            query("isSymbolicLink" + on, f -> Files.isSymbolicLink(f.path(n)));
            query("isReadable" + on, f -> Files.isReadable(f.path(n)));
            query("isWritable" + on, f -> Files.isWritable(f.path(n)));
            query("isExecutable" + on, f -> Files.isExecutable(f.path(n)));
            query("isHidden" + on, f -> Files.isHidden(f.path(n)));
            query("size" + on, f -> Files.isRegularFile(f.path(n)) ? Files.size(f.path(n)) : "not a file");
            query("getLastModifiedTime" + on, f -> Files.getLastModifiedTime(f.path(n)));
            query("getLastModifiedTime-nofollow" + on, f -> Files.getLastModifiedTime(f.path(n), NOFOLLOW_LINKS));
            query("getPosixFilePermissions" + on, f -> Files.getPosixFilePermissions(f.path(n)));
            query(
                    "getPosixFilePermissions-nofollow" + on,
                    f -> Files.getPosixFilePermissions(f.path(n), NOFOLLOW_LINKS));
            query("getOwner" + on, f -> Files.getOwner(f.path(n)));
            query("readAttributes-basic" + on, f -> Files.readAttributes(f.path(n), BasicFileAttributes.class));
            query(
                    "readAttributes-posix-nofollow" + on,
                    f -> Files.readAttributes(f.path(n), PosixFileAttributes.class, NOFOLLOW_LINKS));
            query("readAttributes-star" + on, f -> Files.readAttributes(f.path(n), "*"));
            query("readAttributes-posix-star" + on, f -> Files.readAttributes(f.path(n), "posix:*"));
            query(
                    "readAttributes-unix-star-nofollow" + on,
                    f -> Files.readAttributes(f.path(n), "unix:*", NOFOLLOW_LINKS));
            query("readAttributes-some" + on, f -> Files.readAttributes(f.path(n), "basic:size,isDirectory"));
            query("readAttributes-unknown-view" + on, f -> Files.readAttributes(f.path(n), "bogus:*"));
            query("getAttribute-permissions" + on, f -> Files.getAttribute(f.path(n), "posix:permissions"));
            query("getAttribute-nlink" + on, f -> Files.getAttribute(f.path(n), "unix:nlink"));
            query("readAllBytes" + on, f -> Files.readAllBytes(f.path(n)));
            query("readString" + on, f -> Files.readString(f.path(n)));
            query("readAllLines" + on, f -> Files.readAllLines(f.path(n)));
            query("lines" + on, f -> Files.lines(f.path(n)));
            query("newBufferedReader" + on, f -> {
                try (BufferedReader reader = Files.newBufferedReader(f.path(n))) {
                    return reader.readLine();
                }
            });
            query("newInputStream" + on, f -> {
                try (InputStream in = Files.newInputStream(f.path(n))) {
                    return in.readAllBytes();
                }
            });
            query("newInputStream-nofollow" + on, f -> {
                try (InputStream in = Files.newInputStream(f.path(n), NOFOLLOW_LINKS)) {
                    return in.readAllBytes();
                }
            });
            query("list" + on, f -> Files.list(f.path(n)));
            query("walk" + on, f -> Files.walk(f.path(n)));
            query("walk-follow" + on, f -> Files.walk(f.path(n), FileVisitOption.FOLLOW_LINKS));
            query("walk-depth1" + on, f -> Files.walk(f.path(n), 1));
            query("find" + on, f -> Files.find(f.path(n), 3, (p, a) -> a.isRegularFile()));
            query("walkFileTree" + on, f -> visit(f.path(n), Set.of()));
            query("walkFileTree-follow" + on, f -> visit(f.path(n), Set.of(FileVisitOption.FOLLOW_LINKS)));
            query("newDirectoryStream" + on, f -> Files.newDirectoryStream(f.path(n)));
            query("newDirectoryStream-glob" + on, f -> Files.newDirectoryStream(f.path(n), "*e*"));
            query("newDirectoryStream-bad-glob" + on, f -> Files.newDirectoryStream(f.path(n), "[z"));
            query(
                    "newDirectoryStream-throwing-filter" + on,
                    f -> Files.newDirectoryStream(f.path(n), p -> {
                        throw new IOException("filter refused " + p.getFileName());
                    }));
            query("secureDirectoryStream" + on, f -> secureQueries(f.path(n)));
            query("isSameFile-file" + on, f -> Files.isSameFile(f.path(n), f.path("file")));
            query("isSameFile-link" + on, f -> Files.isSameFile(f.path(n), f.path("link")));
            query("isSameFile-self" + on, f -> Files.isSameFile(f.path(n), f.path(n)));
            query("mismatch-file" + on, f -> Files.mismatch(f.path(n), f.path("file")));
            query("readSymbolicLink" + on, f -> Files.readSymbolicLink(f.path(n)));
            query("toRealPath" + on, f -> f.path(n).toRealPath());
            query("toRealPath-nofollow" + on, f -> f.path(n).toRealPath(NOFOLLOW_LINKS));
            query("getFileStore" + on, f -> Files.getFileStore(f.path(n)));
            query("newByteChannel-read" + on, f -> read(Files.newByteChannel(f.path(n))));
            query(
                    "newByteChannel-read-nofollow" + on,
                    f -> read(Files.newByteChannel(f.path(n), Set.of(READ, NOFOLLOW_LINKS))));
            query("FileChannel.open" + on, f -> read(FileChannel.open(f.path(n))));
            query("AsynchronousFileChannel.open" + on, f -> {
                try (AsynchronousFileChannel channel = AsynchronousFileChannel.open(f.path(n))) {
                    return channel.size();
                }
            });
            for (AccessMode[] modes : List.of(
                    new AccessMode[0],
                    new AccessMode[] {AccessMode.READ},
                    new AccessMode[] {AccessMode.WRITE},
                    new AccessMode[] {AccessMode.EXECUTE})) {
                query("checkAccess" + Arrays.toString(modes) + on, f -> {
                    f.path(n).getFileSystem().provider().checkAccess(f.path(n), modes);
                    return "accessible";
                });
            }
            query(
                    "posixView" + on,
                    f -> Files.getFileAttributeView(f.path(n), PosixFileAttributeView.class)
                            .readAttributes());
            query(
                    "posixView-nofollow" + on,
                    f -> Files.getFileAttributeView(f.path(n), PosixFileAttributeView.class, NOFOLLOW_LINKS)
                            .readAttributes());
            query("provider.exists" + on, f -> jdk20(f, "exists", n, new LinkOption[0]));
            query("provider.exists-nofollow" + on, f -> jdk20(f, "exists", n, new LinkOption[] {NOFOLLOW_LINKS}));
            query(
                    "provider.readAttributesIfExists" + on,
                    f -> jdk20(f, "readAttributesIfExists", n, new LinkOption[0]));
            query(
                    "provider.readAttributesIfExists-nofollow" + on,
                    f -> jdk20(f, "readAttributesIfExists", n, new LinkOption[] {NOFOLLOW_LINKS}));
            query(
                    "toUri-round-trip" + on,
                    f -> Path.of(f.path(n).toUri()).equals(f.path(n).toAbsolutePath()));
            query("toFile" + on, f -> f.path(n).toFile().getPath());
        }
    }

    private static String read(SeekableByteChannel channel) throws IOException {
        try (channel) {
            ByteBuffer buffer = ByteBuffer.allocate(64);
            int read = channel.read(buffer);
            return "size=" + channel.size() + " read=" + read + " position=" + channel.position();
        }
    }

    /** The events of a walk, in order: what a FileVisitor sees. */
    private static List<String> visit(Path start, Set<FileVisitOption> options) throws IOException {
        List<String> events = new ArrayList<>();
        Files.walkFileTree(start, options, 4, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                events.add("enter " + start.relativize(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                events.add("file " + start.relativize(file) + (attrs.isSymbolicLink() ? " (link)" : ""));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                events.add(
                        "failed " + start.relativize(file) + " " + e.getClass().getSimpleName());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) {
                events.add("leave " + start.relativize(dir)
                        + (e == null ? "" : " " + e.getClass().getSimpleName()));
                return FileVisitResult.CONTINUE;
            }
        });
        events.sort(null);
        return events;
    }

    /** What a SecureDirectoryStream of {@code dir} offers, read only; "not secure" where the stream is not. */
    private static Object secureQueries(Path dir) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                return "not secure";
            }
            Map<String, Object> seen = new java.util.TreeMap<>();
            for (Path entry : secure) {
                Path name = entry.getFileName();
                seen.put(name + " path", entry);
                seen.put(
                        name + " attributes",
                        secure.getFileAttributeView(name, BasicFileAttributeView.class, NOFOLLOW_LINKS)
                                .readAttributes());
                if (name.toString().equals("dir")) {
                    try (SecureDirectoryStream<Path> inner = secure.newDirectoryStream(name)) {
                        for (Path innerEntry : inner) {
                            seen.put(name + "/" + innerEntry.getFileName(), innerEntry);
                        }
                    }
                }
            }
            seen.put(
                    ". attributes",
                    secure.getFileAttributeView(BasicFileAttributeView.class).readAttributes());
            return seen;
        }
    }

    /** JDK 20's {@code FileSystemProvider.exists} and {@code readAttributesIfExists}; "absent" before. */
    private static Object jdk20(Fixture f, String method, String name, LinkOption[] options) throws Throwable {
        Path path = f.path(name);
        FileSystemProvider provider = path.getFileSystem().provider();
        try {
            if (method.equals("exists")) {
                return FileSystemProvider.class
                        .getMethod(method, Path.class, LinkOption[].class)
                        .invoke(provider, path, options);
            }
            return FileSystemProvider.class
                    .getMethod(method, Path.class, Class.class, LinkOption[].class)
                    .invoke(provider, path, BasicFileAttributes.class, options);
        } catch (NoSuchMethodException e) {
            return "absent before JDK 20";
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    // ------------------------------------------------------------------ changes

    private void changes() {
        FileTime later = FileTime.fromMillis(Fixture.EPOCH.toMillis() + 86_400_000L);
        for (String n : names()) {
            String on = "(" + n + ")";
            change("delete" + on, f -> {
                Files.delete(f.path(n));
                return "deleted";
            });
            change("deleteIfExists" + on, f -> Files.deleteIfExists(f.path(n)));
            change("createFile" + on, f -> Files.createFile(f.path(n)));
            change(
                    "createFile-mode" + on,
                    f -> Files.createFile(
                            f.path(n),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))));
            change("createDirectory" + on, f -> Files.createDirectory(f.path(n)));
            change("createDirectories" + on, f -> Files.createDirectories(f.path(n)));
            change(
                    "createSymbolicLink" + on,
                    f -> Files.createSymbolicLink(
                            f.path(n), f.path(n).getFileSystem().getPath("file")));
            change("createLink-to-file" + on, f -> Files.createLink(f.path(n), f.path("file")));
            change("createLink-of" + on, f -> Files.createLink(f.path("hardlink"), f.path(n)));
            change("write" + on, f -> Files.write(f.path(n), bytes("written\n")));
            change("write-append" + on, f -> Files.write(f.path(n), bytes("more\n"), APPEND));
            change("write-create-new" + on, f -> Files.write(f.path(n), bytes("new\n"), CREATE_NEW, WRITE));
            change("write-no-truncate" + on, f -> Files.write(f.path(n), bytes("W"), CREATE, WRITE));
            change("write-nofollow" + on, f -> Files.write(f.path(n), bytes("x"), WRITE, NOFOLLOW_LINKS));
            change("writeString" + on, f -> Files.writeString(f.path(n), "string\n"));
            change("write-lines" + on, f -> Files.write(f.path(n), List.of("one", "two")));
            change("newOutputStream" + on, f -> {
                try (OutputStream out = Files.newOutputStream(f.path(n))) {
                    out.write(bytes("stream\n"));
                }
                return "written";
            });
            change("newBufferedWriter-append" + on, f -> {
                try (BufferedWriter out = Files.newBufferedWriter(f.path(n), CREATE, APPEND)) {
                    out.write("appended\n");
                }
                return "written";
            });
            change(
                    "newByteChannel-create-new-mode" + on,
                    f -> write(Files.newByteChannel(
                            f.path(n),
                            Set.of(CREATE_NEW, WRITE),
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))));
            change(
                    "newByteChannel-truncate" + on,
                    f -> write(Files.newByteChannel(f.path(n), Set.of(WRITE, TRUNCATE_EXISTING))));
            change(
                    "newByteChannel-delete-on-close" + on,
                    f -> read(Files.newByteChannel(f.path(n), Set.of(READ, DELETE_ON_CLOSE))));
            change("FileChannel-read-write" + on, f -> write(FileChannel.open(f.path(n), READ, WRITE)));
            change(
                    "setPosixFilePermissions" + on,
                    f -> Files.setPosixFilePermissions(f.path(n), PosixFilePermissions.fromString("rwx------")));
            change("setLastModifiedTime" + on, f -> Files.setLastModifiedTime(f.path(n), later));
            change("setTimes-nofollow" + on, f -> {
                Files.getFileAttributeView(f.path(n), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                        .setTimes(later, null, null);
                return "set";
            });
            change(
                    "setAttribute-permissions" + on,
                    f -> Files.setAttribute(
                            f.path(n), "posix:permissions", PosixFilePermissions.fromString("rw-rw-rw-")));
            change(
                    "setAttribute-mode-nofollow" + on,
                    f -> Files.setAttribute(f.path(n), "unix:mode", 0600, NOFOLLOW_LINKS));
            change("setOwner-same" + on, f -> Files.setOwner(f.path(n), Files.getOwner(f.path("file"))));
            change("createTempFile" + on, f -> temporary(Files.createTempFile(f.path(n), "pre", ".suf")));
            change("createTempDirectory" + on, f -> temporary(Files.createTempDirectory(f.path(n), "pre")));
            change(
                    "secure-deleteFile" + on,
                    f -> secure(f.root(), s -> {
                        s.deleteFile(relative(f, n));
                        return null;
                    }));
            change(
                    "secure-deleteDirectory" + on,
                    f -> secure(f.root(), s -> {
                        s.deleteDirectory(relative(f, n));
                        return null;
                    }));
            change(
                    "secure-move" + on,
                    f -> secure(f.root(), s -> {
                        s.move(relative(f, n), s, relative(f, "moved"));
                        return null;
                    }));
            change(
                    "secure-newByteChannel-write" + on,
                    f -> secure(f.root(), s -> write(s.newByteChannel(relative(f, n), Set.of(WRITE, CREATE)))));
            change("MoreFiles.deleteRecursively" + on, f -> {
                MoreFiles.deleteRecursively(f.path(n));
                return "deleted";
            });
            change("MoreFiles.deleteDirectoryContents-insecure-allowed" + on, f -> {
                MoreFiles.deleteDirectoryContents(f.path(n), RecursiveDeleteOption.ALLOW_INSECURE);
                return "deleted";
            });
        }
        change("watchService-create-event", f -> {
            try (WatchService watcher = f.root().getFileSystem().newWatchService()) {
                WatchKey key = f.root().register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
                Files.createFile(f.root().resolve("watched"));
                WatchKey signalled = watcher.poll(20, TimeUnit.SECONDS);
                List<Object> seen = new ArrayList<>();
                seen.add(signalled == key);
                for (WatchEvent<?> event : signalled.pollEvents()) {
                    seen.add(event.kind().name() + " " + event.context());
                    seen.add(event.context() instanceof Path p
                            && p.getFileSystem() == f.root().getFileSystem());
                }
                seen.add(signalled.watchable());
                return seen;
            }
        });
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String write(SeekableByteChannel channel) throws IOException {
        try (channel) {
            int written = channel.write(ByteBuffer.wrap(bytes("channel\n")));
            return "wrote=" + written + " size=" + channel.size();
        }
    }

    /** A temporary file's directory and that it exists; its name is random. */
    private static List<Object> temporary(Path created) {
        return List.of(
                created.getParent(),
                Files.exists(created),
                created.getFileName().toString().startsWith("pre"));
    }

    private static Path relative(Fixture f, String name) throws IOException {
        return f.root().relativize(f.path(name));
    }

    @FunctionalInterface
    private interface SecureAction {
        Object run(SecureDirectoryStream<Path> stream) throws IOException;
    }

    private static Object secure(Path dir, SecureAction action) throws IOException {
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            if (!(stream instanceof SecureDirectoryStream<Path> secure)) {
                return "not secure";
            }
            Object result = action.run(secure);
            return result == null ? "done" : result;
        }
    }

    // ------------------------------------------------------------------ copies and moves

    private void copiesAndMoves() {
        for (String source : COPY_SOURCES) {
            if (!realFileSystem && source.equals(Fixture.NON_UTF8)) {
                continue;
            }
            for (String target : COPY_TARGETS) {
                for (CopyOption[] options : COPY_OPTIONS) {
                    change(
                            "copy(" + source + ", " + target + ", " + Arrays.toString(options) + ")",
                            f -> Files.copy(f.path(source), f.path(target), options));
                }
                for (CopyOption[] options : MOVE_OPTIONS) {
                    change(
                            "move(" + source + ", " + target + ", " + Arrays.toString(options) + ")",
                            f -> Files.move(f.path(source), f.path(target), options));
                }
            }
        }
        for (CopyOption[] options : List.of(
                new CopyOption[] {ExtendedCopyOption.INTERRUPTIBLE},
                new CopyOption[] {null},
                new CopyOption[] {REPLACE_EXISTING, REPLACE_EXISTING},
                new CopyOption[] {REPLACE_EXISTING, ExtendedCopyOption.INTERRUPTIBLE, COPY_ATTRIBUTES})) {
            for (String target : List.of("new", "file")) {
                change(
                        "copy(file, " + target + ", " + Arrays.toString(options) + ")",
                        f -> Files.copy(f.path("file"), f.path(target), options));
                change(
                        "move(file, " + target + ", " + Arrays.toString(options) + ")",
                        f -> Files.move(f.path("file"), f.path(target), options));
            }
        }
        change("copy(file, file)", f -> Files.copy(f.path("file"), f.path("file")));
        change(
                "copy(file, link, REPLACE_EXISTING) same file",
                f -> Files.copy(f.path("file"), f.path("link"), REPLACE_EXISTING));
        change(
                "copy(link, file, NOFOLLOW_LINKS, REPLACE_EXISTING)",
                f -> Files.copy(f.path("link"), f.path("file"), NOFOLLOW_LINKS, REPLACE_EXISTING));
        change("move(dir, dir/sub/moved)", f -> Files.move(f.path("dir"), f.path("dir/sub/moved")));
        change("copy(InputStream, new)", f -> {
            try (InputStream in = Files.newInputStream(f.path("file"))) {
                return Files.copy(in, f.path("new"));
            }
        });
        change("copy(InputStream, file, REPLACE_EXISTING)", f -> {
            try (InputStream in = Files.newInputStream(f.path("dir/inner"))) {
                return Files.copy(in, f.path("file"), REPLACE_EXISTING);
            }
        });
        change("copy(InputStream, file)", f -> {
            try (InputStream in = Files.newInputStream(f.path("dir/inner"))) {
                return Files.copy(in, f.path("file"));
            }
        });
        change("copy(file, OutputStream)", f -> Files.copy(f.path("file"), OutputStream.nullOutputStream()));
        change("copy(dir, OutputStream)", f -> Files.copy(f.path("dir"), OutputStream.nullOutputStream()));
    }

    // ------------------------------------------------------------------ paths

    private void paths() {
        List<String> texts = List.of(
                "",
                "/",
                "a",
                "a/b",
                "/a/b/",
                "a//b",
                "./a/../b",
                "..",
                "/x/..",
                "\u00fcn\u00efc\u00f8d\u00e9/\u65e5\u672c",
                "a b/c%20d",
                "#?");
        for (String s : texts) {
            String on = "(\"" + Describe.escape(s) + "\")";
            query("getPath" + on, f -> p(f, s));
            query("getFileName" + on, f -> p(f, s).getFileName());
            query("getParent" + on, f -> p(f, s).getParent());
            query("getRoot" + on, f -> p(f, s).getRoot());
            query("getNameCount" + on, f -> p(f, s).getNameCount());
            query("getName(0)" + on, f -> p(f, s).getName(0));
            query("getName(5)" + on, f -> p(f, s).getName(5));
            query("subpath(0,1)" + on, f -> p(f, s).subpath(0, 1));
            query("subpath(1,0)" + on, f -> p(f, s).subpath(1, 0));
            query("isAbsolute" + on, f -> p(f, s).isAbsolute());
            query("normalize" + on, f -> p(f, s).normalize());
            query("toAbsolutePath" + on, f -> p(f, s).toAbsolutePath());
            query("toUri-path" + on, f -> p(f, s).toUri().getRawPath());
            query("toUri-round-trip" + on, f -> Path.of(p(f, s).toUri()).equals(p(f, s).toAbsolutePath()));
            query("toFile" + on, f -> p(f, s).toFile().getPath());
            query("iterator" + on, f -> p(f, s).iterator());
            query("toString" + on, f -> p(f, s).toString());
            query("startsWith-string" + on, f -> p(f, s).startsWith("a"));
            query("endsWith-string" + on, f -> p(f, s).endsWith("b"));
            query("hashCode-stable" + on, f -> p(f, s).hashCode() == p(f, s).hashCode());
            query("resolve-foreign" + on, f -> p(f, s).resolve(foreign(f)));
            query("relativize-foreign" + on, f -> p(f, s).relativize(foreign(f)));
            query("startsWith-foreign" + on, f -> p(f, s).startsWith(foreign(f)));
            query("compareTo-foreign" + on, f -> p(f, s).compareTo(foreign(f)));
            query("equals-foreign" + on, f -> p(f, s).equals(foreign(f)));
            for (String t : texts) {
                String pair = "(\"" + Describe.escape(s) + "\", \"" + Describe.escape(t) + "\")";
                query("resolve" + pair, f -> p(f, s).resolve(p(f, t)));
                query("resolve-string" + pair, f -> p(f, s).resolve(t));
                query("resolveSibling" + pair, f -> p(f, s).resolveSibling(p(f, t)));
                query("relativize" + pair, f -> p(f, s).relativize(p(f, t)));
                query("startsWith" + pair, f -> p(f, s).startsWith(p(f, t)));
                query("endsWith" + pair, f -> p(f, s).endsWith(p(f, t)));
                query("equals" + pair, f -> p(f, s).equals(p(f, t)));
                query("compareTo" + pair, f -> Integer.signum(p(f, s).compareTo(p(f, t))));
            }
        }
    }

    private static Path p(Fixture f, String text) {
        return f.root().getFileSystem().getPath(text);
    }

    /** A path of another file system than the one under test: the platform's or, for it, a zip file system's. */
    private static Path foreign(Fixture f) throws IOException {
        return ForeignPaths.of(f.root());
    }

    // ------------------------------------------------------------------ file system and provider

    private void fileSystemAndProvider() {
        query("getSeparator", f -> f.root().getFileSystem().getSeparator());
        query("isOpen", f -> f.root().getFileSystem().isOpen());
        query("isReadOnly", f -> f.root().getFileSystem().isReadOnly());
        query(
                "getRootDirectories",
                f -> java.util.stream.StreamSupport.stream(
                                f.root().getFileSystem().getRootDirectories().spliterator(), false)
                        .toList());
        query(
                "getFileStores-any",
                f -> f.root().getFileSystem().getFileStores().iterator().hasNext());
        query(
                "supportedFileAttributeViews",
                f -> f.root().getFileSystem().supportedFileAttributeViews().stream()
                        .sorted()
                        .toList());
        for (String pattern : List.of(
                "glob:*",
                "glob:**",
                "glob:*.txt",
                "glob:{a,b}*",
                "glob:[",
                "regex:a.*",
                "regex:(",
                "GLOB:*",
                "bogus:x",
                "nocolon",
                "glob:")) {
            for (String path : List.of("a", "a.txt", "dir/a.txt", "b")) {
                query(
                        "getPathMatcher(" + pattern + ").matches(" + path + ")",
                        f -> f.root().getFileSystem().getPathMatcher(pattern).matches(p(f, path)));
            }
            query(
                    "getPathMatcher(" + pattern + ").matches(foreign)",
                    f -> f.root().getFileSystem().getPathMatcher(pattern).matches(foreign(f)));
        }
        for (String user : List.of("root", "nobody", "no-such-user-here", "0", "65534")) {
            query(
                    "lookupPrincipalByName(" + user + ")",
                    f -> f.root()
                            .getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByName(user));
            query(
                    "lookupPrincipalByGroupName(" + user + ")",
                    f -> f.root()
                            .getFileSystem()
                            .getUserPrincipalLookupService()
                            .lookupPrincipalByGroupName(user));
        }
        query("provider.getFileSystem(own URI)", f -> provider(f).getFileSystem(rootUri(f)));
        query("provider.newFileSystem(own URI)", f -> {
            try (FileSystem created = provider(f).newFileSystem(rootUri(f), Map.of())) {
                return "created " + new Describe(f.root()).outcome(created) + ", closed";
            }
        });
        query("provider.getPath(toUri)", f -> provider(f).getPath(f.path("file").toUri()));
        query(
                "provider.getPath(toUri).equals",
                f -> provider(f)
                        .getPath(f.path("file").toUri())
                        .equals(f.path("file").toAbsolutePath()));
        query("provider.newFileSystem(path)", f -> provider(f).newFileSystem(f.path("file"), Map.of()));
        query("provider.isSameFile(link, file)", f -> provider(f).isSameFile(f.path("link"), f.path("file")));
        query("provider.isSameFile(file, foreign)", f -> provider(f).isSameFile(f.path("file"), foreign(f)));
        query("provider.checkAccess(foreign)", f -> {
            provider(f).checkAccess(foreign(f));
            return "accessible";
        });
        query("Files.copy(file, foreign)", f -> Files.copy(f.path("file"), foreign(f)));
        query("FileSystems.newFileSystem(zip)", f -> {
            Path zip = f.root().resolveSibling(f.root().getFileName() + ".zip");
            writeZip(zip);
            try (FileSystem zipfs = FileSystems.newFileSystem(zip)) {
                Path inside = zipfs.getPath("/entry");
                return List.of(Files.readString(inside), zipfs.provider().getScheme());
            } finally {
                Files.delete(zip);
            }
        });
        change("getFileStore-attributes", f -> {
            var store = Files.getFileStore(f.root());
            return List.of(
                    store.type(),
                    store.isReadOnly(),
                    store.supportsFileAttributeView("posix"),
                    store.supportsFileAttributeView(BasicFileAttributeView.class),
                    store.getTotalSpace() > 0);
        });
    }

    private static FileSystemProvider provider(Fixture f) {
        return f.root().getFileSystem().provider();
    }

    private static URI rootUri(Fixture f) {
        return URI.create(provider(f).getScheme() + ":///");
    }

    private static void writeZip(Path zip) throws IOException {
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            out.putNextEntry(new ZipEntry("entry"));
            out.write(bytes("zipped"));
            out.closeEntry();
        }
    }

    // ------------------------------------------------------------------ nulls, by reflection

    /**
     * Every public method of Files, Path, FileSystem and FileSystemProvider that takes a reference,
     * called with valid arguments but one null, for each argument, and with a null inside each
     * array argument: each must throw what the platform throws, at the same place.
     */
    private void nulls() {
        addNulls("Files.", Files.class, null);
        addNulls("Path.", Path.class, f -> f.path("file"));
        addNulls("FileSystem.", FileSystem.class, f -> f.root().getFileSystem());
        addNulls("FileSystemProvider.", FileSystemProvider.class, Corpus::provider);
    }

    @FunctionalInterface
    private interface Receiver {
        Object of(Fixture f) throws IOException;
    }

    private void addNulls(String prefix, Class<?> type, Receiver receiver) {
        List<Method> methods = new ArrayList<>();
        for (Method method : type.getMethods()) {
            boolean isStatic = java.lang.reflect.Modifier.isStatic(method.getModifiers());
            if (method.getDeclaringClass() == Object.class
                    || (receiver == null) != isStatic
                    || Arrays.stream(method.getParameterTypes()).allMatch(Class::isPrimitive)
                    || Set.of("close", "installedProviders").contains(method.getName())) {
                continue;
            }
            methods.add(method);
        }
        methods.sort((a, b) -> a.toGenericString().compareTo(b.toGenericString()));
        for (Method method : methods) {
            Class<?>[] parameters = method.getParameterTypes();
            String signature = prefix
                    + method.getName()
                    + Arrays.stream(parameters).map(Class::getSimpleName).toList();
            for (int i = 0; i < parameters.length; i++) {
                // a null Modifier array, or a null in it, makes the JDK's own watch service hang in
                // register (its poller thread dies), so those two are left out
                if (parameters[i].isPrimitive() || parameters[i] == WatchEvent.Modifier[].class) {
                    continue;
                }
                int nullAt = i;
                change(signature + " null at " + i, f -> invoke(f, receiver, method, nullAt, false));
                if (parameters[i].isArray() && !parameters[i].getComponentType().isPrimitive()) {
                    change(signature + " [null] at " + i, f -> invoke(f, receiver, method, nullAt, true));
                }
            }
        }
    }

    private static Object invoke(Fixture f, Receiver receiver, Method method, int nullAt, boolean nullInArray)
            throws Throwable {
        Class<?>[] parameters = method.getParameterTypes();
        Object[] arguments = new Object[parameters.length];
        int paths = 0;
        for (int i = 0; i < parameters.length; i++) {
            Class<?> type = parameters[i];
            if (i == nullAt && !nullInArray) {
                arguments[i] = null;
            } else if (i == nullAt) {
                arguments[i] = java.lang.reflect.Array.newInstance(type.getComponentType(), 1);
            } else {
                arguments[i] = Arguments.valid(f, method, type, paths);
            }
            if (type == Path.class) {
                paths++;
            }
        }
        Object result;
        try {
            result = method.invoke(receiver == null ? null : receiver.of(f), arguments);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
        if (result instanceof Path created && method.getName().startsWith("createTemp")) {
            List<Object> what = temporary(created);
            Files.walk(created)
                    .sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
            return what;
        }
        return result;
    }

    // ------------------------------------------------------------------ closing, last

    private void closing() {
        query("close", f -> {
            f.root().getFileSystem().close();
            return "closed";
        });
        query("after close: isOpen", f -> f.root().getFileSystem().isOpen());
        query("after close: getPath", f -> f.root().getFileSystem().getPath("x"));
        query("after close: exists", f -> Files.exists(f.path("file")));
        query("after close: readString", f -> Files.readString(f.path("file")));
        query("after close: newDirectoryStream", f -> Files.newDirectoryStream(f.root()));
        query("after close: toRealPath", f -> f.path("file").toRealPath());
        query("after close: toAbsolutePath", f -> f.path("file").toAbsolutePath());
        query("after close: copy", f -> Files.copy(f.path("file"), f.path("copied")));
        query("after close: newWatchService", f -> f.root().getFileSystem().newWatchService());
        query("after close: getRootDirectories", f -> f.root().getFileSystem().getRootDirectories());
        query("after close: getPathMatcher", f -> f.root().getFileSystem().getPathMatcher("glob:*"));
        query(
                "after close: getUserPrincipalLookupService",
                f -> f.root().getFileSystem().getUserPrincipalLookupService());
        query("after close: close again", f -> {
            f.root().getFileSystem().close();
            return "closed";
        });
    }

    static Collection<String> namesOf(List<Operation> operations) {
        return operations.stream().map(Operation::name).toList();
    }
}
