package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.Locale;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;

/**
 * How every command speaks: figures on stdout (as text, or as one JSON object with --json),
 * one line per problem on stderr naming the path and the reason.
 */
final class Output {
    private final PrintWriter out;
    private final PrintWriter err;
    private final String command;
    private int failures;

    /** For {@code command} ("reflink cp"), writing to these. */
    Output(String command, PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
        this.command = command;
    }

    PrintWriter out() {
        return out;
    }

    /** Reports a failure on stderr and remembers it for the exit status. */
    void fail(String message) {
        failures++;
        err.println(command + ": " + message);
        err.flush();
    }

    /** Reports an exception about {@code path} (and {@code other}, when there is one). */
    void fail(Path path, Path other, Exception e) {
        String what = other == null ? "'" + path + "'" : "'" + path + "' to '" + other + "'";
        fail((other == null ? "cannot read " : "cannot copy ") + what + ": " + reason(e, path, other));
    }

    /** Tells something on stderr that is not a failure: the exit status stays as it is. */
    void note(String message) {
        err.println(command + ": " + message);
        err.flush();
    }

    int failures() {
        return failures;
    }

    /** 0 when nothing failed, else 1. */
    int exitCode() {
        out.flush();
        err.flush();
        return failures == 0 ? 0 : ReflinkCommand.EXIT_FAILED;
    }

    void json(JsonObject object) {
        out.println(JsonText.of(object));
        out.flush();
    }

    /**
     * Gson's text of an object; a class of its own, so that Gson is loaded only with --json (the
     * JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class JsonText {
        static String of(JsonObject object) {
            return new GsonBuilder().disableHtmlEscaping().create().toJson(object);
        }
    }

    /** The reason of an exception, without repeating the paths the caller already names. */
    static String reason(Exception e, Path path, Path other) {
        if (e instanceof FileSystemException fse) {
            String kind = e.getClass()
                    .getSimpleName()
                    .replaceAll("Exception$", "")
                    .replaceAll("([a-z])([A-Z])", "$1 $2")
                    .toLowerCase(Locale.ROOT);
            String reason = fse.getReason() != null ? fse.getReason() : kind;
            String file = fse.getFile();
            boolean named = file == null || file.equals(String.valueOf(path)) || file.equals(String.valueOf(other));
            return named ? reason : file + ": " + reason;
        }
        if (e instanceof IOException || e instanceof RuntimeException) {
            return String.valueOf(e.getMessage());
        }
        return e.toString();
    }

    /** 1536 -> "1.5K", as du -h does. */
    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + "B";
        }
        String units = "KMGTPE";
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length() - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, value < 10 ? "%.1f%c" : "%.0f%c", value, units.charAt(unit));
    }

    static double seconds(long startNanos) {
        return Math.round((System.nanoTime() - startNanos) / 1e6) / 1e3;
    }
}
