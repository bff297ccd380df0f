package io.github.reflink4j.tests.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A bash script run as a witness outside the JVM: it sees names as the kernel stores them.
 * Output is decoded as ISO-8859-1, one char per byte, so that raw (non-UTF-8) names survive
 * the round trip and compare exactly. Scripts should be ASCII and name odd bytes with
 * {@code $'\xff'} quoting (see {@link #literal(byte[])}), so that the JVM's own encoding of the
 * command line cannot change them.
 */
public record Shell(int exitCode, String stdout, String stderr) {

    /** Runs {@code bash -c script bash args...} and returns its stdout; fails on a non-zero exit. */
    public static String run(String script, String... args) {
        Shell result = exec(script, args);
        if (result.exitCode() != 0) {
            fail("bash -c '" + script + "' exited " + result.exitCode() + ": " + result.stderr() + result.stdout());
        }
        return result.stdout();
    }

    /** Runs {@code bash -c script bash args...}; the caller checks the exit code. */
    public static Shell exec(String script, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, "bash"));
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).start();
            process.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
            String out = read(process.getInputStream());
            if (!process.waitFor(300, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("bash -c '" + script + "' did not finish in 300 s");
            }
            return new Shell(process.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new AssertionError("cannot run bash: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A bash ANSI-C quoted literal ({@code $'\x..'}) of exactly these bytes. */
    public static String literal(byte[] bytes) {
        StringBuilder text = new StringBuilder("$'");
        for (byte b : bytes) {
            text.append(String.format("\\x%02x", b & 0xff));
        }
        return text.append('\'').toString();
    }

    /** The bytes of a name as {@link #run} returns them: one char per byte. */
    public static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static String read(InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
