package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code src/install.sh}: the command installed under a prefix (the jar, the launcher, the
 * native stub, PREFIX/bin/reflink, the bash and zsh completions and the man page), run from
 * there as root and as an unprivileged user, its completions run by bash and by zsh, its
 * man page rendered by groff with every warning on and holding every option of the command's
 * model, and an uninstall that leaves nothing. The launcher runs on the JDK running the tests.
 */
class InstallTest extends RealFileSystemTest {
    private static final Path INSTALL_SCRIPT = Path.of("../src/install.sh");
    /** Prints what zsh's completion offers for a line (zpty): see the script. */
    private static final Path ZSH_COMPLETIONS = Path.of("src/test/resources/zsh-completions.zsh");

    private static final int NOBODY = 65534;
    private static final List<String> AS_NOBODY =
            List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");

    @TempDir
    Path work;

    private Path prefix;

    @BeforeEach
    void installed() throws IOException {
        CommandRun.launcher(); // built (fails naming what is missing otherwise)
        // the temporary directory is the installation's parent: readable by all, as /usr/local is
        Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x"));
        prefix = work.resolve("prefix");
        install("--prefix", prefix.toString());
    }

    @Test
    void install_laysOutTheCommandItsCompletionsAndItsManPage_readOnlyForOthers() throws IOException {
        assertEquals(Path.of("../lib/reflink4j/reflink"), Files.readSymbolicLink(prefix.resolve("bin/reflink")));
        for (String file : List.of(
                "lib/reflink4j/reflink.jar",
                "lib/reflink4j/reflink",
                "share/bash-completion/completions/reflink",
                "share/zsh/site-functions/_reflink",
                "share/man/man1/reflink.1")) {
            Path installed = prefix.resolve(file);
            assertTrue(Files.isRegularFile(installed, LinkOption.NOFOLLOW_LINKS), file);
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(installed));
            assertEquals(file.equals("lib/reflink4j/reflink") ? "rwxr-xr-x" : "rw-r--r--", mode, file);
        }
        assertEquals(Files.size(CommandRun.jar()), Files.size(prefix.resolve("lib/reflink4j/reflink.jar")));
        try (Stream<Path> stubs = Files.list(prefix.resolve("lib/reflink4j/jffi"))) {
            assertTrue(
                    stubs.anyMatch(stub -> Files.isRegularFile(stub.resolve("libjffi-1.2.so"))),
                    "jnr-ffi's native stub beside the jar");
        }
    }

    @Test
    void installedReflink_version_namesTheVersionTheBindingInUseAndTheJdk() {
        CommandRun run = installedReflink(Map.of("REFLINK4J_CDS", "0"), "--version");

        assertEquals(0, run.exitCode(), run.stderr());
        List<String> lines = run.stdout().lines().toList();
        assertEquals(4, lines.size(), run.stdout());
        assertTrue(lines.get(0).matches("reflink \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines.get(0));
        String binding = Reflink.nativeBinding().orElse("none");
        assertTrue(
                lines.get(1).equals("native binding: " + binding)
                        || binding.equals("none") && lines.get(1).startsWith("native binding: none: "),
                lines.get(1));
        assertEquals(
                "java: " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vendor")
                        + ") in " + System.getProperty("java.home"),
                lines.get(2));
        assertEquals(
                "os: Linux " + System.getProperty("os.version") + " " + System.getProperty("os.arch"), lines.get(3));
        assertEquals("", run.stderr());
    }

    @Test
    void installedReflink_clonesOnBtrfs_asRoot_keepingItsArchiveInRootsOwnCache() throws IOException {
        assumeRoot();
        Path directory = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(directory.resolve("source.img"), 1 << 20, 5);
        Path home = Files.createDirectory(work.resolve("root-home"));
        List<Path> installation = files(prefix);

        CommandRun run = installedReflink(
                Map.of("HOME", home.toString(), "XDG_CACHE_HOME", ""),
                "cp",
                "--reflink=always",
                source.toString(),
                directory.resolve("copy.img").toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertSameContent(source, directory.resolve("copy.img"));
        assertTrue(
                Extents.allShared(directory.resolve("copy.img")),
                Extents.of(directory.resolve("copy.img")).toString());
        Path archive = theArchiveIn(home.resolve(".cache/reflink4j"));
        assertEquals(0, Files.getAttribute(archive, "unix:uid"));
        assertEquals(installation, files(prefix), "nothing is written into the installation");
    }

    @Test
    void installedReflink_clonesOnBtrfs_asAnUnprivilegedUser_keepingItsArchiveInThatUsersCache() throws IOException {
        assumeRoot();
        Path directory = directoryOn(TestFileSystem.BTRFS);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = writeRandomFile(directory.resolve("source.img"), 1 << 20, 6);
        Files.setPosixFilePermissions(source, PosixFilePermissions.fromString("rw-r--r--"));
        Path theirs = Files.createDirectory(directory.resolve("theirs"));
        Path home = Files.createDirectory(work.resolve("nobody-home"));
        for (Path owned : List.of(theirs, home)) {
            Files.setAttribute(owned, "unix:uid", NOBODY);
            Files.setAttribute(owned, "unix:gid", NOBODY);
        }
        List<Path> installation = files(prefix);
        List<String> command = new ArrayList<>(AS_NOBODY);
        command.addAll(List.of(
                prefix.resolve("bin/reflink").toString(),
                "cp",
                "--reflink=always",
                source.toString(),
                theirs.resolve("copy.img").toString()));

        CommandRun run = CommandRun.run(
                command, launcherEnvironment(Map.of("HOME", home.toString(), "XDG_CACHE_HOME", "")), work);

        assertEquals(0, run.exitCode(), run.stderr());
        Path copy = theirs.resolve("copy.img");
        assertSameContent(source, copy);
        assertEquals(NOBODY, Files.getAttribute(copy, "unix:uid"));
        assertTrue(Extents.allShared(copy), Extents.of(copy).toString());
        Path archive = theArchiveIn(home.resolve(".cache/reflink4j"));
        assertEquals(NOBODY, Files.getAttribute(archive, "unix:uid"));
        assertEquals(installation, files(prefix), "nothing is written into the installation");
    }

    @Test
    void installedReflink_inAPrefixAndAHomeWithSpaces_makesItsArchive() throws IOException {
        Path spaced = work.resolve("my tools");
        install("--prefix", spaced.toString());
        Path home = Files.createDirectory(work.resolve("a home"));

        CommandRun run = CommandRun.run(
                List.of(spaced.resolve("bin/reflink").toString(), "--version"),
                launcherEnvironment(Map.of("HOME", home.toString(), "XDG_CACHE_HOME", "")),
                work);

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith("reflink "), run.stdout());
        theArchiveIn(home.resolve(".cache/reflink4j")); // the training ran, its paths whole
    }

    @Test
    void installedReflink_asAnUnprivilegedUserWithoutAHome_runsWithoutAnArchive() {
        assumeRoot();
        List<String> command = new ArrayList<>(AS_NOBODY);
        command.addAll(List.of(prefix.resolve("bin/reflink").toString(), "--version"));

        CommandRun run = CommandRun.run(
                command, launcherEnvironment(Map.of("HOME", "/nonexistent", "XDG_CACHE_HOME", "")), work);

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stdout().startsWith("reflink "), run.stdout());
        assertFalse(Files.exists(Path.of("/nonexistent")), "no home is made up");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                // COMP_WORDS, split as bash splits them ("=" is a word break) | what the last word completes to
                "reflink ''                        | cp dedupe du help probe",
                "reflink d                         | dedupe du",
                "reflink --v                       | --version",
                "reflink cp --re                   | --recursive --reflink",
                "reflink cp --reflink = ''         | always auto never",
                "reflink cp --reflink = a          | always auto",
                "reflink cp --reflink a            | always auto",
                "reflink cp --reflink=n            | --reflink=never",
                "reflink cp --preserve = mode,t    | mode,timestamps",
                "reflink cp -j ''                  | ''",
                "reflink du -                      | --bytes --help --json --summarize --version -V -b -h -s",
                "reflink dedupe --d                | --dry-run",
                "reflink probe --json sub          | subdirectory",
                "reflink cp -r sub                 | subdirectory subfile",
                "reflink cp -- --re                | --recent",
                "reflink help de                   | dedupe",
            })
    void bashCompletion_completesCommandsOptionsValuesAndFiles(String words, String expected) throws IOException {
        Path directory = Files.createDirectory(work.resolve("completing"));
        Files.createDirectory(directory.resolve("subdirectory"));
        Files.createFile(directory.resolve("subfile"));
        Files.createFile(directory.resolve("--recent"));
        String[] split = words.trim().split(" +");
        String array = Arrays.stream(split)
                .map(word -> word.equals("''") ? "''" : "'" + word + "'")
                .collect(Collectors.joining(" "));
        String script = "source \"$1\" && complete -p reflink && COMP_WORDS=(" + array + ") && COMP_CWORD="
                + (split.length - 1) + " && _reflink && printf '%s\\n' \"${COMPREPLY[@]}\"";

        CommandRun run = CommandRun.run(
                List.of(
                        "bash",
                        "--norc",
                        "-c",
                        script,
                        "bash",
                        prefix.resolve("share/bash-completion/completions/reflink")
                                .toString()),
                Map.of(),
                directory);

        assertEquals(0, run.exitCode(), run.stderr());
        List<String> lines = run.stdout().lines().toList();
        assertEquals("complete -F _reflink reflink", lines.get(0));
        List<String> completions = lines.subList(1, lines.size()).stream()
                .filter(line -> !line.isEmpty())
                .sorted()
                .toList();
        List<String> wanted = expected.trim().equals("''")
                ? List.of()
                : Arrays.stream(expected.trim().split(" +")).sorted().toList();
        assertEquals(wanted, completions, run.stdout());
    }

    @Test
    void bashCompletion_keepsAFileNameWithSpacesWhole() throws IOException {
        Path directory = Files.createDirectory(work.resolve("completing"));
        Files.createFile(directory.resolve("vm image 1.img"));
        Files.createFile(directory.resolve("vm image 2.img"));
        String script = "source \"$1\" && COMP_WORDS=(reflink cp vm) && COMP_CWORD=2 && _reflink"
                + " && printf '%s\\n' \"${COMPREPLY[@]}\"";

        CommandRun run = CommandRun.run(
                List.of(
                        "bash",
                        "--norc",
                        "-c",
                        script,
                        "bash",
                        prefix.resolve("share/bash-completion/completions/reflink")
                                .toString()),
                Map.of(),
                directory);

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(
                List.of("vm image 1.img", "vm image 2.img"),
                run.stdout().lines().sorted().toList());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                // the line typed before a TAB | the candidates zsh offers
                "reflink                        | cp dedupe du help probe",
                "reflink cp --re                | --recursive --reflink",
                "reflink cp --reflink=a         | always auto",
                "reflink cp --preserve=mode,t   | timestamps",
                "reflink probe sub              | subdirectory",
                "reflink cp sub                 | subdirectory subfile",
                "reflink help d                 | dedupe du",
            })
    void zshCompletion_completesCommandsOptionsValuesAndFiles(String line, String expected) throws IOException {
        Path zsh = zsh();
        Path directory = Files.createDirectory(work.resolve("completing"));
        Files.createDirectory(directory.resolve("subdirectory"));
        Files.createFile(directory.resolve("subfile"));
        String typed = line.strip().equals("reflink") ? "reflink " : line.strip();

        CommandRun run = CommandRun.run(
                List.of(
                        "timeout",
                        "60",
                        zsh.toString(),
                        "-f",
                        ZSH_COMPLETIONS.toAbsolutePath().toString(),
                        prefix.resolve("share/zsh/site-functions").toString(),
                        typed),
                Map.of("HOME", directory.toString()),
                directory);

        assertEquals(0, run.exitCode(), run.stderr());
        assertEquals(
                Arrays.stream(expected.strip().split(" +")).sorted().toList(),
                run.stdout().lines().toList(),
                run.stderr());
    }

    @Test
    void zshCompletion_isFoundByCompinit_andParses() throws IOException {
        Path zsh = zsh();
        Path functions = prefix.resolve("share/zsh/site-functions");
        Path dump = work.resolve("zcompdump");
        String script = "fpath=(\"$1\" $fpath) && autoload -Uz compinit && compinit -u -d \"$2\" && "
                + "print -r -- \"$_comps[reflink]\" && autoload +X _reflink && whence -w _reflink";

        CommandRun parse = CommandRun.run(
                List.of(zsh.toString(), "-n", functions.resolve("_reflink").toString()), Map.of(), work);
        CommandRun load = CommandRun.run(
                List.of(zsh.toString(), "-f", "-c", script, "zsh", functions.toString(), dump.toString()),
                Map.of("HOME", work.toString()),
                work);

        assertEquals(0, parse.exitCode(), parse.stderr());
        assertEquals("", parse.stderr());
        assertEquals(0, load.exitCode(), load.stderr() + load.stdout());
        assertEquals(
                List.of("_reflink", "_reflink: function"), load.stdout().lines().toList(), load.stderr());
        assertEquals("", load.stderr());
    }

    @Test
    void manPage_rendersWithoutAWarning_andListsEveryOptionOfEveryCommand() throws IOException {
        Path page = prefix.resolve("share/man/man1/reflink.1");
        CommandRun check = CommandRun.run(List.of("groff", "-ww", "-z", "-man", page.toString()), Map.of(), work);
        assertEquals(0, check.exitCode(), check.stderr());
        assertEquals("", check.stderr(), "groff's warnings");
        CommandRun rendered = CommandRun.run(
                List.of("groff", "-man", "-Tascii", "-rLL=200n", "-rHY=0", "-P", "-cbou", page.toString()),
                Map.of(),
                work);
        assertEquals(0, rendered.exitCode(), rendered.stderr());
        Map<String, List<String>> sections = sections(rendered.stdout());
        // the model, as the command itself lists it: "cp -j --jobs=N", "reflink -h --help"
        CommandRun model = CommandRun.run(
                List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "-cp",
                        CommandRun.jar().toString(),
                        "io.github.reflink4j.cli.CommandReference",
                        "options"),
                Map.of(),
                work);
        assertEquals(0, model.exitCode(), model.stderr());
        List<String> options = model.stdout().lines().toList();
        assertTrue(options.size() >= 20, "the model lists the options of four commands: " + options);

        for (String option : options) {
            String[] words = option.split(" ");
            String section = words[0].equals("reflink") ? "OPTIONS" : "reflink " + words[0];
            String names = String.join(", ", Arrays.asList(words).subList(1, words.length));
            List<String> lines = sections.getOrDefault(section, List.of());
            assertTrue(
                    lines.stream().anyMatch(line -> line.equals(names) || line.startsWith(names + " ")),
                    "'" + names + "' in " + section + ": " + lines);
        }
        for (String heading :
                List.of("NAME", "SYNOPSIS", "DESCRIPTION", "EXIT STATUS", "ENVIRONMENT", "EXAMPLES", "SEE ALSO")) {
            assertTrue(sections.containsKey(heading), heading + " in " + sections.keySet());
        }
        assertTrue(
                sections.get("ENVIRONMENT").contains("REFLINK4J_BINDING"),
                sections.get("ENVIRONMENT").toString());
    }

    @Test
    void uninstall_leavesNothing_neitherInAPrefixNorInAStagingDirectory() throws IOException {
        Path stage = Files.createDirectory(work.resolve("stage"));
        install("--destdir", stage.toString(), "--prefix", "/usr/local");
        assertTrue(Files.isSymbolicLink(stage.resolve("usr/local/bin/reflink")));

        install("--uninstall", "--prefix", prefix.toString());
        install("--uninstall", "--destdir", stage.toString(), "--prefix", "/usr/local");

        assertEquals(List.of(), files(prefix), "left in the prefix");
        assertEquals(List.of(), files(stage), "left in the staging directory");
    }

    @Test
    void install_keepsTheModesOfDirectoriesThatExist_andMakesTheMissingOnesReadableByAll() throws IOException {
        Path other = work.resolve("other");
        Path bin = Files.createDirectories(other.resolve("bin"));
        Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwx------"));

        install("--prefix", other.toString());

        assertEquals("rwx------", mode(bin), "the mode of a directory that was there");
        for (String made : List.of(
                "lib",
                "lib/reflink4j",
                "share",
                "share/man/man1",
                "share/zsh/site-functions",
                "share/bash-completion/completions")) {
            assertEquals("rwxr-xr-x", mode(other.resolve(made)), made);
        }
    }

    @Test
    void install_overAnotherProgramsReflink_failsNamingIt_andChangesNothing() throws IOException {
        Path other = work.resolve("other");
        Path foreign = Files.createDirectories(other.resolve("bin")).resolve("reflink");
        Files.writeString(foreign, "#!/bin/sh\necho another reflink\n");

        CommandRun run = runInstall("--prefix", other.toString());

        assertEquals(2, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains(foreign + " exists and is not reflink4j's"), run.stderr());
        assertEquals("#!/bin/sh\necho another reflink\n", Files.readString(foreign));
        assertEquals(List.of(Path.of("bin"), Path.of("bin/reflink")), files(other));
    }

    @Test
    void uninstall_leavesAnotherProgramsReflink_andRemovesTheRest() throws IOException {
        Path link = prefix.resolve("bin/reflink");
        Files.delete(link);
        Files.writeString(link, "#!/bin/sh\necho another reflink\n");

        CommandRun run = runInstall("--uninstall", "--prefix", prefix.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("left " + link), run.stderr());
        assertEquals("#!/bin/sh\necho another reflink\n", Files.readString(link));
        assertEquals(List.of(Path.of("bin"), Path.of("bin/reflink")), files(prefix));
    }

    @Test
    void install_overAnotherProgramsManPage_failsNamingIt_andChangesNothing() throws IOException {
        Path other = work.resolve("other");
        Path page = Files.createDirectories(other.resolve("share/man/man1")).resolve("reflink.1");
        Files.writeString(page, ".TH REFLINK 1\n");

        CommandRun run = runInstall("--prefix", other.toString());

        assertEquals(2, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains(page + " exists and is not reflink4j's"), run.stderr());
        assertEquals(".TH REFLINK 1\n", Files.readString(page));
        assertEquals(
                List.of(
                        Path.of("share"),
                        Path.of("share/man"),
                        Path.of("share/man/man1"),
                        Path.of("share/man/man1/reflink.1")),
                files(other));
    }

    @Test
    void uninstall_leavesACompletionTheBuildDidNotWrite_andRemovesTheRest() throws IOException {
        Path completion = prefix.resolve("share/bash-completion/completions/reflink");
        Files.writeString(completion, "complete -F _another_reflink reflink\n"); // another package's, since

        CommandRun run = runInstall("--uninstall", "--prefix", prefix.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertTrue(run.stderr().contains("left " + completion), run.stderr());
        assertEquals("complete -F _another_reflink reflink\n", Files.readString(completion));
        assertEquals(
                List.of(
                        Path.of("share"),
                        Path.of("share/bash-completion"),
                        Path.of("share/bash-completion/completions"),
                        Path.of("share/bash-completion/completions/reflink")),
                files(prefix));
    }

    @Test
    void uninstall_ofAPrefixWithSpaces_removesItsOwnDirectories_andNoOtherEmptyOne() throws IOException {
        Path spaced = work.resolve("my tools");
        // what a prefix split at its space would name: an empty directory that is not the installation's
        Path neighbour = Files.createDirectory(work.resolve("my"));

        install("--prefix", spaced.toString());
        assertEquals(Path.of("../lib/reflink4j/reflink"), Files.readSymbolicLink(spaced.resolve("bin/reflink")));
        install("--uninstall", "--prefix", spaced.toString());

        assertEquals(List.of(), files(spaced), "left in the prefix");
        assertTrue(Files.isDirectory(neighbour), "an empty directory beside the prefix was removed");
    }

    private static String mode(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
    }

    private static Path zsh() {
        Path zsh = Stream.of("/usr/bin/zsh", "/bin/zsh")
                .map(Path::of)
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        if (zsh == null) {
            TestFileSystem.unavailable("zsh is not installed (src/run-tests.sh installs it as root)");
        }
        return zsh;
    }

    /** Lines of each section and subsection of the rendered page, by heading, indentation removed. */
    private static Map<String, List<String>> sections(String text) {
        Map<String, List<String>> sections = new HashMap<>();
        List<String> current = new ArrayList<>();
        for (String line : text.lines().toList()) {
            if (line.matches("[A-Z][A-Z ]*") || line.matches(" {3}reflink [a-z]+")) {
                current = new ArrayList<>();
                sections.put(line.strip(), current);
            } else if (!line.isBlank()) {
                current.add(line.strip());
            }
        }
        return sections;
    }

    private void install(String... arguments) {
        CommandRun run = runInstall(arguments);
        assertEquals(0, run.exitCode(), run.stderr() + run.stdout());
    }

    /** {@code sh src/install.sh ARGUMENTS}, its exit status for the caller to check. */
    private static CommandRun runInstall(String... arguments) {
        List<String> command = new ArrayList<>(List.of("sh", INSTALL_SCRIPT.toString()));
        command.addAll(List.of(arguments));
        return CommandRun.run(command, Map.of(), null);
    }

    /** PREFIX/bin/reflink, run on the JDK running these tests. */
    private CommandRun installedReflink(Map<String, String> environment, String... arguments) {
        List<String> command =
                new ArrayList<>(List.of(prefix.resolve("bin/reflink").toString()));
        command.addAll(List.of(arguments));
        return CommandRun.run(command, launcherEnvironment(environment), work);
    }

    private static Map<String, String> launcherEnvironment(Map<String, String> environment) {
        Map<String, String> all = new HashMap<>(environment);
        all.put("JAVA_HOME", System.getProperty("java.home"));
        all.put("REFLINK4J_JAVA_OPTS", "");
        return all;
    }

    /** The one archive the launcher's training made in {@code cache}, once the training is over. */
    private static Path theArchiveIn(Path cache) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
        while ((!Files.isDirectory(cache) || Files.exists(cache.resolve("training.lock")))
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while the training ran", e);
            }
        }
        List<Path> files = files(cache);
        assertEquals(1, files.size(), "one archive, nothing else, in " + cache + ": " + files);
        assertTrue(files.get(0).toString().matches("reflink-jdk\\d+-\\d+-\\d+\\.(jsa|aot)"), files.toString());
        return cache.resolve(files.get(0));
    }

    /** Every file and directory under {@code root}, relative to it, sorted. */
    private static List<Path> files(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk
                    .filter(path -> !path.equals(root))
                    .map(root::relativize)
                    .collect(Collectors.toCollection(TreeSet::new))
                    .stream()
                    .toList();
        }
    }

    private static void assumeRoot() {
        if (!"root".equals(System.getProperty("user.name"))) {
            TestFileSystem.unavailable("installing for and running as another user (setpriv) needs root");
        }
    }
}
