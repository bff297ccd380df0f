package io.github.reflink4j.tests.differential;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.reflink4j.tests.differential.DifferentialMain.Variant;
import io.github.reflink4j.tests.differential.IntendedDifferences.Difference;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * reflink4j in front of a file system behaves as that file system's own provider does: the whole
 * {@link Corpus} (every method of Files, FileSystemProvider, FileSystem and Path, on files,
 * directories, links, dangling and looping links, entries without permissions, names in UTF-8 and
 * not, with option combinations and nulls) is run in a JVM of its own once on platform paths and
 * once for each way in (Reflink.wrap, the reflink: scheme, the JVM's default provider), as root
 * and as an unprivileged user, on btrfs, xfs, ext4 and tmpfs, and on Jimfs wrapped and not. Each
 * operation must give the same result, or the same exception naming the same file, and leave the
 * same files behind, except for the differences {@link IntendedDifferences} lists with reasons.
 */
class DifferentialConformanceTest extends RealFileSystemTest {
    private static final int NOBODY = 65534;
    private static final Pattern EXCEPTION =
            Pattern.compile("throws ([\\w.$]+)(?:\\((.*?)\\))?(?: caused by (throws .*))?");
    /** Exceptions whose message is not compared: reflink4j's advice, the JVM's class names, the JVM's code description. */
    private static final Set<String> MESSAGE_NOT_COMPARED = Set.of(
            "java.nio.file.ProviderMismatchException",
            "java.lang.ClassCastException",
            "java.lang.NullPointerException");

    private static final Pattern FILE_SYSTEM_EXCEPTION = Pattern.compile("file=(.*?), other=(.*?), reason=(.*)");

    enum User {
        ROOT,
        NOBODY
    }

    @ParameterizedTest(name = "{0}, as root")
    @EnumSource(value = TestFileSystem.class)
    void everyWayIn_behavesAsThePlatform_asRoot(TestFileSystem fs) throws Exception {
        compare(fs, User.ROOT, List.of(Variant.WRAP, Variant.SCHEME, Variant.DEFAULT_PROVIDER));
    }

    @ParameterizedTest(name = "{0}, as an unprivileged user")
    @EnumSource(value = TestFileSystem.class)
    void everyWayIn_behavesAsThePlatform_asAnUnprivilegedUser(TestFileSystem fs) throws Exception {
        compare(fs, User.NOBODY, List.of(Variant.WRAP, Variant.DEFAULT_PROVIDER));
    }

    @Test
    void aWrappedJimfs_behavesAsJimfs() throws Exception {
        Map<String, String> reference = run(Variant.JIMFS, null, User.ROOT);
        Map<String, String> wrapped = run(Variant.JIMFS_WRAPPED, null, User.ROOT);
        assertConforms(reference, Map.of(Variant.JIMFS_WRAPPED, wrapped), User.ROOT);
    }

    private void compare(TestFileSystem fs, User user, List<Variant> variants) throws Exception {
        Path directory = directoryOn(fs);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<Variant> all = new ArrayList<>(List.of(Variant.PLATFORM));
        all.addAll(variants);
        Map<Variant, CompletableFuture<Map<String, String>>> runs = new LinkedHashMap<>();
        for (int i = 0; i < all.size(); i++) {
            Variant variant = all.get(i);
            Path workspace =
                    Files.createDirectory(directory.resolve(variant.name().toLowerCase()));
            if (user == User.NOBODY) {
                Files.setAttribute(workspace, "unix:uid", NOBODY);
                Files.setAttribute(workspace, "unix:gid", NOBODY);
            }
            // two at a time: this machine has two cores
            CompletableFuture<Map<String, String>> run =
                    CompletableFuture.supplyAsync(() -> run(variant, workspace, user));
            runs.put(variant, run);
            if (i % 2 == 1) {
                run.join();
            }
        }
        Map<String, String> reference = runs.remove(Variant.PLATFORM).join();
        Map<Variant, Map<String, String>> others = new LinkedHashMap<>();
        runs.forEach((variant, run) -> others.put(variant, run.join()));
        assertConforms(reference, others, user);
    }

    /** The corpus in a JVM of its own: its lines by operation name, after checking that it ran to the end. */
    private static Map<String, String> run(Variant variant, Path workspace, User user) {
        ForkedJvm jvm = ForkedJvm.of(DifferentialMain.class);
        if (variant == Variant.DEFAULT_PROVIDER) {
            jvm = jvm.jvmOptions(
                    "-Djava.nio.file.spi.DefaultFileSystemProvider=io.github.reflink4j.ReflinkFileSystemProvider");
        }
        if (user == User.NOBODY) {
            jvm = jvm.asUser(NOBODY);
        }
        ForkedJvm.Result result =
                workspace == null ? jvm.run(600, variant.name()) : jvm.run(600, variant.name(), workspace.toString());
        String output = result.output();
        assertEquals(0, result.exitCode(), variant + " did not finish: " + tail(output));
        assertTrue(output.contains("\n# end"), variant + " did not reach the end: " + tail(output));
        String provider = output.lines()
                .filter(l -> l.startsWith("# provider "))
                .findFirst()
                .orElse("");
        boolean reflink = variant != Variant.PLATFORM && variant != Variant.JIMFS;
        assertEquals(
                reflink,
                provider.contains("provider io.github.reflink4j.ReflinkFileSystemProvider"),
                variant + " ran on the wrong provider: " + provider);
        if (variant == Variant.DEFAULT_PROVIDER) {
            assertTrue(
                    provider.endsWith("default io.github.reflink4j.ReflinkFileSystemProvider"),
                    "reflink4j was not the JVM's default provider: " + provider);
        }
        Map<String, String> outcomes = new LinkedHashMap<>();
        output.lines().filter(l -> l.contains(" => ") && !l.startsWith("#")).forEach(line -> {
            int arrow = line.indexOf(" => ");
            outcomes.put(line.substring(0, arrow), line.substring(arrow + 4));
        });
        return outcomes;
    }

    private static String tail(String output) {
        return output.length() < 4000 ? output : output.substring(output.length() - 4000);
    }

    /**
     * Every variant gives every operation's reference outcome, or one that differs only as
     * {@link IntendedDifferences} says; and every listed difference for these variants occurs.
     */
    private static void assertConforms(
            Map<String, String> reference, Map<Variant, Map<String, String>> variants, User user) {
        boolean unprivileged = user == User.NOBODY;
        assertTrue(reference.size() > 5000, "the corpus ran only " + reference.size() + " operations");
        List<String> failures = new ArrayList<>();
        for (Map.Entry<Variant, Map<String, String>> entry : variants.entrySet()) {
            Variant variant = entry.getKey();
            Map<String, String> outcomes = entry.getValue();
            assertEquals(reference.keySet(), outcomes.keySet(), variant + " ran other operations");
            Set<Difference> used = new LinkedHashSet<>();
            for (Map.Entry<String, String> operation : reference.entrySet()) {
                String expected = operation.getValue();
                String actual = outcomes.get(operation.getKey());
                if (same(expected, actual)) {
                    continue;
                }
                Difference intended = IntendedDifferences.find(variant, unprivileged, operation.getKey(), actual);
                if (intended != null) {
                    used.add(intended);
                } else {
                    failures.add(variant + ": " + operation.getKey() + "\n    platform:  " + shorten(expected)
                            + "\n    reflink4j: " + shorten(actual));
                }
            }
            for (Difference listed : IntendedDifferences.ALL) {
                if (listed.applies(variant, unprivileged) && !used.contains(listed)) {
                    failures.add(variant + ": the listed difference \"" + listed.operations()
                            + "\" no longer occurs; remove it from IntendedDifferences and the README");
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " unexplained differences from the platform provider:\n"
                    + String.join("\n", failures.subList(0, Math.min(40, failures.size()))));
        }
    }

    /** Equal, or exceptions that differ only as the rules of {@link IntendedDifferences} allow, with the same listing. */
    static boolean same(String expected, String actual) {
        if (expected.equals(actual)) {
            return true;
        }
        String[] e = expected.split(" \\| ", 2);
        String[] a = actual.split(" \\| ", 2);
        if (e.length != a.length || (e.length == 2 && !e[1].equals(a[1]))) {
            return false;
        }
        return sameException(e[0], a[0]);
    }

    private static boolean sameException(String expected, String actual) {
        Matcher ee = EXCEPTION.matcher(expected);
        Matcher ae = EXCEPTION.matcher(actual);
        if (!ee.matches() || !ae.matches() || !ee.group(1).equals(ae.group(1))) {
            return false;
        }
        String expectedCause = ee.group(3);
        String actualCause = ae.group(3);
        if (expectedCause != null || actualCause != null) {
            if (expectedCause == null || actualCause == null || !sameException(expectedCause, actualCause)) {
                return false;
            }
        }
        String expectedDetail = ee.group(2) == null ? "" : ee.group(2);
        String actualDetail = ae.group(2) == null ? "" : ae.group(2);
        Matcher ef = FILE_SYSTEM_EXCEPTION.matcher(expectedDetail);
        Matcher af = FILE_SYSTEM_EXCEPTION.matcher(actualDetail);
        if (ef.matches() && af.matches()) {
            String reason = ef.group(3).split(" or ")[0];
            return ef.group(1).equals(af.group(1))
                    && (ef.group(2).equals("null") || ef.group(2).equals(af.group(2)))
                    && (reason.equals("null") || af.group(3).contains(reason));
        }
        return MESSAGE_NOT_COMPARED.contains(ee.group(1)) || expectedDetail.equals(actualDetail);
    }

    private static String shorten(String outcome) {
        return outcome == null ? "(not run)" : outcome.length() > 600 ? outcome.substring(0, 600) + "..." : outcome;
    }
}
