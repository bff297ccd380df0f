package io.github.reflink4j.cli;

import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reflink cp}: files and trees, cloned where the file system can, like GNU cp. */
@Command(name = "cp", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Copy SOURCE to TARGET, or SOURCEs into the directory TARGET, cloning blocks where the "
                + "file system can (btrfs, xfs with reflink=1) and copying them elsewhere.",
                "A failed file is reported on stderr and the copy goes on; the exit status is then 1."},
        footer = {"", "Examples:",
                  "  reflink cp vm.img vm-copy.img                  clone, else copy",
                  "  reflink cp --reflink=always vm.img snap.img    clone or fail",
                  "  reflink cp -r -p build/ build-snapshot         a whole tree, keeping metadata",
                  "  reflink cp -a /srv/data /srv/data-snapshot     archive: metadata and hard links too",
                  "  reflink cp a.img b.img backups/                into a directory",
                  "  reflink cp -r --json src dst                   figures as JSON on stdout"})
final class CpCommand implements Callable<Integer> {

    @Option(names = "--reflink", paramLabel = "WHEN", defaultValue = "auto", converter = ModeConverter.class,
            description = "always: clone or fail; auto: clone, else copy (default); never: a real copy")
    ReflinkCopyOption mode;

    @Option(names = {"-r", "-R", "--recursive"}, description = "copy directories and everything in them")
    boolean recursive;

    @Option(names = {"-f", "--force"}, description = "replace existing targets (each atomically)")
    boolean force;

    @Option(names = {"-a", "--archive"},
            description = "-r, keeping links as links, mode, owner, timestamps, extended attributes and hard links")
    boolean archive;

    @Option(names = "-p", description = "keep mode, owner, timestamps and extended attributes (--preserve)")
    boolean preserve;

    @Option(names = "--preserve", arity = "0..1", split = ",", paramLabel = "ATTRS",
            fallbackValue = "mode,ownership,timestamps", converter = PreservedConverter.class,
            description = {"keep these: mode, ownership, timestamps, xattr (any of these four keeps all four), "
                    + "links (hard links within a tree), all; without a list, mode,ownership,timestamps"})
    List<Preserved> preserved;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "files copied at once (default: one per core)")
    Integer jobs;

    @Option(names = "--progress", description = "show a progress bar on stderr (automatic on a terminal after 1 s)")
    boolean progress;

    @Option(names = "--json", description = "print the figures as one JSON object on stdout")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "say how each file was copied")
    boolean verbose;

    @Parameters(arity = "2..*", paramLabel = "PATH", description = "SOURCE... TARGET")
    List<Path> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private long files;
    private long directories;
    private long symlinks;
    private long cloned;
    private long copied;
    private final List<Failure> failures = new ArrayList<>();
    /** Target directories already searched for leftovers of killed copies. */
    private final Set<Path> searched = new HashSet<>();

    /** What --preserve can name. */
    enum Preserved { MODE, OWNERSHIP, TIMESTAMPS, XATTR, LINKS, ALL }

    /** A copy that failed, as --json lists it. */
    private record Failure(Path source, Path target, String error) {
    }

    @Override
    public Integer call() {
        long start = System.nanoTime();
        if (archive) {
            recursive = true;
        }
        List<Path> sources = paths.subList(0, paths.size() - 1);
        Path target = paths.get(paths.size() - 1);
        boolean intoDirectory = Files.isDirectory(target);
        if (sources.size() > 1 && !intoDirectory) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "target '" + target + "' is not a directory, and there are " + sources.size() + " sources");
        }
        if (jobs != null && jobs < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--jobs must be at least 1");
        }
        Output output = new Output(spec);
        try (ProgressDisplay display = ProgressDisplay.create(progress, json)) {
            for (Path source : sources) {
                Path destination = intoDirectory && source.getFileName() != null
                        ? target.resolve(source.getFileName()) : target;
                copyOne(source, destination, display, output);
            }
        }
        if (json) {
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
        boolean followLinks = !recursive || ArgumentPaths.hadTrailingSlash(source);
        LinkOption[] linkOptions = followLinks ? new LinkOption[0] : new LinkOption[] {LinkOption.NOFOLLOW_LINKS};
        if (Files.isDirectory(source, linkOptions)) {
            if (!recursive) {
                recordFailure(output, source, destination, "-r not given; omitting directory '" + source + "'");
                return;
            }
            copyTree(source, destination, display, output);
            return;
        }
        try {
            if (display != null) {
                display.addWork(1, Files.readAttributes(source, BasicFileAttributes.class, linkOptions).size());
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
            if (verbose && !json) {
                output.out().printf("'%s' -> '%s': %s, %d bytes%n", source, destination, result.method(), result.bytes());
            }
        } catch (IOException | RuntimeException e) {
            recordFailure(output, source, destination, "cannot copy '" + source + "' to '" + destination + "': "
                    + Output.reason(e, source, destination));
        }
    }

    private void copyTree(Path source, Path destination, ProgressDisplay display, Output output) {
        TreeCopy settings = TreeCopy.options().copyOptions(copyOptions()).preserveHardLinks(keepsHardLinks());
        if (jobs != null) {
            settings = settings.parallelism(jobs);
        }
        if (display != null) {
            settings = settings.listener(display);
            display.countInBackground(source);
        }
        try {
            TreeCopySummary summary = Reflink.copyTree(source, destination, settings);
            summary.leftoversRemoved().forEach(path -> reportLeftover(path, output));
            files += summary.files();
            directories += summary.directories();
            symlinks += summary.symlinks();
            cloned += summary.clonedBytes();
            copied += summary.copiedBytes();
            for (TreeCopyFailure failure : summary.failures()) {
                recordFailure(output, failure.source(), failure.target(), "cannot copy '" + failure.source() + "' to '"
                        + failure.target() + "': " + Output.reason(failure.error(), failure.source(), failure.target()));
            }
            if (verbose && !json) {
                output.out().printf("'%s' -> '%s': %d files, %d directories, %d links, %s cloned, %s copied%n",
                        source, destination, summary.files(), summary.directories(), summary.symlinks(),
                        Output.human(summary.clonedBytes()), Output.human(summary.copiedBytes()));
            }
        } catch (IOException | RuntimeException e) {
            recordFailure(output, source, destination, "cannot copy '" + source + "' to '" + destination + "': "
                    + Output.reason(e, source, destination));
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
            Reflink.removeLeftovers(directory, paths).forEach(path -> reportLeftover(path, output));
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
        List<CopyOption> options = new ArrayList<>(List.of(mode));
        if (force) {
            options.add(StandardCopyOption.REPLACE_EXISTING);
        }
        if (keepsAttributes()) {
            options.add(StandardCopyOption.COPY_ATTRIBUTES);
        }
        return options.toArray(new CopyOption[0]);
    }

    /** The library keeps mode, owner, times and extended attributes together (COPY_ATTRIBUTES). */
    private boolean keepsAttributes() {
        return archive || preserve || preserved != null && preserved.stream().anyMatch(p -> p != Preserved.LINKS);
    }

    private boolean keepsHardLinks() {
        return archive || preserved != null && (preserved.contains(Preserved.LINKS) || preserved.contains(Preserved.ALL));
    }

    /** mode, ownership, timestamps, xattr, links, all, as GNU cp names them. */
    static final class PreservedConverter implements CommandLine.ITypeConverter<Preserved> {
        @Override
        public Preserved convert(String value) {
            try {
                return Preserved.valueOf(value.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown attribute '" + value
                        + "' for --preserve: use mode, ownership, timestamps, xattr, links or all");
            }
        }
    }

    /** always, auto, never: the library's own parser, its message as the usage error. */
    static final class ModeConverter implements CommandLine.ITypeConverter<ReflinkCopyOption> {
        @Override
        public ReflinkCopyOption convert(String value) {
            try {
                return ReflinkCopyOption.fromName(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
