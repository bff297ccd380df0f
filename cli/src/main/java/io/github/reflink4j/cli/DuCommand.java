package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.SharingReport;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code reflink du}: size, shared, exclusive and hole bytes of files and trees. */
final class DuCommand {
    private static final Option SUMMARIZE = CommandSyntax.flag("s", "summarize", "one summed line per PATH");
    private static final Option BYTES = CommandSyntax.flag("b", "bytes", "exact byte counts instead of 1.5K, 3.2G");
    private static final Option JSON = CommandSyntax.json("the figures");

    static final CommandSyntax SYNTAX = new CommandSyntax(
            "du",
            "[-bhsV] [--json] PATH...",
            List.of(
                    "Show how much of each file shares blocks with other files, how much is its own, and how "
                            + "much is holes, from the file system's extent map (FIEMAP).",
                    "A directory stands for every regular file under it (links are not followed); -s prints one "
                            + "summed line per PATH. A block shared by two files counts as shared for each."),
            new Options().addOption(SUMMARIZE).addOption(BYTES).addOption(JSON),
            new Options(),
            Set.of(),
            List.of(
                    "",
                    "Examples:",
                    "  reflink du vm-copy.img             did the clone work?",
                    "  reflink du -s build-*/              how much space do these trees really use?",
                    "  reflink du -s --json /data          figures for a script"));

    /**
     * The options of one {@code reflink du}, parsed once.
     *
     * @param paths the PATHs, at least one
     */
    record Settings(boolean summarize, boolean bytes, boolean json, List<Path> paths) {
        static Settings of(CommandLine line) throws CommandSyntax.UsageError {
            List<Path> paths = CommandSyntax.paths(line);
            if (paths.isEmpty()) {
                throw new CommandSyntax.UsageError("PATH is missing: give at least one file or directory");
            }
            return new Settings(
                    line.hasOption(SUMMARIZE), line.hasOption(BYTES), line.hasOption(JSON), List.copyOf(paths));
        }
    }

    private final Settings settings;
    private final boolean summarize;
    private final boolean bytes;
    private final boolean json;

    /** The files measured, for --json. */
    private final List<Entry> entries = new ArrayList<>();

    private final Output output;

    private DuCommand(Settings settings, Output output) {
        this.settings = settings;
        this.summarize = settings.summarize();
        this.bytes = settings.bytes();
        this.json = settings.json();
        this.output = output;
    }

    /** {@code reflink du ARGUMENTS}; returns the exit status. */
    static int main(String[] arguments, PrintWriter out, PrintWriter err) {
        return SYNTAX.execute(arguments, out, err, (line, output) -> new DuCommand(Settings.of(line), output).run());
    }

    private int run() {
        List<Path> paths = settings.paths();
        if (!json) {
            output.out().printf("%10s %10s %10s %10s  %s%n", "SIZE", "SHARED", "EXCLUSIVE", "HOLES", "PATH");
        }
        SharingReport total = SharingReport.empty();
        for (Path path : paths) {
            SharingReport sum = measure(path);
            total = total.plus(sum);
            if (summarize) {
                print(path, sum);
            }
        }
        if (json) {
            output.json(JsonFigures.of(entries, total, output.failures()));
        } else if (paths.size() > 1 || !summarize) {
            print(null, total);
        }
        return output.exitCode();
    }

    private SharingReport measure(Path path) {
        SharingReport[] sum = {SharingReport.empty()};
        RegularFiles.forEach(path, output, (file, attributes) -> {
            try {
                SharingReport report = Reflink.sharing(file);
                sum[0] = sum[0].plus(report);
                if (!summarize) {
                    print(file, report);
                }
            } catch (IOException | RuntimeException e) {
                output.fail(file, null, e);
            }
        });
        return sum[0];
    }

    private void print(Path path, SharingReport report) {
        if (json) {
            if (path != null) {
                entries.add(new Entry(path, report));
            }
            return;
        }
        output.out()
                .printf(
                        "%10s %10s %10s %10s  %s%n",
                        size(report.size()),
                        size(report.sharedBytes()),
                        size(report.exclusiveBytes()),
                        size(report.holeBytes()),
                        path == null ? "total" : path);
    }

    private record Entry(Path path, SharingReport report) {}

    /**
     * The figures as one JSON object; a class of its own, so that Gson is loaded only with --json
     * (the JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class JsonFigures {
        static JsonObject of(List<Entry> entries, SharingReport total, int failed) {
            JsonArray files = new JsonArray();
            for (Entry entry : entries) {
                files.add(figures(entry.path(), entry.report()));
            }
            JsonObject result = new JsonObject();
            result.add("entries", files);
            result.add("total", figures(null, total));
            result.addProperty("failed", failed);
            return result;
        }

        private static JsonObject figures(Path path, SharingReport report) {
            JsonObject figures = new JsonObject();
            if (path != null) {
                figures.addProperty("path", path.toString());
            }
            figures.addProperty("size", report.size());
            figures.addProperty("shared", report.sharedBytes());
            figures.addProperty("exclusive", report.exclusiveBytes());
            figures.addProperty("holes", report.holeBytes());
            return figures;
        }
    }

    private String size(long value) {
        return bytes ? Long.toString(value) : Output.human(value);
    }
}
