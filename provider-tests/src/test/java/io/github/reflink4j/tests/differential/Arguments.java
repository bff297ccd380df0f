package io.github.reflink4j.tests.differential;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitor;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.BiPredicate;
import java.util.function.Consumer;

/** A valid argument of each parameter type of the NIO API, for calls that make one other argument null. */
final class Arguments {
    private Arguments() {}

    /** A valid value for a parameter of {@code type} of {@code method}; {@code pathIndex} counts the Path parameters before it. */
    static Object valid(Fixture f, Method method, Class<?> type, int pathIndex) throws IOException {
        String name = method.getName();
        if (type == Path.class) {
            return f.path(pathIndex == 0 ? "file" : pathIndex == 1 ? "new" : "new" + pathIndex);
        }
        if (type.isArray()) {
            if (type.getComponentType() == WatchEvent.Kind.class) {
                return new WatchEvent.Kind<?>[] {StandardWatchEventKinds.ENTRY_CREATE};
            }
            return java.lang.reflect.Array.newInstance(type.getComponentType(), 0);
        }
        if (type == String.class) {
            return switch (name) {
                case "readAttributes", "getAttribute" -> "basic:size";
                case "setAttribute" -> "basic:lastModifiedTime";
                case "newDirectoryStream" -> "*";
                case "getPathMatcher" -> "glob:*";
                case "createTempFile", "createTempDirectory" -> "pre";
                default -> "x";
            };
        }
        if (type == CharSequence.class) {
            return "text";
        }
        if (type == Object.class) {
            return name.equals("setAttribute") ? Fixture.EPOCH : f.path("file");
        }
        if (type == Charset.class) {
            return StandardCharsets.UTF_8;
        }
        if (type == Iterable.class) {
            return List.of("line");
        }
        if (type == Class.class) {
            return name.contains("View") ? BasicFileAttributeView.class : BasicFileAttributes.class;
        }
        if (type == FileVisitor.class) {
            return new SimpleFileVisitor<Path>() {};
        }
        if (type == Set.class) {
            return switch (name) {
                case "setPosixFilePermissions" -> PosixFilePermissions.fromString("rw-------");
                case "walkFileTree" -> EnumSet.noneOf(FileVisitOption.class);
                default -> Set.of(StandardOpenOption.READ);
            };
        }
        if (type == FileTime.class) {
            return Fixture.EPOCH;
        }
        if (type == UserPrincipal.class) {
            return java.nio.file.Files.getOwner(f.path("file"));
        }
        if (type == BiPredicate.class) {
            return (BiPredicate<Path, BasicFileAttributes>) (p, a) -> true;
        }
        if (type == InputStream.class) {
            return new ByteArrayInputStream("input\n".getBytes(StandardCharsets.UTF_8));
        }
        if (type == OutputStream.class) {
            return OutputStream.nullOutputStream();
        }
        if (type == DirectoryStream.Filter.class) {
            return (DirectoryStream.Filter<Path>) entry -> true;
        }
        if (type == Consumer.class) {
            return (Consumer<Object>) x -> {};
        }
        if (type == URI.class) {
            return f.path("file").toUri();
        }
        if (type == Map.class) {
            return Map.of();
        }
        if (type == ExecutorService.class) {
            return null; // null is the valid "use the default pool"
        }
        if (type == WatchService.class) {
            return f.root().getFileSystem().newWatchService();
        }
        if (type == ClassLoader.class) {
            return Arguments.class.getClassLoader();
        }
        if (type == int.class) {
            return 1;
        }
        if (type == long.class) {
            return 0L;
        }
        if (type == boolean.class) {
            return false;
        }
        throw new IllegalArgumentException("no valid argument of type " + type.getName() + " for " + method);
    }
}
