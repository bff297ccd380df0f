package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.Reflink;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;

/** {@code reflink probe}: can files in these directories be cloned? */
final class ProbeCommand {
    private static final Option JSON = CommandSyntax.json("the answers");

    static final CommandSyntax SYNTAX = new CommandSyntax(
            "probe",
            "[-hV] [--json] DIR...",
            List.of(
                    "Say for each DIR whether files there can be cloned, by really cloning a scratch file "
                            + "(removed again), and which file system it is on; then which native binding reflink4j "
                            + "calls the kernel through (java.lang.foreign, jnr-ffi, or none).",
                    "Exit status 0 only if every DIR can clone."),
            new Options().addOption(JSON),
            new Options(),
            Set.of(),
            List.of(
                    "",
                    "Examples:",
                    "  reflink probe /data /home          which of these can clone?",
                    "  reflink probe --json /data          {\"directories\":[...],\"all_supported\":true,"
                            + "\"native_binding\":\"java.lang.foreign\"}"));

    /**
     * The options of one {@code reflink probe}, parsed once.
     *
     * @param directories the DIRs, at least one
     */
    record Settings(boolean json, List<Path> directories) {
        static Settings of(CommandLine line) throws CommandSyntax.UsageError {
            List<Path> directories = CommandSyntax.paths(line);
            if (directories.isEmpty()) {
                throw new CommandSyntax.UsageError("DIR is missing: give at least one directory");
            }
            return new Settings(line.hasOption(JSON), List.copyOf(directories));
        }
    }

    private ProbeCommand() {}

    /** {@code reflink probe ARGUMENTS}; returns the exit status. */
    static int main(String[] arguments, PrintWriter out, PrintWriter err) {
        return SYNTAX.execute(arguments, out, err, (line, output) -> run(Settings.of(line), output));
    }

    private static int run(Settings settings, Output output) {
        boolean json = settings.json();
        List<Answer> answers = new ArrayList<>();
        boolean all = true;
        for (Path directory : settings.directories()) {
            try {
                boolean clones = Reflink.isSupported(directory);
                String type = Files.getFileStore(directory).type();
                all &= clones;
                if (json) {
                    answers.add(new Answer(directory, type, clones));
                } else {
                    output.out()
                            .printf("%s: %s (%s)%n", directory, clones ? "reflinks supported" : "no reflinks", type);
                }
            } catch (IOException | RuntimeException e) {
                all = false;
                output.fail(directory, null, e);
            }
        }
        String binding = Reflink.nativeBinding().orElse("none");
        if (json) {
            output.json(JsonAnswers.of(answers, all, binding));
        } else {
            output.out().printf("native binding: %s%n", binding);
        }
        output.exitCode();
        return all ? 0 : ReflinkCommand.EXIT_FAILED;
    }

    private record Answer(Path directory, String fileSystem, boolean clones) {}

    /**
     * The answers as one JSON object; a class of its own, so that Gson is loaded only with --json
     * (the JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class JsonAnswers {
        static JsonObject of(List<Answer> answers, boolean all, String binding) {
            JsonArray directories = new JsonArray();
            for (Answer answer : answers) {
                JsonObject entry = new JsonObject();
                entry.addProperty("path", answer.directory().toString());
                entry.addProperty("filesystem", answer.fileSystem());
                entry.addProperty("reflink", answer.clones());
                directories.add(entry);
            }
            JsonObject result = new JsonObject();
            result.add("directories", directories);
            result.addProperty("all_supported", all);
            result.addProperty("native_binding", binding);
            return result;
        }
    }
}
