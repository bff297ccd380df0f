package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The launcher's training run: the commands people run most, each once, in one JVM, on small
 * files in a scratch directory, their output discarded, so that the class-data archive the JVM
 * writes at its exit (JDK 25's AOT cache, JDK 17's class list) holds what each of them loads,
 * not only what {@code cp} does. Not a command of {@code reflink}: {@code cli/target/reflink}
 * runs it as {@code java -cp reflink.jar io.github.reflink4j.cli.Training SCRATCH}.
 *
 * <pre>
 * java -XX:AOTCacheOutput=reflink.aot -cp reflink.jar io.github.reflink4j.cli.Training /tmp/scratch
 * </pre>
 *
 * <p>Exit status 0 when the scratch directory could be filled; what each command says (a dedupe
 * where the file system has none fails, as it may) does not matter here.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: Training SCRATCH_DIRECTORY");
            System.exit(ReflinkCommand.EXIT_USAGE);
        }
        Path scratch = Path.of(args[0]);
        Path tree = Files.createDirectories(scratch.resolve("tree"));
        byte[] block = new byte[8192];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 7);
        }
        Files.write(tree.resolve("one"), block);
        Files.write(tree.resolve("two"), block);
        Files.writeString(Files.createDirectories(tree.resolve("sub")).resolve("three"), "training\n");
        PrintWriter discarded = new PrintWriter(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        for (List<String> command : List.of(
                List.of(
                        "cp",
                        tree.resolve("one").toString(),
                        scratch.resolve("copy").toString()),
                List.of(
                        "cp",
                        "-r",
                        tree.toString(),
                        scratch.resolve("tree-copy").toString()),
                List.of("dedupe", "-r", tree.toString()),
                List.of("du", "-s", tree.toString()),
                List.of("probe", scratch.toString()))) {
            ReflinkCommand.run(command.toArray(String[]::new), discarded, discarded);
        }
    }
}
