package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reflink dedupe}: make identical files share their blocks, safely. */
@Command(name = "dedupe", mixinStandardHelpOptions = true,
        description = {"Make files with identical data share their blocks (FIDEDUPERANGE), on btrfs and xfs.",
                "The kernel compares the data itself under lock, so no byte of any file changes: data that "
                + "differ simply stay unshared.",
                "FILE...: each FILE after the first shares the first one's data. -r DIR...: finds files with "
                + "identical content under the directories (same size, then same SHA-256) and dedupes each group."},
        footer = {"", "Examples:", "  reflink dedupe a.iso b.iso c.iso         b and c share a's blocks",
                  "  reflink dedupe -r --dry-run ~/downloads   list duplicate groups, change nothing",
                  "  reflink dedupe -r --json /data            dedupe a tree, figures as JSON"})
final class DedupeCommand implements Callable<Integer> {

    @Option(names = {"-r", "--recursive"}, description = "find duplicates under the given directories")
    boolean recursive;

    @Option(names = {"-n", "--dry-run"}, description = "list what would be deduplicated, change nothing")
    boolean dryRun;

    @Option(names = "--json", description = "print the figures as one JSON object on stdout")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "say what happened to every file")
    boolean verbose;

    @Parameters(arity = "1..*", paramLabel = "PATH")
    List<Path> paths;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final JsonArray pairs = new JsonArray();
    private long deduplicated;
    private long differing;
    private int files;

    @Override
    public Integer call() {
        if (!recursive && paths.size() < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give at least two files, or -r and directories");
        }
        long start = System.nanoTime();
        Output output = new Output(spec);
        List<List<Path>> groups = recursive ? duplicateGroups(output) : List.of(paths);
        for (List<Path> group : groups) {
            Path first = group.get(0);
            for (Path other : group.subList(1, group.size())) {
                dedupe(first, other, output);
            }
        }
        if (json) {
            JsonObject result = new JsonObject();
            result.addProperty("groups", groups.size());
            result.addProperty("files", files);
            result.addProperty("deduplicated_bytes", deduplicated);
            result.addProperty("differing", differing);
            result.addProperty("failed", output.failures());
            result.addProperty("dry_run", dryRun);
            result.addProperty("seconds", Output.seconds(start));
            result.add("pairs", pairs);
            output.json(result);
        } else if (dryRun) {
            output.out().printf("%d groups, %d files would share their group's first file's blocks%n",
                    groups.size(), files);
        } else {
            output.out().printf("%d files deduplicated: %s now shared, %d differed%n", files,
                    Output.human(deduplicated), differing);
        }
        return output.exitCode();
    }

    private void dedupe(Path source, Path target, Output output) {
        JsonObject pair = new JsonObject();
        pair.addProperty("source", source.toString());
        pair.addProperty("target", target.toString());
        if (dryRun) {
            files++;
            pairs.add(pair);
            if (!json) {
                output.out().printf("would dedupe '%s' with '%s'%n", target, source);
            }
            return;
        }
        try {
            DedupeResult result = Reflink.dedupe(source, target);
            files++;
            deduplicated += result.bytesDeduplicated();
            if (result.differs()) {
                differing++;
            }
            pair.addProperty("deduplicated_bytes", result.bytesDeduplicated());
            pair.addProperty("differs", result.differs());
            pairs.add(pair);
            if (verbose && !json) {
                output.out().printf("'%s': %s shared with '%s'%s%n", target, Output.human(result.bytesDeduplicated()),
                        source, result.differs() ? " (the files differ; the rest stays unshared)" : "");
            }
        } catch (IOException | RuntimeException e) {
            output.fail("cannot dedupe '" + target + "' with '" + source + "': " + Output.reason(e, source, target));
        }
    }

    /** Groups of two or more regular files with the same size and SHA-256, sorted by path. */
    private List<List<Path>> duplicateGroups(Output output) {
        Map<Long, List<Path>> bySize = new TreeMap<>();
        for (Path root : paths) {
            RegularFiles.forEach(root, output, (file, attributes) -> {
                if (attributes.size() > 0) {
                    bySize.computeIfAbsent(attributes.size(), size -> new ArrayList<>()).add(file);
                }
            });
        }
        List<List<Path>> groups = new ArrayList<>();
        for (List<Path> sameSize : bySize.values()) {
            if (sameSize.size() < 2) {
                continue;
            }
            Map<String, List<Path>> byHash = new TreeMap<>();
            for (Path file : sameSize) {
                try {
                    byHash.computeIfAbsent(sha256(file), hash -> new ArrayList<>()).add(file);
                } catch (IOException e) {
                    output.fail(file, null, e);
                }
            }
            for (List<Path> same : byHash.values()) {
                if (same.size() > 1) {
                    same.sort(null);
                    groups.add(same);
                }
            }
        }
        return groups;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
