package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.SharingReport;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The reflink command's trees, probe, du and dedupe, run as a subprocess: exit codes, JSON, stderr. */
class CommandLineToolTest extends RealFileSystemTest {

    private static JsonObject json(CommandRun run) {
        assertEquals(1, run.stdout().strip().lines().count(), "one JSON object on stdout: " + run.stdout());
        return JsonParser.parseString(run.stdout()).getAsJsonObject();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cpRecursive_json_reportsTheFigures_andClonesWhereItCan(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = TreeCopyTest.buildTree(dir.resolve("source"));

        CommandRun run = CommandRun.reflink(
                "cp",
                "-r",
                "-p",
                "--json",
                source.toString(),
                dir.resolve("copy").toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals("", run.stderr());
        JsonObject figures = json(run);
        assertEquals(5, figures.get("files").getAsLong());
        assertEquals(6, figures.get("directories").getAsLong());
        assertEquals(3, figures.get("symlinks").getAsLong());
        long data = 100_000 + 300_000 + (1 << 20) + 50_000;
        assertEquals(fs.clones() ? data : 0, figures.get("cloned_bytes").getAsLong());
        assertEquals(fs.clones() ? 0 : data, figures.get("copied_bytes").getAsLong());
        assertEquals(0, figures.get("failed").getAsLong());
        assertTrue(figures.get("seconds").getAsDouble() >= 0);
        assertEquals(fs.clones(), Extents.allShared(dir.resolve("copy/a/b/c/deep.bin")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void cpSeveralSources_intoADirectory_withOneFailing_reportsIt_copiesTheRest_exits1(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("a.bin"), 100_000, 1);
        Path b = writeRandomFile(dir.resolve("b.bin"), 100_000, 2);
        Path into = Files.createDirectory(dir.resolve("into"));
        Path tree = TreeCopyTest.buildTree(dir.resolve("tree"));

        CommandRun run = CommandRun.reflink(
                "cp",
                "--json",
                a.toString(),
                dir.resolve("missing").toString(),
                tree.toString(),
                b.toString(),
                into.toString());

        assertEquals(1, run.exitCode());
        List<String> errors = run.stderr().lines().toList();
        assertEquals(2, errors.size(), run.stderr());
        assertTrue(errors.get(0).contains("'" + dir.resolve("missing") + "'"), errors.get(0));
        assertTrue(
                errors.get(1).contains("omitting directory") && errors.get(1).contains(tree.toString()), errors.get(1));
        JsonObject figures = json(run);
        assertEquals(2, figures.get("files").getAsLong());
        assertEquals(2, figures.get("failed").getAsLong());
        assertEquals(200_000, figures.get("cloned_bytes").getAsLong());
        assertTrue(Extents.allShared(into.resolve("a.bin")) && Extents.allShared(into.resolve("b.bin")));
    }

    @Test
    void probe_saysWhichDirectoriesClone_andExits0OnlyIfAllDo() {
        Path btrfs = directoryOn(TestFileSystem.BTRFS);
        Path xfs = directoryOn(TestFileSystem.XFS);
        Path ext4 = directoryOn(TestFileSystem.EXT4);

        CommandRun good = CommandRun.reflink("probe", btrfs.toString(), xfs.toString());
        CommandRun mixed = CommandRun.reflink("probe", "--json", btrfs.toString(), ext4.toString());
        CommandRun missing = CommandRun.reflink("probe", btrfs.resolve("absent").toString());

        assertEquals(0, good.exitCode(), good.stderr());
        assertTrue(good.stdout().contains(btrfs + ": reflinks supported (btrfs)"), good.stdout());
        assertTrue(good.stdout().contains(xfs + ": reflinks supported (xfs)"), good.stdout());
        // the command runs on this JDK with this environment: the same binding as this JVM's
        String binding = Reflink.nativeBinding().orElseThrow();
        assertTrue(good.stdout().endsWith("native binding: " + binding + "\n"), good.stdout());
        assertEquals(1, mixed.exitCode());
        JsonObject answers = json(mixed);
        assertEquals(binding, answers.get("native_binding").getAsString());
        assertFalse(answers.get("all_supported").getAsBoolean());
        assertEquals(
                "ext4",
                answers.getAsJsonArray("directories")
                        .get(1)
                        .getAsJsonObject()
                        .get("filesystem")
                        .getAsString());
        assertFalse(answers.getAsJsonArray("directories")
                .get(1)
                .getAsJsonObject()
                .get("reflink")
                .getAsBoolean());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.stderr().contains("absent"), missing.stderr());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void du_figures_matchTheLibrary_andFilefrag(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("tree/source.bin"), 1 << 20, 3);
        Reflink.auto(source, dir.resolve("tree/clone.bin"));

        CommandRun perFile =
                CommandRun.reflink("du", "--json", dir.resolve("tree").toString());
        CommandRun summed =
                CommandRun.reflink("du", "-s", "--bytes", dir.resolve("tree").toString());

        assertEquals(0, perFile.exitCode(), perFile.stderr());
        JsonObject figures = json(perFile);
        assertEquals(2, figures.getAsJsonArray("entries").size());
        JsonObject total = figures.getAsJsonObject("total");
        SharingReport clone = Reflink.sharing(dir.resolve("tree/clone.bin"));
        assertEquals(2L << 20, total.get("size").getAsLong());
        assertEquals(fs.clones() ? 2L << 20 : 0, total.get("shared").getAsLong());
        assertEquals(clone.sharedBytes() * 2, total.get("shared").getAsLong());
        assertEquals(fs.clones(), Extents.allShared(dir.resolve("tree/clone.bin")), "filefrag agrees");
        assertEquals(0, summed.exitCode(), summed.stderr());
        String line = summed.stdout().lines().skip(1).findFirst().orElseThrow().trim();
        assertEquals(Long.toString(2L << 20), line.split("\\s+")[0], line);
        assertTrue(line.endsWith(dir.resolve("tree").toString()), line);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void dedupeRecursive_dryRunChangesNothing_thenTheRealRunSharesEveryDuplicate(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("d/a.bin"), 2 << 20, 4);
        Path b = writeRandomFile(dir.resolve("d/sub/b.bin"), 2 << 20, 4);
        Path c = writeRandomFile(dir.resolve("d/sub/c.bin"), 2 << 20, 4);
        Path other = writeRandomFile(dir.resolve("d/other.bin"), 2 << 20, 5);

        CommandRun dry =
                CommandRun.reflink("dedupe", "-r", "--dry-run", dir.resolve("d").toString());
        assertEquals(0, dry.exitCode(), dry.stderr());
        assertTrue(dry.stdout().contains("would dedupe '" + b + "' with '" + a + "'"), dry.stdout());
        assertTrue(Extents.noneShared(a) && Extents.noneShared(b), "a dry run changed something");

        CommandRun real =
                CommandRun.reflink("dedupe", "-r", "--json", dir.resolve("d").toString());

        assertEquals(0, real.exitCode(), real.stderr());
        JsonObject figures = json(real);
        assertEquals(1, figures.get("groups").getAsLong());
        assertEquals(2, figures.get("files").getAsLong());
        assertEquals(4L << 20, figures.get("deduplicated_bytes").getAsLong());
        for (Path file : List.of(a, b, c)) {
            assertTrue(Extents.allShared(file), file + " " + Extents.of(file));
        }
        assertTrue(Extents.noneShared(other));
        assertSameContent(a, c);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void dedupeRecursive_withProgress_drawsTheBarOnStderrOnly_andASecondRunIssuesNoRequest(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path a = writeRandomFile(dir.resolve("d/a.bin"), 3 << 20, 4);
        Path b = writeRandomFile(dir.resolve("d/sub/b.bin"), 3 << 20, 4);

        CommandRun first = CommandRun.reflink(
                "dedupe", "-r", "--progress", "-v", dir.resolve("d").toString());

        assertEquals(0, first.exitCode(), first.stderr());
        assertTrue(first.stderr().contains("Deduplicating"), "no progress bar on stderr: " + first.stderr());
        assertFalse(first.stdout().contains("Deduplicating"), "the bar went to stdout: " + first.stdout());
        assertTrue(first.stdout().contains("1 files deduplicated: 3.0M now shared, 0 differed"), first.stdout());
        assertTrue(Extents.allShared(a) && Extents.allShared(b));

        CommandRun second =
                CommandRun.reflink("dedupe", "-r", "--json", dir.resolve("d").toString());

        assertEquals(0, second.exitCode(), second.stderr());
        JsonObject figures = json(second);
        assertEquals(0, figures.get("requests").getAsLong());
        assertEquals(0, figures.get("deduplicated_bytes").getAsLong());
        assertEquals(1, figures.get("already_shared_files").getAsLong());
        assertSameContent(a, b);
    }

    @Test
    void dedupeOfFiles_onExt4_exits1_namingBothFiles() throws IOException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        Path a = writeRandomFile(dir.resolve("a"), 10_000, 6);
        Path b = writeRandomFile(dir.resolve("b"), 10_000, 6);

        CommandRun run = CommandRun.reflink("dedupe", a.toString(), b.toString());

        assertEquals(1, run.exitCode());
        assertTrue(run.stderr().contains("'" + b + "'") && run.stderr().contains("'" + a + "'"), run.stderr());
        assertTrue(run.stderr().contains("EOPNOTSUPP") || run.stderr().contains("ENOTSUP"), run.stderr());
    }

    @ParameterizedTest(name = "{0} --help")
    @ValueSource(strings = {"cp", "probe", "du", "dedupe"})
    void everyCommand_hasHelpWithExamples(String command) {
        CommandRun help = CommandRun.reflink(command, "--help");

        assertEquals(0, help.exitCode());
        assertTrue(help.stdout().contains("Examples:"), help.stdout());
        assertEquals("", help.stderr());
    }

    @ParameterizedTest(name = "{0} usage error")
    @ValueSource(strings = {"cp", "probe", "du", "dedupe"})
    void everyCommand_exits2_onAUsageError(String command) {
        CommandRun run = CommandRun.reflink(command, "--no-such-option", "one", "two");

        assertEquals(2, run.exitCode());
        assertTrue(run.stderr().contains("--no-such-option"), run.stderr());
    }
}
