package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code reflink cp}: files and trees, cloned where the file system can, like GNU cp. */
final class CpCommand {
    private static final Option REFLINK = Option.builder()
            .longOpt("reflink")
            .hasArg()
            .argName("WHEN")
            .desc("always: clone or fail; auto: clone, else copy (default); never: a real copy")
            .get();
    private static final Option RECURSIVE =
            CommandSyntax.flag("r", "recursive", "copy directories and everything in them (-R too)");
    private static final Option RECURSIVE_R = CommandSyntax.flag("R", null, null);
    private static final Option FORCE = CommandSyntax.flag("f", "force", "replace existing targets (each atomically)");
    private static final Option ARCHIVE = CommandSyntax.flag(
            "a", "archive", "-r, keeping links as links, mode, owner, timestamps, extended attributes and hard links");
    private static final Option P =
            CommandSyntax.flag("p", null, "keep mode, owner, timestamps and extended attributes (--preserve)");
    private static final Option PRESERVE = Option.builder()
            .longOpt("preserve")
            .hasArg()
            .optionalArg(true)
            .argName("ATTRS")
            .desc("keep these: mode, ownership, timestamps, xattr (any of these four keeps all "
                    + "four), links (hard links within a tree), all; without a list, mode,ownership,timestamps")
            .get();
    private static final Option JOBS = Option.builder("j")
            .longOpt("jobs")
            .hasArg()
            .argName("N")
            .desc("files copied at once (default: one per core)")
            .get();
    private static final Option PROGRESS =
            CommandSyntax.flag(null, "progress", "show a progress bar on stderr (automatic on a terminal after 1 s)");
    private static final Option JSON = CommandSyntax.json("the figures");
    private static final Option VERBOSE = CommandSyntax.flag("v", "verbose", "say how each file was copied");
    /** What --preserve means without a list. */
    private static final String PRESERVE_FALLBACK = "mode,ownership,timestamps";

    static final CommandSyntax SYNTAX = new CommandSyntax(
            "cp",
            "[-afprRv] [--reflink=WHEN] [--preserve[=ATTRS]]... [-j N] [--progress] [--json] SOURCE... TARGET",
            List.of(
                    "Copy SOURCE to TARGET, or SOURCEs into the directory TARGET, cloning blocks where the "
                            + "file system can (btrfs, xfs with reflink=1) and copying them elsewhere.",
                    "A failed file is reported on stderr and the copy goes on; the exit status is then 1."),
            new Options()
                    .addOption(REFLINK)
                    .addOption(RECURSIVE)
                    .addOption(FORCE)
                    .addOption(ARCHIVE)
                    .addOption(P)
                    .addOption(PRESERVE)
                    .addOption(JOBS)
                    .addOption(PROGRESS)
                    .addOption(JSON)
                    .addOption(VERBOSE),
            new Options().addOption(RECURSIVE_R),
            Set.of("preserve"),
            List.of(
                    "",
                    "Examples:",
                    "  reflink cp vm.img vm-copy.img                  clone, else copy",
                    "  reflink cp --reflink=always vm.img snap.img    clone or fail",
                    "  reflink cp -r -p build/ build-snapshot         a whole tree, keeping metadata",
                    "  reflink cp -a /srv/data /srv/data-snapshot     archive: metadata and hard links too",
                    "  reflink cp a.img b.img backups/                into a directory",
                    "  reflink cp -r --json src dst                   figures as JSON on stdout"),
            Map.of("reflink", names(ReflinkCopyOption.values()), "preserve", names(Preserved.values())));

    /** The names of these constants as the command takes them: lower case. */
    private static List<String> names(Enum<?>[] constants) {
        List<String> names = new ArrayList<>();
        for (Enum<?> constant : constants) {
            names.add(constant.name().toLowerCase(Locale.ROOT));
        }
        return names;
    }

    /**
     * The options of one {@code reflink cp}, parsed once.
     *
     * @param recursive true with -r, -R, --recursive, and with -a
     * @param preserved what --preserve named (empty without it)
     * @param jobs      files copied at once; null for the library's default
     * @param paths     SOURCE... TARGET
     */
    record Settings(
            ReflinkCopyOption mode,
            boolean recursive,
            boolean force,
            boolean archive,
            boolean preserve,
            Set<Preserved> preserved,
            Integer jobs,
            boolean progress,
            boolean json,
            boolean verbose,
            List<Path> paths) {
        static Settings of(CommandLine line) throws CommandSyntax.UsageError {
            ReflinkCopyOption mode = ReflinkCopyOption.AUTO;
            if (line.hasOption(REFLINK)) {
                try {
                    mode = ReflinkCopyOption.fromName(line.getOptionValue(REFLINK));
                } catch (IllegalArgumentException e) {
                    throw new CommandSyntax.UsageError("invalid value for option '--reflink': " + e.getMessage());
                }
            }
            Set<Preserved> preserved = EnumSet.noneOf(Preserved.class);
            String[] lists = line.getOptionValues(PRESERVE);
            for (String list : lists == null ? new String[0] : lists) {
                preserved.addAll(preservedIn(list == null ? PRESERVE_FALLBACK : list));
            }
            Integer jobs = null;
            if (line.hasOption(JOBS)) {
                String value = line.getOptionValue(JOBS);
                try {
                    jobs = Integer.valueOf(value);
                } catch (NumberFormatException e) {
                    throw new CommandSyntax.UsageError(
                            "invalid value for option '--jobs': '" + value + "' is not a whole number");
                }
                if (jobs < 1) {
                    throw new CommandSyntax.UsageError("--jobs must be at least 1");
                }
            }
            List<Path> paths = CommandSyntax.paths(line);
            if (paths.isEmpty()) {
                throw new CommandSyntax.UsageError("SOURCE and TARGET are missing (SOURCE... TARGET)");
            }
            if (paths.size() == 1) {
                throw new CommandSyntax.UsageError("TARGET is missing after '" + paths.get(0) + "' (SOURCE... TARGET)");
            }
            boolean archive = line.hasOption(ARCHIVE);
            return new Settings(
                    mode,
                    archive || line.hasOption(RECURSIVE) || line.hasOption(RECURSIVE_R),
                    line.hasOption(FORCE),
                    archive,
                    line.hasOption(P),
                    Collections.unmodifiableSet(preserved),
                    jobs,
                    line.hasOption(PROGRESS),
                    line.hasOption(JSON),
                    line.hasOption(VERBOSE),
                    List.copyOf(paths));
        }
    }

    private final Settings settings;
    private long files;
    private long directories;
    private long symlinks;
    private long cloned;
    private long copied;
    private final List<Failure> failures = new ArrayList<>();
    /** Target directories already searched for leftovers of killed copies. */
    private final Set<Path> searched = new HashSet<>();

    /** What --preserve can name. */
    enum Preserved {
        MODE,
        OWNERSHIP,
        TIMESTAMPS,
        XATTR,
        LINKS,
        ALL
    }

    /** A copy that failed, as --json lists it. */
    private record Failure(Path source, Path target, String error) {}

    private CpCommand(Settings settings) {
        this.settings = settings;
    }

    /** {@code reflink cp ARGUMENTS}; returns the exit status. */
    static int main(String[] arguments, PrintWriter out, PrintWriter err) {
        return SYNTAX.execute(
                withPreserveValues(arguments),
                out,
                err,
                (line, output) -> new CpCommand(Settings.of(line)).run(output));
    }

    /**
     * The arguments with each {@code --preserve} written with its list: {@code --preserve LIST}
     * when the next argument is a valid list (it is taken as the list, as before), else
     * {@code --preserve=mode,ownership,timestamps}, leaving the next argument a path.
     */
    static String[] withPreserveValues(String[] arguments) {
        List<String> result = new ArrayList<>(arguments.length);
        for (int i = 0; i < arguments.length; i++) {
            String argument = arguments[i];
            if (argument.equals("--")) {
                result.addAll(List.of(arguments).subList(i, arguments.length));
                break;
            }
            if (!argument.equals("--preserve")) {
                result.add(argument);
            } else if (i + 1 < arguments.length && isPreservedList(arguments[i + 1])) {
                result.add("--preserve=" + arguments[++i]);
            } else {
                result.add("--preserve=" + PRESERVE_FALLBACK);
            }
        }
        return result.toArray(new String[0]);
    }

    private static boolean isPreservedList(String list) {
        try {
            preservedIn(list);
            return true;
        } catch (CommandSyntax.UsageError e) {
            return false;
        }
    }

    /** mode, ownership, timestamps, xattr, links, all, as GNU cp names them, separated by commas. */
    static Set<Preserved> preservedIn(String list) throws CommandSyntax.UsageError {
        Set<Preserved> preserved = EnumSet.noneOf(Preserved.class);
        for (String value : list.split(",", -1)) {
            try {
                preserved.add(Preserved.valueOf(value.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new CommandSyntax.UsageError("invalid value for option '--preserve': unknown attribute '" + value
                        + "': use mode, ownership, timestamps, xattr, links or all");
            }
        }
        return preserved;
    }

    private int run(Output output) throws CommandSyntax.UsageError {
        long start = System.nanoTime();
        List<Path> paths = settings.paths();
        List<Path> sources = paths.subList(0, paths.size() - 1);
        Path target = paths.get(paths.size() - 1);
        boolean intoDirectory = Files.isDirectory(target);
        if (sources.size() > 1 && !intoDirectory) {
            throw new CommandSyntax.UsageError(
                    "target '" + target + "' is not a directory, and there are " + sources.size() + " sources");
        }
        try (ProgressDisplay display = ProgressDisplay.create(settings.progress(), settings.json())) {
            for (Path source : sources) {
                Path destination =
                        intoDirectory && source.getFileName() != null ? target.resolve(source.getFileName()) : target;
                copyOne(source, destination, display, output);
            }
        }
        if (settings.json()) {
            output.json(JsonFigures.of(this, output, start));
        }
        return output.exitCode();
    }

    /**
     * The figures as one JSON object; a class of its own, so that Gson is loaded only with --json
     * (the JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class JsonFigures {
        static JsonObject of(CpCommand copy, Output output, long start) {
            JsonObject figures = new JsonObject();
            figures.addProperty("files", copy.files);
            figures.addProperty("directories", copy.directories);
            figures.addProperty("symlinks", copy.symlinks);
            figures.addProperty("cloned_bytes", copy.cloned);
            figures.addProperty("copied_bytes", copy.copied);
            figures.addProperty("failed", output.failures());
            figures.addProperty("seconds", Output.seconds(start));
            JsonArray failures = new JsonArray();
            for (Failure failure : copy.failures) {
                JsonObject entry = new JsonObject();
                entry.addProperty("source", failure.source().toString());
                entry.addProperty("target", failure.target().toString());
                entry.addProperty("error", failure.error());
                failures.add(entry);
            }
            figures.add("failures", failures);
            return figures;
        }
    }

    private void copyOne(Path source, Path destination, ProgressDisplay display, Output output) {
        // like GNU cp: a recursive copy never follows a symbolic link, not even one given here,
        // unless it is named with a trailing slash ("link/": the directory it points to)
        boolean followLinks = !settings.recursive() || ArgumentPaths.hadTrailingSlash(source);
        LinkOption[] linkOptions = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        if (Files.isDirectory(source, linkOptions)) {
            if (!settings.recursive()) {
                recordFailure(output, source, destination, "-r not given; omitting directory '" + source + "'");
                return;
            }
            copyTree(source, destination, display, output);
            return;
        }
        try {
            if (display != null) {
                display.addWork(
                        1,
                        Files.readAttributes(source, BasicFileAttributes.class, linkOptions)
                                .size());
            }
            removeLeftovers(destination, output);
            CopyOption[] options = copyOptions();
            if (!followLinks) {
                options = java.util.Arrays.copyOf(options, options.length + 1);
                options[options.length - 1] = LinkOption.NOFOLLOW_LINKS;
            }
            CopyResult result = Reflink.copy(source, destination, options);
            if (display != null) {
                display.fileCopied(source, destination, result);
            }
            if (result.method() != CopyMethod.NONE) {
                files++;
            }
            cloned += result.clonedBytes();
            copied += result.copiedBytes();
            if (settings.verbose() && !settings.json()) {
                output.out()
                        .printf("'%s' -> '%s': %s, %d bytes%n", source, destination, result.method(), result.bytes());
            }
        } catch (IOException | RuntimeException e) {
            recordFailure(
                    output,
                    source,
                    destination,
                    "cannot copy '" + source + "' to '" + destination + "': " + Output.reason(e, source, destination));
        }
    }

    private void copyTree(Path source, Path destination, ProgressDisplay display, Output output) {
        TreeCopy treeCopy = TreeCopy.options().copyOptions(copyOptions()).preserveHardLinks(keepsHardLinks());
        if (settings.jobs() != null) {
            treeCopy = treeCopy.parallelism(settings.jobs());
        }
        if (display != null) {
            treeCopy = treeCopy.listener(display);
            display.countInBackground(source);
        }
        try {
            TreeCopySummary summary = Reflink.copyTree(source, destination, treeCopy);
            summary.leftoversRemoved().forEach(path -> reportLeftover(path, output));
            files += summary.files();
            directories += summary.directories();
            symlinks += summary.symlinks();
            cloned += summary.clonedBytes();
            copied += summary.copiedBytes();
            for (TreeCopyFailure failure : summary.failures()) {
                recordFailure(
                        output,
                        failure.source(),
                        failure.target(),
                        "cannot copy '" + failure.source() + "' to '" + failure.target() + "': "
                                + Output.reason(failure.error(), failure.source(), failure.target()));
            }
            if (settings.verbose() && !settings.json()) {
                output.out()
                        .printf(
                                "'%s' -> '%s': %d files, %d directories, %d links, %s cloned, %s copied%n",
                                source,
                                destination,
                                summary.files(),
                                summary.directories(),
                                summary.symlinks(),
                                Output.human(summary.clonedBytes()),
                                Output.human(summary.copiedBytes()));
            }
        } catch (IOException | RuntimeException e) {
            recordFailure(
                    output,
                    source,
                    destination,
                    "cannot copy '" + source + "' to '" + destination + "': " + Output.reason(e, source, destination));
        }
    }

    /**
     * Removes, once per directory, the temporary files that killed copies left beside their
     * targets in the directory a file is copied into (a tree copy does this itself, in each
     * directory that already existed). Best effort: a directory that cannot be searched is the
     * copy's to report. The paths on the command line are spared: a user may copy a leftover on
     * purpose, to recover what a killed copy wrote, or name one as the target.
     */
    private void removeLeftovers(Path destination, Output output) {
        Path directory = destination.toAbsolutePath().getParent();
        if (directory == null || !searched.add(directory)) {
            return;
        }
        try {
            Reflink.removeLeftovers(directory, settings.paths()).forEach(path -> reportLeftover(path, output));
        } catch (IOException | RuntimeException e) {
            // nothing removed; the copy itself says what is wrong with the directory, if anything
        }
    }

    /**
     * Always said, not only with -v: a file the user did not name was deleted, and that should
     * never go unseen. It is rare (only after a killed copy) and does not change the exit status.
     */
    private static void reportLeftover(Path path, Output output) {
        output.note("removed '" + path + "', left by an interrupted copy");
    }

    private void recordFailure(Output output, Path source, Path destination, String message) {
        output.fail(message);
        failures.add(new Failure(source, destination, message));
    }

    private CopyOption[] copyOptions() {
        List<CopyOption> options = new ArrayList<>(List.of(settings.mode()));
        if (settings.force()) {
            options.add(StandardCopyOption.REPLACE_EXISTING);
        }
        if (keepsAttributes()) {
            options.add(StandardCopyOption.COPY_ATTRIBUTES);
        }
        return options.toArray(new CopyOption[0]);
    }

    /** The library keeps mode, owner, times and extended attributes together (COPY_ATTRIBUTES). */
    private boolean keepsAttributes() {
        Set<Preserved> preserved = settings.preserved();
        return settings.archive() || settings.preserve() || preserved.stream().anyMatch(p -> p != Preserved.LINKS);
    }

    private boolean keepsHardLinks() {
        Set<Preserved> preserved = settings.preserved();
        return settings.archive() || preserved.contains(Preserved.LINKS) || preserved.contains(Preserved.ALL);
    }
}
