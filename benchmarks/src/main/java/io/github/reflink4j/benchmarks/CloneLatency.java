package io.github.reflink4j.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import io.github.reflink4j.Reflink;

/**
 * The warm in-process latency of one {@code Reflink.always(source, target)} (figure (c) in
 * BENCHMARKS.md), in the same loop shape as the C baseline {@code treebench clone} in
 * {@code benchmarks/src/main/c/treebench.c}: WARMUP untimed clones, then N clones each timed
 * alone with System.nanoTime, each into a fresh target (DIR/j-&lt;i&gt;) that is deleted after the
 * timed part. Driven line by line from stdin by {@code benchmarks/tree-benchmark.sh}, so the
 * JVM stays warm while the script alternates it with the C program:
 *
 * <pre>
 * clone SOURCE DIR N WARMUP [keep]   (keep: leave the last target for the caller to inspect)
 *   -> ok n=… mean_ns=… median_ns=… min_ns=… p90_ns=…
 * filescopy SOURCE DIR N WARMUP [keep]   (the same loop around the JDK's Files.copy)
 * binding
 *   -> ok binding=… requested=…   (the native binding in use, the property asked for)
 * quit
 * </pre>
 *
 * <p>Started with arguments instead, it measures a cold start for {@code src/benchmarks.sh}: the
 * first N (more than 100) copies of this fresh JVM, each timed alone, and exits:
 *
 * <pre>
 * cold clone|filescopy SOURCE DIR N
 *   -> ok n=… first_ns=… median_1_100_ns=… median_101_n_ns=… binding=…
 * </pre>
 *
 * The system property {@code reflink4j.binding} is passed on by the script; this class only
 * reports it next to the binding that actually loaded.
 */
public final class CloneLatency {
    private CloneLatency() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 5 && args[0].equals("cold")) {
            System.out.println(
                    cold(args[1].equals("filescopy"), Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4])));
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                return;
            }
            try {
                boolean copy = words[0].equals("filescopy");
                if ((copy || words[0].equals("clone")) && (words.length == 5 || words.length == 6)) {
                    System.out.println(clones(
                            copy,
                            Path.of(words[1]),
                            Path.of(words[2]),
                            Integer.parseInt(words[3]),
                            Integer.parseInt(words[4]),
                            words.length == 6 && words[5].equals("keep")));
                } else if (words[0].equals("binding") && words.length == 1) {
                    System.out.println("ok " + binding());
                } else {
                    System.out.println("error unknown command: " + line);
                }
            } catch (IOException | RuntimeException e) {
                System.out.println("error " + e.toString().replace('\n', ' '));
            }
            System.out.flush();
        }
    }

    /** The native binding in use (java.lang.foreign, jnr-ffi or none) and the property that asked for one. */
    static String binding() {
        return "binding=" + Reflink.nativeBinding().orElse("none") + " requested="
                + System.getProperty("reflink4j.binding", "-");
    }

    private static void copyOnce(boolean filesCopy, Path source, Path target) throws IOException {
        if (filesCopy) {
            Files.copy(source, target);
        } else {
            Reflink.always(source, target);
        }
    }

    static String cold(boolean filesCopy, Path source, Path directory, int n) throws IOException {
        if (n <= 100) {
            throw new IllegalArgumentException("N must be more than 100");
        }
        long[] times = new long[n];
        Path[] targets = new Path[n];
        for (int i = 0; i < n; i++) {
            targets[i] = directory.resolve("k-" + i);
        }
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            copyOnce(filesCopy, source, targets[i]);
            times[i] = System.nanoTime() - start;
        }
        for (Path target : targets) {
            Files.delete(target);
        }
        long first = times[0];
        Arrays.sort(times, 0, 100);
        Arrays.sort(times, 100, n);
        return String.format(
                "ok n=%d first_ns=%d median_1_100_ns=%d median_101_n_ns=%d %s",
                n,
                first,
                times[50],
                times[100 + (n - 100) / 2],
                filesCopy ? "binding=-" : binding().split(" ")[0]);
    }

    static String clones(boolean filesCopy, Path source, Path directory, int n, int warmup, boolean keep)
            throws IOException {
        if (n < 1) {
            throw new IllegalArgumentException("N must be at least 1");
        }
        Path[] targets = new Path[warmup + n];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = directory.resolve("j-" + i);
        }
        long[] times = new long[n];
        for (int i = -warmup; i < n; i++) {
            Path target = targets[i + warmup];
            long start = System.nanoTime();
            copyOnce(filesCopy, source, target);
            long elapsed = System.nanoTime() - start;
            if (i >= 0) {
                times[i] = elapsed;
            }
            if (!(keep && i == n - 1)) {
                Files.delete(target);
            }
        }
        double sum = 0;
        for (long time : times) {
            sum += time;
        }
        Arrays.sort(times);
        return String.format(
                "ok n=%d mean_ns=%.0f median_ns=%d min_ns=%d p90_ns=%d",
                n, sum / n, times[n / 2], times[0], times[(int) ((n * 9L) / 10)]);
    }
}
