package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code reflink dedupe}: make identical files share their blocks, safely. */
final class DedupeCommand {
    private static final Option RECURSIVE =
            CommandSyntax.flag("r", "recursive", "find duplicates under the given directories");
    private static final Option DRY_RUN =
            CommandSyntax.flag("n", "dry-run", "list what would be deduplicated, change nothing");
    private static final Option JSON = CommandSyntax.json("the figures");
    private static final Option VERBOSE = CommandSyntax.flag("v", "verbose", "say what happened to every file");
    private static final Option PROGRESS = CommandSyntax.flag(
            null, "progress", "show a progress bar on stderr with -r (automatic on a terminal after 1 s)");

    static final CommandSyntax SYNTAX = new CommandSyntax(
            "dedupe",
            "[-hnrvV] [--json] [--progress] PATH...",
            List.of(
                    "Make files with identical data share their blocks (FIDEDUPERANGE), on btrfs and xfs.",
                    "The kernel compares the data itself under lock, so no byte of any file changes: data that "
                            + "differ simply stay unshared.",
                    "FILE...: each FILE after the first shares the first one's data. -r DIR...: finds files of the "
                            + "same size under the directories, sets apart those that differ in a few sampled blocks, "
                            + "skips those that already share their blocks, and lets the kernel compare and share the "
                            + "rest, one source with up to 127 files per request (--dry-run reads the candidates in full, "
                            + "CRC32C)."),
            new Options()
                    .addOption(RECURSIVE)
                    .addOption(DRY_RUN)
                    .addOption(JSON)
                    .addOption(VERBOSE)
                    .addOption(PROGRESS),
            new Options(),
            Set.of(),
            List.of(
                    "",
                    "Examples:",
                    "  reflink dedupe a.iso b.iso c.iso         b and c share a's blocks",
                    "  reflink dedupe -r --dry-run ~/downloads   list duplicate groups, change nothing",
                    "  reflink dedupe -r --json /data            dedupe a tree, figures as JSON",
                    "  reflink dedupe -r --progress /data        with a progress bar on stderr"));

    /**
     * The options of one {@code reflink dedupe}, parsed once.
     *
     * @param paths two files or more, or with -r one directory or more
     */
    record Settings(
            boolean recursive, boolean dryRun, boolean json, boolean verbose, boolean progress, List<Path> paths) {
        static Settings of(CommandLine line) throws CommandSyntax.UsageError {
            List<Path> paths = CommandSyntax.paths(line);
            boolean recursive = line.hasOption(RECURSIVE);
            if (paths.isEmpty()) {
                throw new CommandSyntax.UsageError("PATH is missing: give at least two files, or -r and directories");
            }
            if (!recursive && paths.size() < 2) {
                throw new CommandSyntax.UsageError("give at least two files, or -r and directories");
            }
            return new Settings(
                    recursive,
                    line.hasOption(DRY_RUN),
                    line.hasOption(JSON),
                    line.hasOption(VERBOSE),
                    line.hasOption(PROGRESS),
                    List.copyOf(paths));
        }
    }

    private final boolean recursive;
    private final boolean dryRun;
    private final boolean json;
    private final boolean verbose;
    private final boolean progress;
    private final List<Path> paths;

    /** What happened to one file: its source, and what the kernel did (null in a dry run). */
    record Pair(Path source, Path target, DedupeResult result) {}

    private final List<Pair> pairs = new ArrayList<>();
    private long deduplicated;
    private long differing;
    private long files;
    private long groups;
    private TreeDedupeSummary summary;

    private DedupeCommand(Settings settings) {
        recursive = settings.recursive();
        dryRun = settings.dryRun();
        json = settings.json();
        verbose = settings.verbose();
        progress = settings.progress();
        paths = settings.paths();
    }

    /** {@code reflink dedupe ARGUMENTS}; returns the exit status. */
    static int main(String[] arguments, PrintWriter out, PrintWriter err) {
        return SYNTAX.execute(arguments, out, err, (line, output) -> new DedupeCommand(Settings.of(line)).run(output));
    }

    private int run(Output output) {
        long start = System.nanoTime();
        if (recursive) {
            dedupeTrees(output);
        } else {
            groups = 1;
            Path first = paths.get(0);
            for (Path other : paths.subList(1, paths.size())) {
                dedupe(first, other, output);
            }
        }
        if (json) {
            DedupeJson.print(output, this, Output.seconds(start));
        } else if (dryRun) {
            output.out().printf("%d groups, %d files would share their group's first file's blocks%n", groups, files);
        } else {
            output.out()
                    .printf(
                            "%d files deduplicated: %s now shared, %d differed%s%n",
                            files,
                            Output.human(deduplicated),
                            differing,
                            summary == null || summary.filesAlreadyShared() == 0
                                    ? ""
                                    : ", " + summary.filesAlreadyShared() + " already shared");
        }
        return output.exitCode();
    }

    List<Pair> pairs() {
        return pairs;
    }

    long groups() {
        return groups;
    }

    long files() {
        return files;
    }

    long deduplicated() {
        return deduplicated;
    }

    long differing() {
        return differing;
    }

    boolean dryRun() {
        return dryRun;
    }

    /** The tree dedupe's summary (null for files named one by one). */
    TreeDedupeSummary summary() {
        return summary;
    }

    private void dedupe(Path source, Path target, Output output) {
        if (dryRun) {
            wouldDedupe(source, target, output);
            return;
        }
        try {
            deduplicated(source, target, Reflink.dedupe(source, target), output);
        } catch (IOException | RuntimeException e) {
            output.fail("cannot dedupe '" + target + "' with '" + source + "': " + Output.reason(e, source, target));
        }
    }

    private void wouldDedupe(Path source, Path target, Output output) {
        files++;
        pairs.add(new Pair(source, target, null));
        if (!json) {
            output.out().printf("would dedupe '%s' with '%s'%n", target, source);
        }
    }

    private void deduplicated(Path source, Path target, DedupeResult result, Output output) {
        files++;
        deduplicated += result.bytesDeduplicated();
        if (result.differs()) {
            differing++;
        }
        pairs.add(new Pair(source, target, result));
        if (verbose && !json) {
            output.out()
                    .printf(
                            "'%s': %s shared with '%s'%s%n",
                            target,
                            Output.human(result.bytesDeduplicated()),
                            source,
                            result.differs() ? " (the files differ; the rest stays unshared)" : "");
        }
    }

    /** The engine's tree dedupe; its listener runs on the engine's threads, so it takes this command's lock. */
    private void dedupeTrees(Output output) {
        // the progress bar's library loads only where a bar may show
        boolean mayShow = progress || System.console() != null && !json;
        ProgressDisplay display = mayShow ? ProgressDisplay.create(progress, json, "Deduplicating") : null;
        TreeDedupeListener listener = new TreeDedupeListener() {
            @Override
            public void candidatesFound(long count, long bytes) {
                if (display != null) {
                    display.addWork(count, bytes);
                }
            }

            @Override
            public void setAside(long count, long bytes) {
                if (display != null) {
                    display.done(count, bytes);
                }
            }

            @Override
            public void deduplicated(Path source, Path target, DedupeResult result) {
                synchronized (DedupeCommand.this) {
                    DedupeCommand.this.deduplicated(source, target, result, output);
                }
                if (display != null) {
                    display.done(1, result.bytesCompared());
                }
            }

            @Override
            public void alreadyShared(Path source, Path target, long bytes) {
                synchronized (DedupeCommand.this) {
                    if (verbose && !json) {
                        output.out().printf("'%s': already shares every block with '%s'%n", target, source);
                    }
                }
                if (display != null) {
                    display.done(1, bytes);
                }
            }

            @Override
            public void wouldDedupe(Path source, Path target, long bytes) {
                synchronized (DedupeCommand.this) {
                    DedupeCommand.this.wouldDedupe(source, target, output);
                }
            }

            @Override
            public void failed(Path file, Path other, IOException error) {
                synchronized (DedupeCommand.this) {
                    if (other == null) {
                        output.fail(file, null, error);
                    } else {
                        output.fail("cannot dedupe '" + file + "' with '" + other + "': "
                                + Output.reason(error, file, other));
                    }
                }
            }
        };
        try {
            TreeDedupeSummary result = Reflink.dedupeTree(
                    paths, TreeDedupe.options().dryRun(dryRun).listener(listener));
            synchronized (this) {
                summary = result;
                groups = result.groups();
            }
        } catch (IOException | RuntimeException e) {
            output.fail("cannot dedupe under " + paths + ": " + Output.reason(e, null, null));
        } finally {
            if (display != null) {
                display.close();
            }
        }
    }
}
