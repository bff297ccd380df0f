package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The "nothing lost" invariants of a failed copy, checked against a snapshot taken before it:
 * every entry below the watched directories (name, type, size, SHA-256 of a regular file's
 * bytes, inode) and this JVM's open descriptors. Afterwards: what was there is there unchanged
 * (an existing target may instead be wholly new, with the expected bytes), nothing appeared but
 * the expected target, no temporary file is left, and no descriptor was left open.
 *
 * <pre>{@code
 * NothingLost before = NothingLost.snapshot(dir);
 * assertThrows(FileSystemException.class, () -> Reflink.copy(source, target));
 * before.assertUnchanged();
 * }</pre>
 *
 * <p>Special files are recorded but never opened (a FIFO would block). Descriptors the JVM opens
 * for itself meanwhile (a jar read by the class loader, a shared library) are not leaks and are
 * left out of the comparison.
 */
public final class NothingLost {
    /** One entry as it was: its type, size, inode and, for a regular file, the hash of its bytes. */
    /** What must not change: for a file also its permissions and modification time, for a directory its permissions. */
    public record Entry(String type, long size, Object inode, String sha256, String permissions, Object modified) {}

    private final List<Path> roots;
    private final Map<Path, Entry> entries;
    private final Map<String, String> descriptors;

    private NothingLost(List<Path> roots, Map<Path, Entry> entries, Map<String, String> descriptors) {
        this.roots = roots;
        this.entries = entries;
        this.descriptors = descriptors;
    }

    /** Everything below {@code directories} (each included), and the open descriptors, as they are now. */
    public static NothingLost snapshot(Path... directories) {
        return new NothingLost(List.of(directories), read(List.of(directories)), openDescriptors());
    }

    /** The entry recorded for {@code path}, or null when it did not exist. */
    public Entry before(Path path) {
        return entries.get(path);
    }

    /** Nothing changed at all: every entry as it was, nothing new, no descriptor left open. */
    public void assertUnchanged() {
        assertUnchangedExcept(null, null);
    }

    /**
     * Every entry but {@code target} as it was and nothing new but {@code target}; {@code target}
     * as it was (same bytes and inode), or absent if it was, or, when {@code newBytes} is not null,
     * wholly new with exactly those bytes. No temporary file, no descriptor left open.
     */
    public void assertUnchangedExcept(Path target, byte[] newBytes) {
        assertEntriesUnchangedExcept(target, newBytes);
        assertNoDescriptorLeaked();
    }

    /**
     * Every entry as it was and nothing new, no temporary file; the JVM's descriptors not looked
     * at (for a test that checks those below its own directory, as the JVM opens files of its
     * own meanwhile, such as the cgroup files {@code availableProcessors()} reads).
     */
    public void assertEntriesUnchanged() {
        assertEntriesUnchangedExcept(null, null);
    }

    private void assertEntriesUnchangedExcept(Path target, byte[] newBytes) {
        Map<Path, Entry> now = read(roots);
        List<String> problems = new ArrayList<>();
        for (Path path : new TreeSet<>(union(entries.keySet(), now.keySet()))) {
            Entry was = entries.get(path);
            Entry is = now.get(path);
            if (path.equals(target) && newBytes != null && is != null && !is.equals(was)) {
                if (!"file".equals(is.type()) || !sha256(newBytes).equals(is.sha256())) {
                    problems.add(path + " is neither wholly old (" + was + ") nor wholly new: " + is);
                }
            } else if (was == null) {
                problems.add(path + " appeared: " + is);
            } else if (is == null) {
                problems.add(path + " disappeared (was " + was + ")");
            } else if (!was.equals(is)) {
                problems.add(path + " changed from " + was + " to " + is);
            }
        }
        for (Path root : roots) {
            if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                List<String> temporary = Leaks.temporaryFiles(root);
                if (!temporary.isEmpty()) {
                    problems.add("temporary files left in " + root + ": " + temporary);
                }
            }
        }
        assertEquals(List.of(), problems, "what a failed copy must not do");
    }

    /** No descriptor open now that was not open at the snapshot (the JVM's own jars and libraries aside). */
    public void assertNoDescriptorLeaked() {
        Map<String, String> now = openDescriptors();
        List<String> leaked = new ArrayList<>();
        now.forEach((fd, target) -> {
            if (!target.equals(descriptors.get(fd)) && !isTheJvmsOwn(target)) {
                leaked.add(fd + " -> " + target);
            }
        });
        assertEquals(List.of(), leaked, "descriptors left open");
    }

    /** Hex SHA-256 of the bytes. */
    public static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** Hex SHA-256 of a file's bytes, read in chunks. */
    public static String sha256(Path file) {
        MessageDigest digest = digest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static boolean isTheJvmsOwn(String target) {
        return target.endsWith(".jar")
                || target.endsWith(".so")
                || target.endsWith("/lib/modules")
                || target.startsWith("/proc/") && target.endsWith("/fd") // the listing being read
                || target.startsWith("anon_inode:")
                || target.startsWith("pipe:")
                || target.startsWith("socket:");
    }

    private static Map<String, String> openDescriptors() {
        Map<String, String> open = new TreeMap<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    open.put(
                            fd.getFileName().toString(),
                            Files.readSymbolicLink(fd).toString());
                } catch (IOException e) {
                    // closed while listed: the listing's own descriptor
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return open;
    }

    private static Map<Path, Entry> read(List<Path> roots) {
        Map<Path, Entry> all = new TreeMap<>();
        for (Path root : roots) {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(root)) {
                for (Path path : (Iterable<Path>) walk::iterator) {
                    all.put(path, entry(path));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return all;
    }

    private static Entry entry(Path path) throws IOException {
        PosixFileAttributes attributes =
                Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Object inode = Files.getAttribute(path, "unix:ino", LinkOption.NOFOLLOW_LINKS);
        String permissions = java.nio.file.attribute.PosixFilePermissions.toString(attributes.permissions());
        if (attributes.isRegularFile()) {
            return new Entry(
                    "file", attributes.size(), inode, sha256(path), permissions, attributes.lastModifiedTime());
        }
        if (attributes.isDirectory()) {
            // a directory's size and times vary with its entries (a temporary file made and removed)
            return new Entry("directory", 0, inode, null, permissions, null);
        }
        if (attributes.isSymbolicLink()) {
            return new Entry(
                    "link -> " + Files.readSymbolicLink(path),
                    attributes.size(),
                    inode,
                    null,
                    null,
                    attributes.lastModifiedTime());
        }
        return new Entry("special", attributes.size(), inode, null, permissions, attributes.lastModifiedTime());
    }

    private static <T> List<T> union(java.util.Set<T> a, java.util.Set<T> b) {
        List<T> all = new ArrayList<>(a);
        for (T t : b) {
            if (!a.contains(t)) {
                all.add(t);
            }
        }
        return all;
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /** Fails unless the message contains every one of {@code words}. */
    public static void assertMentions(Throwable thrown, String... words) {
        String message = String.valueOf(thrown.getMessage());
        for (String word : words) {
            assertTrue(message.contains(word), "'" + word + "' missing from: " + thrown);
        }
    }
}
