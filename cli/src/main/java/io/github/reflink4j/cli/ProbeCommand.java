package io.github.reflink4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.github.reflink4j.Reflink;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code reflink probe}: can files in these directories be cloned? */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = {"Say for each DIR whether files there can be cloned, by really cloning a scratch file "
                + "(removed again), and which file system it is on.",
                "Exit status 0 only if every DIR can clone."},
        footer = {"", "Examples:", "  reflink probe /data /home          which of these can clone?",
                  "  reflink probe --json /data          {\"directories\":[...],\"all_supported\":true}"})
final class ProbeCommand implements Callable<Integer> {

    @Option(names = "--json", description = "print the answers as one JSON object on stdout")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "DIR")
    List<Path> directories;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Output output = new Output(spec);
        List<Answer> answers = new ArrayList<>();
        boolean all = true;
        for (Path directory : directories) {
            try {
                boolean clones = Reflink.isSupported(directory);
                String type = Files.getFileStore(directory).type();
                all &= clones;
                if (json) {
                    answers.add(new Answer(directory, type, clones));
                } else {
                    output.out().printf("%s: %s (%s)%n", directory, clones ? "reflinks supported" : "no reflinks", type);
                }
            } catch (IOException | RuntimeException e) {
                all = false;
                output.fail(directory, null, e);
            }
        }
        if (json) {
            output.json(JsonAnswers.of(answers, all));
        }
        output.exitCode();
        return all ? 0 : ReflinkCommand.EXIT_FAILED;
    }

    private record Answer(Path directory, String fileSystem, boolean clones) {
    }

    /**
     * The answers as one JSON object; a class of its own, so that Gson is loaded only with --json
     * (the JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class JsonAnswers {
        static JsonObject of(List<Answer> answers, boolean all) {
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
            return result;
        }
    }
}
