package io.github.reflink4j.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns command-line arguments into paths without losing bytes. The JVM decodes {@code argv}
 * with the {@code sun.jnu.encoding} charset and replaces what it cannot decode (every byte over
 * 127 under {@code LC_ALL=C} on JDK 17), so an argument that did not decode cleanly is taken
 * from {@code /proc/self/cmdline}, which holds the bytes the shell passed, and made a path
 * through a {@code file:} URI, whose percent escapes keep raw bytes.
 */
final class ArgumentPaths {
    private static final char REPLACEMENT = '\uFFFD';
    private static volatile String[] decoded = new String[0];
    private static volatile List<byte[]> raw = List.of();
    /** Paths given with a trailing slash, which asks to follow a link even in a recursive copy (by identity). */
    private static final java.util.Set<Path> WITH_TRAILING_SLASH = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
    /** Arguments already turned into paths: they are converted in order, so equal strings map in order too. */
    private static boolean[] used = new boolean[0];

    /** Remembers the arguments main() was given; their raw bytes are read only if one needs them. */
    static void remember(String[] arguments) {
        decoded = arguments.clone();
        raw = null;
        used = new boolean[arguments.length];
    }

    /** Whether {@code path} was given ending in "/" ("link/" names the directory a link points to). */
    static boolean hadTrailingSlash(Path path) {
        return WITH_TRAILING_SLASH.contains(path);
    }

    private ArgumentPaths() {}

    /** The path {@code value}, an argument, names, with the bytes it was given as. */
    static Path convert(String value) throws IOException {
        Path path = toPath(value);
        if (value.length() > 1 && value.endsWith("/")) {
            WITH_TRAILING_SLASH.add(path);
        }
        return path;
    }

    private static Path toPath(String value) throws IOException {
        if (value.indexOf(REPLACEMENT) < 0) {
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                // not encodable in the JVM's charset: the raw bytes below
            }
        }
        byte[] bytes = rawBytesOf(value);
        if (bytes == null) {
            return Path.of(value);
        }
        return fromBytes(bytes);
    }

    private static synchronized byte[] rawBytesOf(String value) throws IOException {
        String[] arguments = decoded;
        List<byte[]> fromKernel = raw;
        if (fromKernel == null) {
            fromKernel = commandLineTail(arguments.length);
            raw = fromKernel;
        }
        // two names that differ only in undecodable bytes decode to the same string: the first
        // argument not taken yet is this one, since the positional arguments are converted in order
        for (int i = 0; i < arguments.length && i < fromKernel.size() && i < used.length; i++) {
            if (!used[i] && arguments[i].equals(value)) {
                used[i] = true;
                return fromKernel.get(i);
            }
        }
        return null;
    }

    /** The last {@code count} entries of /proc/self/cmdline: the program's own arguments. */
    private static List<byte[]> commandLineTail(int count) throws IOException {
        byte[] all = Files.readAllBytes(Path.of("/proc/self/cmdline"));
        List<byte[]> entries = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] == 0) {
                entries.add(Arrays.copyOfRange(all, start, i));
                start = i + 1;
            }
        }
        return entries.subList(Math.max(0, entries.size() - count), entries.size());
    }

    /** A platform path with exactly these bytes. */
    static Path fromBytes(byte[] bytes) {
        StringBuilder uri = new StringBuilder("file://");
        if (bytes.length == 0 || bytes[0] != '/') {
            String cwd = Path.of("").toAbsolutePath().toUri().getRawPath();
            uri.append(cwd.endsWith("/") ? cwd : cwd + "/");
        }
        for (byte b : bytes) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~/".indexOf(c) >= 0) {
                uri.append((char) c);
            } else {
                uri.append('%').append(String.format("%02X", c));
            }
        }
        return Path.of(URI.create(uri.toString()));
    }
}
