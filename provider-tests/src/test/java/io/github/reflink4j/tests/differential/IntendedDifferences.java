package io.github.reflink4j.tests.differential;

import static io.github.reflink4j.tests.differential.DifferentialMain.Variant.DEFAULT_PROVIDER;
import static io.github.reflink4j.tests.differential.DifferentialMain.Variant.JIMFS_WRAPPED;
import static io.github.reflink4j.tests.differential.DifferentialMain.Variant.SCHEME;
import static io.github.reflink4j.tests.differential.DifferentialMain.Variant.WRAP;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import io.github.reflink4j.tests.differential.DifferentialMain.Variant;

/**
 * The one place that lists where reflink4j differs from the provider it wraps on purpose, each
 * with its reason; README's "What reflink4j guarantees" lists the same. Anything else the
 * differential test finds is a bug. Besides these, two rules hold for every operation: an
 * exception is compared by its type and the file it names (a {@code FileSystemException}'s
 * {@code getFile()}, and {@code getOtherFile()} where the platform gives one) or the paths in its
 * message, since reflink4j's exceptions carry more (the other path, the system call, the errno);
 * and a NullPointerException's message, the JVM's description of the code, is not compared.
 */
final class IntendedDifferences {
    /** A difference in the operations whose names match, in these variants, and why it is intended. */
    record Difference(Set<Variant> variants, Pattern operations, int minimumJdk, int belowJdk, String reason) {
        /** Whether it is expected in a run of {@code variant} on this JDK. */
        boolean applies(Variant variant) {
            int jdk = Runtime.version().feature();
            return variants.contains(variant) && jdk >= minimumJdk && jdk < belowJdk;
        }

        boolean covers(Variant variant, String operation) {
            return applies(variant) && operations.matcher(operation).matches();
        }
    }

    static final List<Difference> ALL = List.of(
            new Difference(Set.of(WRAP, SCHEME, DEFAULT_PROVIDER), Pattern.compile(
                    "copy\\(link, link, \\[REPLACE_EXISTING\\]\\)|copy\\(secret, [\\w/]+, \\[REPLACE_EXISTING.*\\]\\)"),
                    0, 99,
                    "REPLACE_EXISTING replaces atomically: the platform deletes the target first, so a copy "
                            + "that then fails (a source it may not read, a link copied onto itself) has lost the "
                            + "target; reflink4j writes a new file beside it and renames it over, so the target "
                            + "stays as it was, and a link copied onto itself becomes a copy of its file"),
            new Difference(Set.of(WRAP, SCHEME), Pattern.compile(
                    "createTemp(File|Directory)\\(.*\\)|Files\\.createTemp(File|Directory)\\[.*"), 0, 99,
                    "the JDK gives temporary files and directories owner-only permissions only on "
                            + "FileSystems.getDefault() (TempFileHelper compares the file system by identity), so in "
                            + "a wrapped file system they get the umask's, and one made without a directory is a "
                            + "plain platform path; in default-provider mode the wrapped file system is the default one"),
            new Difference(Set.of(WRAP, SCHEME), Pattern.compile(
                    "close|after close: .*"), 0, 99,
                    "a reflink file system over the platform's is a wrapper that can be closed (the JVM's default "
                            + "file system cannot); after close its paths throw ClosedFileSystemException, as a "
                            + "closed zip or Jimfs file system's do. In default-provider mode close() throws "
                            + "UnsupportedOperationException, as the platform's does"),
            new Difference(Set.of(DEFAULT_PROVIDER), Pattern.compile(
                    "Files\\.probeContentType\\[Path\\] .*"), 0, 25,
                    "JDK 17 to 24 cast the default provider to the JDK's own in DefaultFileTypeDetector "
                            + "(JDK-8346722, fixed in JDK 25), so with any other default provider "
                            + "Files.probeContentType throws ExceptionInInitializerError; nothing a provider "
                            + "can do about it"),
            new Difference(Set.of(JIMFS_WRAPPED), Pattern.compile(
                    "FileSystemProvider\\.\\w+\\[.*\\] null at [01]|Files\\.create(Symbolic)?Link\\[.*\\] null at 1"),
                    0, 99,
                    "a null path given to reflink4j's provider is a NullPointerException, as the platform "
                            + "provider throws, whatever file system is wrapped; Jimfs's own provider throws "
                            + "ProviderMismatchException or UnsupportedOperationException"),
            new Difference(Set.of(JIMFS_WRAPPED), Pattern.compile(
                    "provider\\.(getFileSystem|newFileSystem|getPath).*|provider\\.checkAccess\\(foreign\\)"),
                    0, 99,
                    "the provider of a wrapped Jimfs is reflink4j's, whose URIs are reflink: ones and which "
                            + "rejects a path of another provider (ProviderMismatchException) as the platform's "
                            + "does; Jimfs's provider refuses to be called directly and does not check paths"),
            new Difference(Set.of(JIMFS_WRAPPED), Pattern.compile("toUri-path\\(.*\\)"), 0, 99,
                    "the URI of a wrapped path of a file system other than the platform's is reflink: "
                            + "followed by the wrapped path's URI (opaque, so it has no path part), so that "
                            + "Path.of(uri) gives back the wrapped path"));

    private IntendedDifferences() {
    }

    /** The listed difference that covers this one, or null when there is none. */
    static Difference find(Variant variant, String operation) {
        for (Difference difference : ALL) {
            if (difference.covers(variant, operation)) {
                return difference;
            }
        }
        return null;
    }
}
