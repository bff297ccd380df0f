package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code reflink} command run as a user runs it: {@code java -jar cli/target/reflink.jar},
 * by the JVM running the tests, with no extra flags; or through the launcher beside the jar.
 *
 * <pre>{@code
 * CommandRun run = CommandRun.reflink("cp", source.toString(), target.toString());
 * assertEquals(0, run.exitCode(), run.stderr());
 * }</pre>
 */
public record CommandRun(int exitCode, String stdout, String stderr) {

    /** The shaded jar, cli/target/reflink.jar. */
    public static Path jar() {
        Path jar = Path.of(System.getProperty("reflink4j.cli.jar", "../cli/target/reflink.jar"));
        if (!Files.isRegularFile(jar)) {
            fail(jar + " is missing: build it with mvn package (the cli module comes before these tests)");
        }
        return jar;
    }

    /** The launcher script beside the jar, cli/target/reflink. */
    public static Path launcher() {
        Path launcher = jar().resolveSibling("reflink");
        if (!Files.isExecutable(launcher)) {
            fail(launcher + " is missing or not executable: build it with mvn package");
        }
        return launcher;
    }

    public static CommandRun reflink(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-jar");
        command.add(jar().toString());
        command.addAll(List.of(arguments));
        return run(command, Map.of(), null);
    }

    /**
     * Runs {@code command} in {@code workingDirectory} (null: this one), its environment this
     * process's with {@code environment}'s entries set (an empty value removes a variable).
     */
    public static CommandRun run(List<String> command, Map<String, String> environment, Path workingDirectory) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            environment.forEach((name, value) -> {
                if (value.isEmpty()) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            if (workingDirectory != null) {
                builder.directory(workingDirectory.toFile());
            }
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 120 s");
            }
            return new CommandRun(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(java.io.InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
