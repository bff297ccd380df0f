package io.github.reflink4j.tests.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a copy must never leave behind: open descriptors on the test file systems, and
 * temporary files.
 */
public final class Leaks {
    private Leaks() {}

    /** This JVM's open descriptors that point into one of the test file systems. */
    public static List<String> openDescriptorsOnTestFileSystems() {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                Path target;
                try {
                    target = Files.readSymbolicLink(fd);
                } catch (IOException e) {
                    continue; // closed while we listed
                }
                for (Path mount : TestFileSystem.knownMounts()) {
                    if (target.startsWith(mount)) {
                        open.add(fd.getFileName() + " -> " + target);
                    }
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return open;
    }

    /**
     * This JVM's open descriptors that point below {@code directory}, as "fd -> path": compared
     * before and after an operation, they show what it left open, unaffected by the descriptors
     * the JVM itself opens and closes meanwhile (jars, class files).
     */
    public static List<String> openDescriptorsBelow(Path directory) {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    Path target = Files.readSymbolicLink(fd);
                    if (target.startsWith(directory)) {
                        open.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException e) {
                    // closed while we listed: not open
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return open;
    }

    /** Names anywhere below the directory that look like a reflink4j temporary or probe file. */
    public static List<String> temporaryFiles(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> p.getFileName().toString().contains(".reflink4j-"))
                    .map(p -> directory.relativize(p).toString())
                    .toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
