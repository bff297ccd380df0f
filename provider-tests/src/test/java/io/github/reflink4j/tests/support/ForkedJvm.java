package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A program run in a JVM of its own, with the test class path, started through bash so that
 * the shell can set its limits first ({@code umask 077}, {@code ulimit -n 256}), optionally
 * under a launcher such as {@code strace -f -o FILE}. Immutable; each setter returns a copy.
 */
public final class ForkedJvm {
    /** What the forked JVM did: its exit code and its stdout and stderr, merged. */
    public record Result(int exitCode, String output) {}

    private final Class<?> main;
    private final String java;
    private final String shellSetup;
    private final List<String> launcher;
    private final List<String> jvmOptions;
    private final Map<String, String> environment;
    private final String classPath;

    private ForkedJvm(
            Class<?> main,
            String java,
            String shellSetup,
            List<String> launcher,
            List<String> jvmOptions,
            Map<String, String> environment) {
        this(main, java, shellSetup, launcher, jvmOptions, environment, System.getProperty("java.class.path"));
    }

    private ForkedJvm(
            Class<?> main,
            String java,
            String shellSetup,
            List<String> launcher,
            List<String> jvmOptions,
            Map<String, String> environment,
            String classPath) {
        this.classPath = classPath;
        this.main = main;
        this.java = java;
        this.shellSetup = shellSetup;
        this.launcher = launcher;
        this.jvmOptions = jvmOptions;
        this.environment = environment;
    }

    /** {@code main} run by the java that runs the tests. */
    public static ForkedJvm of(Class<?> main) {
        return new ForkedJvm(
                main,
                ProcessHandle.current().info().command().orElse("java"),
                "",
                List.of(),
                List.of("--enable-native-access=ALL-UNNAMED"),
                Map.of());
    }

    /** Another java executable (e.g. plain {@code java}, found on PATH). */
    public ForkedJvm java(String executable) {
        return new ForkedJvm(main, executable, shellSetup, launcher, jvmOptions, environment, classPath);
    }

    /** Shell commands run before the JVM is exec'd, e.g. {@code umask 077}. */
    public ForkedJvm shell(String commands) {
        return new ForkedJvm(main, java, commands, launcher, jvmOptions, environment, classPath);
    }

    /** A command the JVM runs under, e.g. {@code strace -f -o FILE}. */
    public ForkedJvm launcher(String... command) {
        return new ForkedJvm(main, java, shellSetup, List.of(command), jvmOptions, environment, classPath);
    }

    public ForkedJvm jvmOptions(String... options) {
        List<String> all = new ArrayList<>(jvmOptions);
        all.addAll(List.of(options));
        return new ForkedJvm(main, java, shellSetup, launcher, List.copyOf(all), environment, classPath);
    }

    public ForkedJvm environment(String name, String value) {
        Map<String, String> all = new LinkedHashMap<>(environment);
        all.put(name, value);
        return new ForkedJvm(main, java, shellSetup, launcher, jvmOptions, all, classPath);
    }

    /** Another class path than the tests' own (e.g. a copy another user can read). */
    public ForkedJvm classPath(String path) {
        return new ForkedJvm(main, java, shellSetup, launcher, jvmOptions, environment, path);
    }

    /**
     * Run as another user ({@code setpriv --reuid --regid --clear-groups}), with the class path's
     * jars that user cannot read (under /root) copied where it can, once per test JVM.
     */
    public ForkedJvm asUser(int uid) {
        return classPath(ReadableClassPath.get())
                .launcher("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups");
    }

    /** The test class path, readable by every user: made on first use, removed when the test JVM exits. */
    private static final class ReadableClassPath {
        private static final String PATH = create();

        static String get() {
            return PATH;
        }

        private static String create() {
            try {
                Path directory = Files.createTempDirectory(
                        "reflink4j-readable-cp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
                List<String> entries = new ArrayList<>();
                List<Path> copies = new ArrayList<>();
                int n = 0;
                for (String entry : System.getProperty("java.class.path").split(":")) {
                    Path path = Path.of(entry);
                    if (!entry.startsWith("/root") || !Files.isRegularFile(path)) {
                        entries.add(entry);
                        continue;
                    }
                    Path copy = directory.resolve(n++ + "-" + path.getFileName());
                    Files.copy(path, copy);
                    Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                    copies.add(copy);
                    entries.add(copy.toString());
                }
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        for (Path copy : copies) {
                            Files.deleteIfExists(copy);
                        }
                        Files.deleteIfExists(directory);
                    } catch (IOException e) {
                        System.err.println("could not remove " + directory + ": " + e);
                    }
                }));
                return String.join(":", entries);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a class path another user can read", e);
            }
        }
    }

    /**
     * A program started by {@link #start} and not waited for: its process (without a launcher,
     * the JVM itself, since bash execs it) and its output so far. Closing it kills it (SIGKILL)
     * if it still runs.
     */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final ByteArrayOutputStream output = new ByteArrayOutputStream();
        private final Thread reader;

        private Running(Process process) {
            this.process = process;
            this.reader = new Thread(() -> {
                byte[] chunk = new byte[8192];
                try (InputStream in = process.getInputStream()) {
                    for (int n; (n = in.read(chunk)) > 0; ) {
                        synchronized (output) {
                            output.write(chunk, 0, n);
                        }
                    }
                } catch (IOException e) {
                    // the process is gone: what it wrote so far is all there is
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        public long pid() {
            return process.pid();
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        /** What it has written so far, stdout and stderr merged. */
        public String output() {
            synchronized (output) {
                return output.toString(StandardCharsets.UTF_8);
            }
        }

        /** Waits for it to end, at most {@code timeoutSeconds}; returns its exit code (128 + signal when killed). */
        public int waitFor(long timeoutSeconds) {
            try {
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    fail(pid() + " did not end in " + timeoutSeconds + " s: " + output());
                }
                reader.join(TimeUnit.SECONDS.toMillis(timeoutSeconds));
                return process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
                waitFor(60);
            }
        }
    }

    /**
     * Starts the program with these arguments and returns at once, for a test that watches it
     * and ends it itself (a kill in the middle of its work); close the result when done.
     */
    public Running start(String... arguments) {
        try {
            Process process = builder(arguments).start();
            process.getOutputStream().close();
            return new Running(process);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + java + ": " + e, e);
        }
    }

    private ProcessBuilder builder(String... arguments) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", shellSetup + "\nexec \"$@\"", "forked-jvm"));
        command.addAll(launcher);
        command.add(java);
        command.addAll(coverageAgent());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, main.getName()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        return builder;
    }

    /**
     * The coverage agent of the test JVM (JaCoCo's {@code -javaagent:...}, which the build gives
     * it), so that what the provider does in this JVM counts too; none when the tests run without
     * it, or when this JVM runs as another user, who can neither read the agent's jar nor write its
     * record.
     */
    private List<String> coverageAgent() {
        boolean otherUser = !launcher.isEmpty() && launcher.get(0).equals("setpriv");
        if (otherUser) {
            return List.of();
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(argument -> argument.startsWith("-javaagent:") && argument.contains("jacoco"))
                .toList();
    }

    /** Runs the program with these arguments, waiting at most {@code timeoutSeconds}. */
    public Result run(long timeoutSeconds, String... arguments) {
        ProcessBuilder builder = builder(arguments);
        List<String> command = builder.command();
        try {
            Process process = builder.start();
            process.getOutputStream().close();
            byte[][] output = new byte[1][];
            Thread reader = new Thread(() -> {
                try {
                    output[0] = process.getInputStream().readAllBytes();
                } catch (IOException e) {
                    output[0] = ("reading the output failed: " + e).getBytes(StandardCharsets.UTF_8);
                }
            });
            reader.start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                reader.join();
                fail(main.getSimpleName() + " did not finish in " + timeoutSeconds + " s: "
                        + new String(output[0], StandardCharsets.UTF_8));
            }
            reader.join();
            return new Result(process.exitValue(), new String(output[0], StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command.get(0) + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
