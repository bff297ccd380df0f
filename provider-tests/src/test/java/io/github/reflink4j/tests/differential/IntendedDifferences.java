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
 * differential test finds is a bug. Each says which operations differ, in which variants, on
 * which JDKs, and what reflink4j's outcome is instead; a listed difference that no longer occurs
 * fails the test too. Besides these, three rules hold for every operation, since reflink4j's
 * exceptions carry more (the other path, the system call and the errno): a
 * {@code FileSystemException} is compared by its type, {@code getFile()}, {@code getOtherFile()}
 * where the platform gives one, and its reason, which must contain the platform's (up to an
 * " or "); a ProviderMismatchException's or ClassCastException's message (reflink4j's advice, the
 * JVM's class names) and a NullPointerException's (the JVM's description of the code) are not
 * compared; every other exception's message is, as is its cause.
 */
final class IntendedDifferences {
    /**
     * Operations whose names match {@code operations}, in these variants and on JDKs from
     * {@code minimumJdk} to below {@code belowJdk}, as root or only as an unprivileged user, where
     * reflink4j's outcome matches {@code outcome} instead of being the platform's, and why.
     */
    record Difference(
            Set<Variant> variants,
            Pattern operations,
            Pattern outcome,
            int minimumJdk,
            int belowJdk,
            boolean unprivilegedOnly,
            String reason) {
        /** Whether it is expected in a run of {@code variant} on this JDK, as this user. */
        boolean applies(Variant variant, boolean unprivileged) {
            int jdk = Runtime.version().feature();
            return variants.contains(variant)
                    && jdk >= minimumJdk
                    && jdk < belowJdk
                    && (unprivileged || !unprivilegedOnly);
        }

        /** Whether it explains this outcome of this operation. */
        boolean covers(Variant variant, boolean unprivileged, String operation, String actual) {
            return applies(variant, unprivileged)
                    && operations.matcher(operation).matches()
                    && outcome.matcher(actual.split(" \\| ", 2)[0]).matches();
        }
    }

    private static final Set<Variant> EVERY_WAY_IN = Set.of(WRAP, SCHEME, DEFAULT_PROVIDER);
    private static final String ATOMIC_REPLACE = "REPLACE_EXISTING replaces atomically: the platform deletes the "
            + "target first, so a copy that then fails has lost the target; reflink4j writes a new file beside "
            + "it and renames it over, so a failed copy leaves the target as it was";

    static final List<Difference> ALL = List.of(
            new Difference(
                    EVERY_WAY_IN,
                    Pattern.compile("copy\\(link, link, \\[REPLACE_EXISTING\\]\\)"),
                    Pattern.compile("path\\(\\$BASE/op[0-9]+/link\\)"),
                    0,
                    99,
                    false,
                    ATOMIC_REPLACE + "; copying a link onto itself, which the platform turns into a deleted link "
                            + "and a NoSuchFileException, gives a copy of the link's file"),
            new Difference(
                    EVERY_WAY_IN,
                    Pattern.compile("copy\\(secret, [\\w/]+, \\[REPLACE_EXISTING.*\\]\\)"),
                    Pattern.compile("throws java\\.nio\\.file\\.AccessDeniedException.*"),
                    0,
                    20,
                    true,
                    ATOMIC_REPLACE + "; on JDK 17 a source the user may not read costs the platform's target"),
            new Difference(
                    Set.of(WRAP, SCHEME),
                    Pattern.compile("createTemp(File|Directory)\\(.*\\)"),
                    Pattern.compile("list\\[path\\(\\$BASE/[^ ]*\\), true, true\\]"),
                    0,
                    99,
                    false,
                    "the JDK gives temporary files and directories owner-only permissions only on "
                            + "FileSystems.getDefault() (TempFileHelper compares the file system by identity), so in "
                            + "a wrapped file system they get the umask's; in default-provider mode the wrapped file "
                            + "system is the default one, and they are owner-only"),
            new Difference(
                    Set.of(WRAP, SCHEME),
                    Pattern.compile("Files\\.createTemp(File|Directory)\\[String, .*\\] null at [01]"),
                    Pattern.compile("list\\[foreign-path\\(/tmp\\), true, (true|false)\\]"),
                    0,
                    99,
                    false,
                    "a temporary file made without a directory is one of FileSystems.getDefault(), which only "
                            + "default-provider mode makes reflink4j's"),
            new Difference(
                    Set.of(WRAP, SCHEME),
                    Pattern.compile("provider\\.newFileSystem\\(own URI\\)"),
                    Pattern.compile("\"created filesystem\\(other: reflink\\), closed\""),
                    0,
                    99,
                    false,
                    "FileSystems.newFileSystem(URI.create(\"reflink:///\"), env) makes a file system with its "
                            + "own mode, which can be closed; the platform's provider has one file system and "
                            + "throws FileSystemAlreadyExistsException"),
            new Difference(
                    Set.of(DEFAULT_PROVIDER),
                    Pattern.compile("Files\\.probeContentType\\[Path\\] .*"),
                    Pattern.compile("throws java\\.lang\\.(ExceptionInInitializerError|NoClassDefFoundError).*"),
                    0,
                    25,
                    false,
                    "JDK 17 to 24 cast the default provider to the JDK's own in DefaultFileTypeDetector "
                            + "(JDK-8346722, fixed in JDK 25), so with any other default provider "
                            + "Files.probeContentType throws ExceptionInInitializerError; no provider can avoid it"),
            new Difference(
                    Set.of(JIMFS_WRAPPED),
                    Pattern.compile(
                            "FileSystemProvider\\.\\w+\\[.*\\] null at [01]|Files\\.create(Symbolic)?Link\\[.*\\] null at 1"),
                    Pattern.compile("throws java\\.lang\\.NullPointerException"),
                    0,
                    99,
                    false,
                    "a null path given to reflink4j's provider is a NullPointerException, as the platform "
                            + "provider throws, whatever file system is wrapped; Jimfs's own provider throws "
                            + "ProviderMismatchException or UnsupportedOperationException"),
            new Difference(
                    Set.of(JIMFS_WRAPPED),
                    Pattern.compile("provider\\.(getFileSystem|newFileSystem|getPath).*"
                            + "|FileSystemProvider\\.newFileSystem\\[.*\\] null at [01]"),
                    Pattern.compile(
                            "filesystem\\(.*\\)|path\\(.*\\)|true|\"created filesystem\\(other: reflink\\), closed\""
                                    + "|throws java\\.nio\\.file\\.FileSystem(NotFound|AlreadyExists)Exception.*"
                                    + "|throws java\\.lang\\.(UnsupportedOperationException|IllegalArgumentException)\\(.*\\)"),
                    0,
                    99,
                    false,
                    "the provider of a wrapped Jimfs is reflink4j's, whose file system URIs are reflink:/// "
                            + "ones and which, as the platform's, makes no file system of a path; Jimfs's provider "
                            + "refuses to be called directly"),
            new Difference(
                    Set.of(JIMFS_WRAPPED),
                    Pattern.compile("provider\\.checkAccess\\(foreign\\)"),
                    Pattern.compile("throws java\\.nio\\.file\\.ProviderMismatchException.*"),
                    0,
                    99,
                    false,
                    "reflink4j's provider rejects a path of another provider, as the platform's does; "
                            + "Jimfs's looks the path up in its own file system"),
            new Difference(
                    Set.of(JIMFS_WRAPPED),
                    Pattern.compile("compareTo-foreign\\(.*\\)"),
                    Pattern.compile("throws java\\.lang\\.ClassCastException.*"),
                    0,
                    99,
                    false,
                    "a reflink path compares only with reflink paths (ClassCastException otherwise, as the "
                            + "platform's paths do), where Jimfs compares with any Jimfs path"),
            new Difference(
                    Set.of(JIMFS_WRAPPED),
                    Pattern.compile("toUri-path\\(.*\\)"),
                    Pattern.compile("null"),
                    0,
                    99,
                    false,
                    "the URI of a wrapped path of a file system other than the platform's is reflink: "
                            + "followed by the wrapped path's URI (opaque, so it has no path part), so that "
                            + "Path.of(uri) gives back the wrapped path"));

    private IntendedDifferences() {}

    /** The listed difference that explains this outcome, or null when there is none. */
    static Difference find(Variant variant, boolean unprivileged, String operation, String actual) {
        for (Difference difference : ALL) {
            if (difference.covers(variant, unprivileged, operation, actual)) {
                return difference;
            }
        }
        return null;
    }
}
