package io.github.reflink4j.benchmarks;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopySummary;

/**
 * In-process {@link Reflink#copyTree} timed in one long-lived, warm JVM, driven line by line
 * from stdin by {@code benchmarks/tree-benchmark.sh} (figure (b) in BENCHMARKS.md), so that the
 * script can alternate it with {@code cp -r} and {@code reflink cp -r} processes and remove
 * the targets between runs outside the timed part.
 *
 * <pre>
 * copy SOURCE TARGET PARALLELISM   (0: the default, one worker per core)
 *   -> ok elapsed_ns=… cpu_ns=… gc_ms=… files=… directories=… cloned=… copied=… failed=…
 * quit
 * </pre>
 *
 * {@code cpu_ns} is the process's user+system CPU time during the copy, {@code gc_ms} the
 * collectors' accumulated time. A line that cannot be run is answered {@code error MESSAGE}.
 * For example: {@code printf 'copy /mnt/a /mnt/b 0\nquit\n' | java -cp benchmarks.jar
 * io.github.reflink4j.benchmarks.TreeCopyRun}.
 */
public final class TreeCopyRun {
    private TreeCopyRun() {}

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("quit")) {
                return;
            }
            try {
                if (words[0].equals("copy") && words.length == 4) {
                    System.out.println(copy(Path.of(words[1]), Path.of(words[2]), Integer.parseInt(words[3])));
                } else {
                    System.out.println("error unknown command: " + line);
                }
            } catch (IOException | RuntimeException e) {
                System.out.println("error " + e.toString().replace('\n', ' '));
            }
            System.out.flush();
        }
    }

    static String copy(Path source, Path target, int parallelism) throws IOException {
        TreeCopy settings = TreeCopy.options();
        if (parallelism > 0) {
            settings = settings.parallelism(parallelism);
        }
        long gcBefore = gcMillis();
        long cpuBefore = processCpuNanos();
        long start = System.nanoTime();
        TreeCopySummary summary = Reflink.copyTree(source, target, settings);
        long elapsed = System.nanoTime() - start;
        long cpu = processCpuNanos() - cpuBefore;
        long gc = gcMillis() - gcBefore;
        if (!summary.failures().isEmpty()) {
            System.err.println("TreeCopyRun: " + summary.failures().size() + " failures, the first: "
                    + summary.failures().get(0).error());
        }
        return "ok elapsed_ns=" + elapsed + " cpu_ns=" + cpu + " gc_ms=" + gc + " files=" + summary.files()
                + " directories=" + summary.directories() + " cloned=" + summary.clonedBytes()
                + " copied=" + summary.copiedBytes() + " failed="
                + summary.failures().size();
    }

    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionTime());
        }
        return total;
    }
}
