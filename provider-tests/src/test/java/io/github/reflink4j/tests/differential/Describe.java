package io.github.reflink4j.tests.differential;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.channels.Channel;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.BaseStream;
import java.util.zip.CRC32;

/**
 * What an operation did, as one line of text that is the same on every file system variant when
 * the behaviour is: paths relative to the run's directory and marked when they are not of the
 * file system under test, times as "the fixture's" or "another", exceptions as their class and,
 * for a FileSystemException, the file names and reason. Resources handed out are closed.
 */
final class Describe {
    private final Path base;
    private final String baseText;
    private final String workingDirectory = System.getProperty("user.dir");

    Describe(Path base) {
        this.base = base;
        this.baseText = base.toString();
    }

    String outcome(Object result) {
        try {
            return value(result);
        } catch (RuntimeException e) {
            return "result then " + thrown(e);
        } finally {
            // a file system handed out is described, never closed: it may be the one under test
            if (result instanceof Closeable closeable && !(result instanceof FileSystem)) {
                try {
                    closeable.close();
                } catch (IOException ignored) {
                    // what close says is not part of the outcome; the listing shows what it left
                }
            } else if (result instanceof BaseStream<?, ?> stream) {
                stream.close();
            }
        }
    }

    String thrown(Throwable e) {
        if (e instanceof InvocationTargetException invocation) {
            return thrown(invocation.getCause());
        }
        StringBuilder out = new StringBuilder("throws ").append(e.getClass().getName());
        if (e instanceof FileSystemException fs) {
            out.append("(file=")
                    .append(text(fs.getFile()))
                    .append(", other=")
                    .append(text(fs.getOtherFile()))
                    .append(", reason=")
                    .append(fs.getReason())
                    .append(')');
        } else if (!(e instanceof NullPointerException)) {
            // a NullPointerException's message is the JVM's description of the code that dereferenced
            out.append('(').append(text(e.getMessage())).append(')');
        }
        if (e instanceof UncheckedIOException || e instanceof DirectoryIteratorException) {
            out.append(" caused by ").append(thrown(e.getCause()));
        }
        return out.toString();
    }

    /** Text with the run's directory and the working directory replaced, and non-ASCII escaped. */
    String text(String text) {
        if (text == null) {
            return "null";
        }
        return escape(text.replace(baseText, "$BASE").replace(workingDirectory, "$CWD"))
                .replaceAll("[0-9]{12,}", "#"); // the random part of createTemp* names
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format("\\u%04x", (int) c));
            }
        }
        return out.toString();
    }

    private String value(Object result) {
        if (result == null) {
            return "null";
        }
        if (result instanceof Path path) {
            return path(path);
        }
        if (result instanceof String s) {
            return '"' + text(s) + '"';
        }
        if (result instanceof Boolean
                || result instanceof Number
                || result instanceof Character
                || result instanceof Enum<?>) {
            return result.toString();
        }
        if (result instanceof FileTime time) {
            return time.equals(Fixture.EPOCH) ? "time(fixture)" : "time(other)";
        }
        if (result instanceof byte[] bytes) {
            CRC32 crc = new CRC32();
            crc.update(bytes);
            return "bytes(" + bytes.length + ":" + Long.toHexString(crc.getValue()) + ")";
        }
        if (result instanceof Set<?> set && !set.isEmpty() && set.iterator().next() instanceof PosixFilePermission) {
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> permissions = (Set<PosixFilePermission>) set;
            return "permissions(" + PosixFilePermissions.toString(permissions) + ")";
        }
        if (result instanceof UserPrincipal principal) {
            return (principal instanceof GroupPrincipal ? "group(" : "user(") + principal.getName() + ")";
        }
        if (result instanceof BasicFileAttributes attributes) {
            return attributes(attributes);
        }
        if (result instanceof Map<?, ?> map) {
            TreeMap<String, String> sorted = new TreeMap<>();
            map.forEach((key, value) -> sorted.put(String.valueOf(key), attributeValue(String.valueOf(key), value)));
            return "map" + sorted;
        }
        if (result instanceof DirectoryStream<?> stream) {
            List<String> entries = new ArrayList<>();
            for (Object entry : stream) {
                entries.add(value(entry));
            }
            entries.sort(null);
            return (stream instanceof SecureDirectoryStream ? "secure-stream" : "stream") + entries;
        }
        if (result instanceof BaseStream<?, ?> stream) {
            List<String> entries = new ArrayList<>();
            Iterator<?> iterator = stream.iterator();
            iterator.forEachRemaining(entry -> entries.add(value(entry)));
            entries.sort(null);
            return "stream" + entries;
        }
        if (result instanceof List<?> list) {
            List<String> entries = new ArrayList<>();
            list.forEach(entry -> entries.add(value(entry)));
            return "list" + entries;
        }
        if (result instanceof FileSystem fileSystem) {
            return fileSystem == base.getFileSystem()
                    ? "filesystem(under test)"
                    : "filesystem(other: " + fileSystem.provider().getScheme() + ")";
        }
        if (result instanceof FileStore store) {
            return "store(" + store.type() + ")";
        }
        if (result instanceof PathMatcher) {
            return "path-matcher";
        }
        if (result instanceof WatchService) {
            return "watch-service";
        }
        if (result instanceof WatchKey key) {
            return "watch-key(valid=" + key.isValid() + ", " + value(key.watchable()) + ")";
        }
        if (result instanceof UserPrincipalLookupService) {
            return "lookup-service";
        }
        if (result instanceof FileAttributeView view) {
            return "view(" + view.name() + ")";
        }
        if (result instanceof Channel channel) {
            return "channel(open=" + channel.isOpen() + ")";
        }
        if (result instanceof Iterable<?> iterable) {
            List<String> entries = new ArrayList<>();
            iterable.forEach(entry -> entries.add(value(entry)));
            return "iterable" + entries;
        }
        if (result instanceof Iterator<?> iterator) {
            List<String> entries = new ArrayList<>();
            iterator.forEachRemaining(entry -> entries.add(value(entry)));
            return "iterator" + entries;
        }
        return "object(" + result.getClass().getName() + ")";
    }

    /** A path, marked when it is not of the file system under test (a wrapper handing out an unwrapped path). */
    private String path(Path path) {
        String marker = path.getFileSystem() == base.getFileSystem() ? "path" : "foreign-path";
        return marker + "(" + text(path.toString()) + ")";
    }

    private String attributes(BasicFileAttributes attributes) {
        StringBuilder out = new StringBuilder("attributes(");
        out.append(
                attributes.isRegularFile()
                        ? "file"
                        : attributes.isDirectory()
                                ? "dir"
                                : attributes.isSymbolicLink() ? "link" : attributes.isOther() ? "other" : "?");
        out.append(", size=").append(attributes.isRegularFile() ? attributes.size() : -1);
        out.append(", mtime=").append(value(attributes.lastModifiedTime()));
        if (attributes instanceof PosixFileAttributes posix) {
            out.append(", ")
                    .append(value(posix.permissions()))
                    .append(", ")
                    .append(value(posix.owner()))
                    .append(", ")
                    .append(value(posix.group()));
        }
        return out.append(')').toString();
    }

    /** An attribute's value; those that differ between two copies of the fixture only by their class. */
    private String attributeValue(String name, Object value) {
        return switch (name) {
            case "fileKey", "ino", "dev", "ctime", "creationTime", "lastAccessTime", "rdev" ->
                value == null ? "null" : value.getClass().getSimpleName();
            default -> value(value);
        };
    }
}
