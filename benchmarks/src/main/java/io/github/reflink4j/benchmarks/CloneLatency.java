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
 * quit
 * </pre>
 */
public final class CloneLatency {
    private CloneLatency() {
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                return;
            }
            try {
                if (words[0].equals("clone") && (words.length == 5 || words.length == 6)) {
                    System.out.println(clones(Path.of(words[1]), Path.of(words[2]), Integer.parseInt(words[3]),
                            Integer.parseInt(words[4]), words.length == 6 && words[5].equals("keep")));
                } else {
                    System.out.println("error unknown command: " + line);
                }
            } catch (IOException | RuntimeException e) {
                System.out.println("error " + e.toString().replace('\n', ' '));
            }
            System.out.flush();
        }
    }

    static String clones(Path source, Path directory, int n, int warmup, boolean keep) throws IOException {
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
            Reflink.always(source, target);
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
        return String.format("ok n=%d mean_ns=%.0f median_ns=%d min_ns=%d p90_ns=%d",
                n, sum / n, times[n / 2], times[0], times[(int) ((n * 9L) / 10)]);
    }
}
