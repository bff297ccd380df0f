package io.github.reflink4j.tests;

import static io.github.reflink4j.tests.support.Shell.latin1;
import static io.github.reflink4j.tests.support.Shell.literal;
import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.REPLACE_EXISTING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Names are bytes: a name that is not valid UTF-8 (0xff 0xfe, Latin-1 "caf\xe9"), a UTF-8 one
 * and a CJK one come out with exactly the bytes they went in with, through every way in (tree
 * copy, single copy, the provider, the command, a JVM under LC_ALL=C). The names are made and
 * checked by bash and find, outside the JVM; the JDK keeps the raw bytes in the Paths a
 * directory stream returns.
 */
class RawByteNamesTest extends RealFileSystemTest {
    private static final byte[] FF_FE = {(byte) 0xff, (byte) 0xfe};
    /** Two names that are not UTF-8 and that the JVM decodes alike ("a\uFFFD"), from its argv as from anywhere. */
    private static final byte[] A_FF = {'a', (byte) 0xff};

    private static final byte[] A_FE = {'a', (byte) 0xfe};
    private static final byte[] LATIN1_CAFE = "caf\u00e9.txt".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] UTF8_CAFE = "caf\u00e9.txt".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CJK =
            "\u65e5\u672c\u8a9e\u306e\u30d5\u30a1\u30a4\u30eb.txt".getBytes(StandardCharsets.UTF_8);
    private static final byte[] RAW_DIRECTORY = {'d', 'i', 'r', '-', (byte) 0xff};
    private static final byte[] CJK_DIRECTORY = "\u76ee\u5f55".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CJK_INNER = "\u6587\u4ef6.txt".getBytes(StandardCharsets.UTF_8);
    /** 85 CJK characters of 3 bytes each: a name of 255 bytes, NAME_MAX. */
    private static final byte[] LONGEST_NAME = "\u540d".repeat(85).getBytes(StandardCharsets.UTF_8);

    /** Four files with odd names at the top, and two directories with odd names holding one file each. */
    private static Path buildTree(Path root) throws IOException {
        Files.createDirectories(root);
        Shell.run(
                "set -e; cd \"$1\"\n"
                        + "printf 'raw ff fe' > " + literal(FF_FE) + "\n"
                        + "printf 'latin-1 cafe' > " + literal(LATIN1_CAFE) + "\n"
                        + "printf 'utf-8 cafe' > " + literal(UTF8_CAFE) + "\n"
                        + "printf 'cjk' > " + literal(CJK) + "\n"
                        + "mkdir " + literal(RAW_DIRECTORY) + " " + literal(CJK_DIRECTORY) + "\n"
                        + "printf 'inner latin-1' > " + literal(RAW_DIRECTORY) + "/" + literal(LATIN1_CAFE) + "\n"
                        + "printf 'inner cjk' > " + literal(CJK_DIRECTORY) + "/" + literal(CJK_INNER) + "\n",
                root.toString());
        String listing = listing(root);
        assertTrue(
                listing.contains("f 9 " + latin1(FF_FE) + "\n")
                        && listing.contains(latin1(LATIN1_CAFE))
                        && listing.contains(latin1(CJK)),
                "the fixture itself: " + listing);
        return root;
    }

    /** Every entry below {@code root}, as find prints it: type, size, raw name bytes (one char per byte), sorted by bytes. */
    private static String listing(Path root) {
        return Shell.run("cd \"$1\" && find . -mindepth 1 -printf '%y %s %P\\n' | LC_ALL=C sort", root.toString());
    }

    /** The regular files directly in {@code root}, as {@link #listing} prints them. */
    private static String topLevelFiles(Path root) {
        return Shell.run(
                "cd \"$1\" && find . -mindepth 1 -maxdepth 1 -type f -printf '%y %s %P\\n' | LC_ALL=C sort",
                root.toString());
    }

    /** diff -r, by bytes: same names, same contents. */
    private static void assertSameTree(Path source, Path target) {
        Shell diff =
                Shell.exec("LC_ALL=C diff -r --no-dereference \"$1\" \"$2\"", source.toString(), target.toString());
        assertEquals(0, diff.exitCode(), "diff -r: " + diff.stdout() + diff.stderr());
        assertEquals(listing(source), listing(target), "ls -b of the target: " + lsB(target));
    }

    private static String lsB(Path directory) {
        return Shell.exec("ls -b -R \"$1\"", directory.toString()).stdout();
    }

    /** The regular files directly in {@code directory}, as Paths from a directory stream (raw bytes kept). */
    private static List<Path> regularFilesIn(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                if (Files.isRegularFile(entry, NOFOLLOW_LINKS)) {
                    files.add(entry);
                }
            }
        }
        return files;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_nonUtf8AndCjkNames_keepTheirBytes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(6, summary.files());
        assertEquals(3, summary.directories());
        assertSameTree(source, target);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void reflinkCopy_filesWithNonUtf8AndCjkNames_keepTheirBytes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = Files.createDirectory(dir.resolve("target"));
        List<Path> files = regularFilesIn(source);
        assertEquals(4, files.size(), files.toString());

        for (Path file : files) {
            Reflink.copy(file, target.resolve(file.getFileName()));
        }

        assertEquals(topLevelFiles(source), topLevelFiles(target), "ls -b of the target: " + lsB(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void providerFilesCopy_filesWithNonUtf8AndCjkNames_keepTheirBytes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Reflink.wrap(buildTree(dir.resolve("source")));
        Path target = Files.createDirectory(Reflink.wrap(dir.resolve("target")));
        List<Path> files = regularFilesIn(source);
        assertEquals(4, files.size(), files.toString());

        for (Path file : files) {
            Files.copy(file, target.resolve(file.getFileName()));
        }

        assertEquals(
                topLevelFiles(dir.resolve("source")),
                topLevelFiles(dir.resolve("target")),
                "ls -b of the target: " + lsB(dir.resolve("target")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cpCommand_recursive_nonUtf8AndCjkNames_keepTheirBytes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");

        CommandRun run = CommandRun.reflink("cp", "-r", source.toString(), target.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertSameTree(source, target);
    }

    /** Which java runs the command: plain {@code java} from PATH (JDK 17 here and in CI), or the one running the tests. */
    enum Java {
        DEFAULT_JAVA,
        THIS_JVM;

        String executable() {
            return this == DEFAULT_JAVA
                    ? "java"
                    : ProcessHandle.current().info().command().orElseThrow();
        }
    }

    @ParameterizedTest(name = "btrfs, {0}")
    @EnumSource(Java.class)
    void cpCommand_inAJvmUnderLcAllC_copiesCafeAndNonUtf8NamesByteForByte(Java java) throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");
        String jar = System.getProperty("reflink4j.cli.jar", "../cli/target/reflink.jar");

        Shell run = Shell.exec(
                "export LC_ALL=C LANG=C; unset LC_CTYPE; "
                        + "\"$1\" -XshowSettings:properties -version 2>&1 | grep -E 'sun.jnu.encoding|java.version ' >&2; "
                        + "exec \"$1\" -jar \"$2\" cp -r \"$3\" \"$4\"",
                java.executable(),
                jar,
                source.toString(),
                target.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("sun.jnu.encoding = ANSI_X3.4-1968"), "not a C locale: " + run.stderr());
        assertSameTree(source, target);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void replaceExisting_onto255ByteName_succeeds_forACopyAndATreeCopy(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectory(dir.resolve("source"));
        Path target = Files.createDirectory(dir.resolve("target"));
        Path treeTarget = Files.createDirectory(dir.resolve("tree-target"));
        Shell.run(
                "set -e; printf new > \"$1\"/" + literal(LONGEST_NAME) + "; printf old > \"$2\"/"
                        + literal(LONGEST_NAME) + "; printf old > \"$3\"/" + literal(LONGEST_NAME),
                source.toString(),
                target.toString(),
                treeTarget.toString());
        List<Path> files = regularFilesIn(source);
        assertEquals(1, files.size(), files.toString());
        Path name = files.get(0).getFileName();

        Reflink.copy(files.get(0), target.resolve(name), REPLACE_EXISTING);
        TreeCopySummary summary = Reflink.copyTree(source, treeTarget, REPLACE_EXISTING);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals("new", Shell.run("cat \"$1\"/" + literal(LONGEST_NAME), target.toString()));
        assertEquals("new", Shell.run("cat \"$1\"/" + literal(LONGEST_NAME), treeTarget.toString()));
        assertEquals(topLevelFiles(source), topLevelFiles(target));
        assertEquals(topLevelFiles(source), topLevelFiles(treeTarget));
    }

    /**
     * Runs {@code reflink ARGUMENTS} through bash in {@code directory}, so that the arguments
     * (bash words such as {@code $'a\xff'}) reach it as raw bytes; {@code more} are "$4", "$5"...
     */
    private static Shell reflinkInBash(Path directory, String arguments, String... more) {
        String jar = System.getProperty("reflink4j.cli.jar", "../cli/target/reflink.jar");
        List<String> args = new ArrayList<>(List.of(
                directory.toString(),
                ProcessHandle.current().info().command().orElseThrow(),
                Path.of(jar).toAbsolutePath().toString()));
        args.addAll(List.of(more));
        return Shell.exec("cd \"$1\" && exec \"$2\" -jar \"$3\" " + arguments, args.toArray(new String[0]));
    }

    /**
     * Guards the command's recovery of raw argument bytes: two arguments the JVM decodes to the
     * same string must each keep their own bytes, so {@code cp -f a\xff a\xfe} copies the first
     * onto the second (not the first onto itself).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cpForce_betweenTwoNonUtf8NamesThatDecodeAlike_copiesTheFirstOntoTheSecond(TestFileSystem fs) {
        Path dir = directoryOn(fs);
        Shell.run(
                "cd \"$1\" && printf first > " + literal(A_FF) + " && printf second > " + literal(A_FE),
                dir.toString());

        Shell run = reflinkInBash(dir, "cp -f " + literal(A_FF) + " " + literal(A_FE));

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("first", Shell.run("cat \"$1\"/" + literal(A_FE), dir.toString()), "the second file, afterwards");
        assertEquals("first", Shell.run("cat \"$1\"/" + literal(A_FF), dir.toString()), "the first file, afterwards");
        assertEquals("f 5 " + latin1(A_FE) + "\nf 5 " + latin1(A_FF) + "\n", topLevelFiles(dir), "ls -b: " + lsB(dir));
    }

    /**
     * Guards the same with several sources: {@code cp a\xff a\xfe out/} copies both, each under
     * its own bytes with its own content.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cp_twoNonUtf8NamesThatDecodeAlike_intoADirectory_copiesBothByteForByte(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectory(dir.resolve("source"));
        Shell.run(
                "cd \"$1\" && printf first > " + literal(A_FF) + " && printf second! > " + literal(A_FE),
                source.toString());
        Path out = Files.createDirectory(dir.resolve("out"));

        Shell run = reflinkInBash(source, "cp " + literal(A_FF) + " " + literal(A_FE) + " \"$4\"/", out.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(topLevelFiles(source), topLevelFiles(out), "ls -b of out: " + lsB(out));
        Shell diff = Shell.exec("LC_ALL=C diff -r \"$1\" \"$2\"", source.toString(), out.toString());
        assertEquals(0, diff.exitCode(), "diff -r: " + diff.stdout() + diff.stderr());
    }
}
