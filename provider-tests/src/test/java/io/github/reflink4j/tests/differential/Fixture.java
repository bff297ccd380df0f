package io.github.reflink4j.tests.differential;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32;

import io.github.reflink4j.ReflinkFileSystem;

/**
 * The small tree every operation of the corpus runs in: files, directories, links that point to a
 * file, a directory, nowhere and themselves, names in UTF-8 and (on real file systems) one that
 * is not UTF-8, and entries without permissions. It is built through the file system under test,
 * and read back ({@link #listing}) through the platform's file system underneath, so that what an
 * operation did is seen from outside the wrapper.
 */
final class Fixture {
    /** Every regular file of the fixture has this modification time; a file that does not was written. */
    static final FileTime EPOCH = FileTime.fromMillis(1_000_000_000_000L);
    /** The one name that is not UTF-8: {@code bad} followed by the byte 0xff. */
    static final String NON_UTF8 = "<non-utf8>";

    /** Names an operation may be given: the fixture's entries and some that do not exist. */
    static List<String> names(boolean realFileSystem) {
        List<String> names = new ArrayList<>(List.of(
                "file",
                "empty",
                "dir",
                "dir/inner",
                "emptydir",
                "link",
                "dirlink",
                "dangling",
                "loop",
                "\u00fcn\u00efc\u00f8d\u00e9",
                "secret",
                "locked",
                "locked/inside",
                "readonly",
                "rodir",
                "rodir/f",
                "missing",
                "missing/child",
                "file/child",
                "dir/..",
                "."));
        if (realFileSystem) {
            names.add(NON_UTF8);
        }
        return names;
    }

    private final Path root;

    private Fixture(Path root) {
        this.root = root;
    }

    /**
     * Builds the fixture in {@code directory}, through the platform's file system underneath (what
     * is tested is what operations do to it, not how it was made); the non-UTF-8 name is copied
     * from {@code nonUtf8}, a file made once by {@link #makeNonUtf8File}, or left out when null.
     */
    static Fixture create(Path directory, Path nonUtf8) throws IOException {
        Path platform = platformView(directory);
        Files.createDirectory(platform);
        write(platform, "file", "hello\n", "rw-r--r--");
        write(platform, "empty", "", "rw-r--r--");
        Files.createDirectory(platform.resolve("dir"));
        write(platform, "dir/inner", "inner\n", "rw-r--r--");
        Files.createDirectory(platform.resolve("dir/sub"));
        Files.createDirectory(platform.resolve("emptydir"));
        Files.createSymbolicLink(
                platform.resolve("link"), platform.getFileSystem().getPath("file"));
        Files.createSymbolicLink(
                platform.resolve("dirlink"), platform.getFileSystem().getPath("dir"));
        Files.createSymbolicLink(
                platform.resolve("dangling"), platform.getFileSystem().getPath("nowhere"));
        Files.createSymbolicLink(
                platform.resolve("loop"), platform.getFileSystem().getPath("loop"));
        write(platform, "\u00fcn\u00efc\u00f8d\u00e9", "unicode\n", "rw-r--r--");
        write(platform, "secret", "secret\n", "---------");
        Files.createDirectory(platform.resolve("locked"));
        write(platform, "locked/inside", "inside\n", "rw-r--r--");
        Files.setPosixFilePermissions(platform.resolve("locked"), Set.of());
        write(platform, "readonly", "readonly\n", "r--r--r--");
        Files.createDirectory(platform.resolve("rodir"));
        write(platform, "rodir/f", "f\n", "rw-r--r--");
        Files.setPosixFilePermissions(platform.resolve("rodir"), PosixFilePermissions.fromString("r-xr-xr-x"));
        if (nonUtf8 != null) {
            Path copy = platform.resolve(nonUtf8.getFileName());
            Files.copy(nonUtf8, copy);
            Files.setLastModifiedTime(copy, EPOCH);
        }
        return new Fixture(directory);
    }

    /**
     * A file named {@code bad} and the byte 0xff in {@code directory}, made by the shell since Java
     * cannot spell that name in a String here; its platform path, whose bytes are the name's.
     */
    static Path makeNonUtf8File(Path directory) throws IOException {
        Path platform = platformView(directory);
        Files.createDirectories(platform);
        Process shell = new ProcessBuilder("sh", "-c", "printf 'bytes\\n' > \"$(printf 'bad\\377')\"")
                .directory(new java.io.File(platform.toString()))
                .inheritIO()
                .start();
        try {
            if (shell.waitFor() != 0) {
                throw new IOException("sh could not create the non-UTF-8 name in " + directory);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(platform)) {
            for (Path entry : entries) {
                if (entry.getFileName().toString().startsWith("bad")) {
                    return entry;
                }
            }
        }
        throw new IOException("the shell made no non-UTF-8 name in " + directory);
    }

    private static void write(Path directory, String name, String content, String permissions) throws IOException {
        Path file = directory.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, EPOCH);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(permissions));
    }

    /** The path of {@code name} in the file system under test; the non-UTF-8 name is found by listing. */
    Path path(String name) throws IOException {
        if (!name.equals(NON_UTF8)) {
            return root.resolve(name);
        }
        try (DirectoryStream<Path> entries =
                Files.newDirectoryStream(root, p -> p.toString().endsWith("\uFFFD"))) {
            for (Path entry : entries) {
                return entry;
            }
        }
        throw new IOException("no non-UTF-8 name in " + root);
    }

    Path root() {
        return root;
    }

    /** The same directory seen through the file system a reflink file system wraps, or itself. */
    static Path platformView(Path path) {
        FileSystem fileSystem = path.getFileSystem();
        return fileSystem instanceof ReflinkFileSystem reflink
                ? reflink.delegate().getPath(path.toString())
                : path;
    }

    /**
     * Every entry under {@code directory}, seen through the platform's file system: name, type,
     * permissions, size and checksum, link target, and whether the modification time is still
     * the fixture's.
     */
    static String listing(Path directory) {
        TreeMap<String, String> entries = new TreeMap<>();
        list(platformView(directory), "", entries);
        StringBuilder out = new StringBuilder();
        entries.forEach(
                (name, what) -> out.append(name).append('=').append(what).append(' '));
        return out.toString().trim();
    }

    private static void list(Path directory, String prefix, TreeMap<String, String> entries) {
        try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
            for (Path child : children) {
                String name = prefix + Describe.escape(child.getFileName().toString());
                PosixFileAttributes attributes =
                        Files.readAttributes(child, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String permissions = PosixFilePermissions.toString(attributes.permissions());
                if (attributes.isSymbolicLink()) {
                    entries.put(
                            name,
                            "link->"
                                    + Describe.escape(
                                            Files.readSymbolicLink(child).toString()));
                } else if (attributes.isDirectory()) {
                    entries.put(name, "dir:" + permissions);
                    list(child, name + "/", entries);
                } else {
                    entries.put(
                            name,
                            "file:" + permissions + ":" + attributes.size() + ":" + checksum(child)
                                    + (attributes.lastModifiedTime().equals(EPOCH) ? ":epoch" : ":written"));
                }
            }
        } catch (IOException e) {
            entries.put(
                    prefix.isEmpty() ? "." : prefix,
                    "unlistable(" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String checksum(Path file) {
        try {
            CRC32 crc = new CRC32();
            crc.update(Files.readAllBytes(file));
            return Long.toHexString(crc.getValue());
        } catch (IOException e) {
            return "unreadable";
        }
    }

    /** Removes {@code directory} through the platform's file system, opening locked directories first. */
    static void delete(Path directory) throws IOException {
        Path platform = platformView(directory);
        if (!Files.exists(platform, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(platform, LinkOption.NOFOLLOW_LINKS)) {
            Files.setPosixFilePermissions(
                    platform,
                    Set.of(
                            PosixFilePermission.OWNER_READ,
                            PosixFilePermission.OWNER_WRITE,
                            PosixFilePermission.OWNER_EXECUTE));
            try (DirectoryStream<Path> children = Files.newDirectoryStream(platform)) {
                for (Path child : children) {
                    delete(child);
                }
            }
        }
        Files.delete(platform);
    }
}
