package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code java -jar reflink.jar cp}, run as a subprocess: exit codes, messages, clones. */
class CpCommandTest extends RealFileSystemTest {

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cp_default_clonesWhereItCan_elseCopies_silently(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 1);

        CommandRun run = CommandRun.reflink(
                "cp", source.toString(), dir.resolve("target").toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("", run.stdout());
        assertEquals("", run.stderr(), "no JVM warnings, no noise");
        assertSameContent(source, dir.resolve("target"));
        assertEquals(
                fs.clones(),
                Extents.allShared(dir.resolve("target")),
                Extents.of(dir.resolve("target")).toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void cp_always_onNonCloningFileSystem_exits1_withOneLineNamingBothPaths(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 5000, 2);
        Path target = dir.resolve("target");

        CommandRun run = CommandRun.reflink("cp", "--reflink=always", source.toString(), target.toString());

        assertEquals(1, run.exitCode());
        assertEquals(1, run.stderr().lines().count(), run.stderr());
        assertTrue(
                run.stderr().contains("'" + source + "'") && run.stderr().contains("'" + target + "'"), run.stderr());
        assertTrue(run.stderr().contains("EOPNOTSUPP") || run.stderr().contains("ENOTSUP"), run.stderr());
        assertFalse(Files.exists(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void cp_force_replacesExistingTarget_withAClone_verboseSaysSo(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 100_000, 3);
        Path target = writeRandomFile(dir.resolve("target"), 300_000, 4);

        CommandRun refused = CommandRun.reflink("cp", source.toString(), target.toString());
        CommandRun forced =
                CommandRun.reflink("cp", "-v", "-f", "--reflink=always", source.toString(), target.toString());

        assertEquals(1, refused.exitCode());
        assertTrue(refused.stderr().contains("already exists"), refused.stderr());
        assertEquals(0, forced.exitCode(), forced.stderr());
        assertTrue(forced.stdout().contains("CLONE"), forced.stdout());
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(target));
        assertTrue(Extents.allShared(target));
    }

    @Test
    void cp_usageErrors_exit2_andSayWhatIsWrong() {
        CommandRun badMode = CommandRun.reflink("cp", "--reflink=sometimes", "a", "b");
        CommandRun missingTarget = CommandRun.reflink("cp", "a");
        CommandRun noCommand = CommandRun.reflink();

        assertEquals(2, badMode.exitCode());
        assertTrue(badMode.stderr().contains("'sometimes' is not one of always, auto, never"), badMode.stderr());
        assertEquals(2, missingTarget.exitCode());
        assertTrue(missingTarget.stderr().contains("TARGET"), missingTarget.stderr());
        assertEquals(2, noCommand.exitCode());
    }

    @Test
    void cp_help_showsExamples() {
        CommandRun help = CommandRun.reflink("cp", "--help");

        assertEquals(0, help.exitCode());
        assertTrue(help.stdout().contains("--reflink=WHEN") && help.stdout().contains("Examples:"), help.stdout());
    }

    /**
     * {@code reflink cp -a LINK DEST} and {@code -r}, for each link, and what the test expects of
     * it: DEST a symbolic link with LINK's target, as GNU cp (checked here first, as a witness)
     * makes it. Returns one line per way it went otherwise.
     */
    private static List<String> copyLinkOnTheCommandLine(Path dir, Path link) throws IOException {
        Path linkTarget = Files.readSymbolicLink(link);
        List<String> wrong = new ArrayList<>();
        for (String option : List.of("-a", "-r")) {
            Path gnu = dir.resolve("gnu" + option + "-" + link.getFileName());
            Shell.run("cp " + option + " \"$1\" \"$2\"", link.toString(), gnu.toString());
            assertEquals(linkTarget, Files.readSymbolicLink(gnu), "GNU cp " + option + ", the witness");

            Path dest = dir.resolve("reflink" + option + "-" + link.getFileName());
            CommandRun run = CommandRun.reflink("cp", option, link.toString(), dest.toString());

            if (run.exitCode() != 0) {
                wrong.add("cp " + option + ": exit " + run.exitCode() + ": " + run.stderr());
            } else if (!Files.isSymbolicLink(dest)) {
                wrong.add("cp " + option + ": " + dest.getFileName() + " is "
                        + (Files.isDirectory(dest)
                                ? "a directory"
                                : Files.isRegularFile(dest) ? "a regular file" : "missing")
                        + ", not a link");
            } else if (!linkTarget.equals(Files.readSymbolicLink(dest))) {
                wrong.add("cp " + option + ": a link to " + Files.readSymbolicLink(dest) + ", not to " + linkTarget);
            }
        }
        return wrong;
    }

    /**
     * Guards a symbolic link to a file named on the command line of a recursive copy: like GNU
     * cp, {@code -a} and {@code -r} copy the link itself, not the file it points to. (The
     * command's argument handling: one cloning and one non-cloning file system.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cpArchiveAndRecursive_symbolicLinkToAFileOnTheCommandLine_copyTheLinkItself(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        writeRandomFile(dir.resolve("file.bin"), 5000, 5);
        Path link = Files.createSymbolicLink(dir.resolve("link-to-file"), Path.of("file.bin"));

        assertEquals(List.of(), copyLinkOnTheCommandLine(dir, link));
    }

    /** Guards a symbolic link to a directory named on the command line of {@code cp -a} and {@code cp -r}: the link is copied, not the tree. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cpArchiveAndRecursive_symbolicLinkToADirectoryOnTheCommandLine_copyTheLinkItself(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        writeRandomFile(dir.resolve("tree/inner.bin"), 5000, 6);
        Path link = Files.createSymbolicLink(dir.resolve("link-to-tree"), Path.of("tree"));

        assertEquals(List.of(), copyLinkOnTheCommandLine(dir, link));
    }

    /** Guards "link/" on the command line of {@code cp -r}: as with GNU cp, the slash follows the link to its directory. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cpRecursive_linkToADirectoryWithATrailingSlash_copiesTheDirectory(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        writeRandomFile(dir.resolve("tree/inner.bin"), 5000, 6);
        Path link = Files.createSymbolicLink(dir.resolve("link-to-tree"), Path.of("tree"));
        Path dest = dir.resolve("copy");

        CommandRun run = CommandRun.reflink("cp", "-r", link + "/", dest.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(Files.isDirectory(dest, java.nio.file.LinkOption.NOFOLLOW_LINKS), dest + " is not a directory");
        assertSameContent(dir.resolve("tree/inner.bin"), dest.resolve("inner.bin"));
    }

    /** Guards a dangling link named to {@code cp -r --progress}: it is copied as a link, and the progress display does not follow it. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "TMPFS"})
    void cpRecursiveWithProgress_danglingLinkArgument_isCopiedAsALink(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path link = Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        Path dest = dir.resolve("copy");

        CommandRun run = CommandRun.reflink("cp", "-r", "--progress", link.toString(), dest.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(Path.of("nowhere"), Files.readSymbolicLink(dest));
    }
}
