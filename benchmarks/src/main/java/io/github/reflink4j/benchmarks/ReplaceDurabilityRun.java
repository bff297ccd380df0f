package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Random;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;

/**
 * What the fdatasync before a replacement's rename costs: COUNT replacements of a target by a
 * copy (NEVER, so every byte is written) of a SIZE MiB source, as reflink4j makes them (new file,
 * fdatasync, rename over), side by side with the same work without the flush (a new file by
 * reflink4j, then renamed over the target by {@code Files.move}). Each block ends with a timed
 * {@code sync -f}, which the unflushed variant owes the disk sooner or later.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.github.reflink4j.benchmarks.ReplaceDurabilityRun DIR [COUNT [SIZE]]
 * </pre>
 * The directory (which should be on ext4 or another file system that cannot clone) is used for
 * three files and left empty.
 */
public final class ReplaceDurabilityRun {
    private ReplaceDurabilityRun() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int mebibytes = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        Path source = dir.resolve("durability-source");
        Path target = dir.resolve("durability-target");
        Path fresh = dir.resolve("durability-fresh");
        write(source, mebibytes, 1);
        write(target, mebibytes, 2);
        sync(dir);
        try {
            for (int block = 1; block <= 2; block++) {
                long[] flushed = new long[count];
                for (int i = 0; i < count; i++) {
                    long start = System.nanoTime();
                    Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
                    flushed[i] = System.nanoTime() - start;
                }
                long flushedSync = sync(dir);
                long[] unflushed = new long[count];
                for (int i = 0; i < count; i++) {
                    long start = System.nanoTime();
                    Reflink.copy(source, fresh, ReflinkCopyOption.NEVER);
                    Files.move(fresh, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    unflushed[i] = System.nanoTime() - start;
                }
                long unflushedSync = sync(dir);
                System.out.printf("block %d, %d x %d MiB:%n", block, count, mebibytes);
                report("  with fdatasync (reflink4j)  ", flushed, flushedSync);
                report("  without (copy + Files.move) ", unflushed, unflushedSync);
            }
        } finally {
            Files.deleteIfExists(source);
            Files.deleteIfExists(target);
            Files.deleteIfExists(fresh);
        }
    }

    private static void report(String label, long[] nanos, long syncNanos) {
        long total = Arrays.stream(nanos).sum();
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "%s total %7.0f ms, median %5.0f ms, max %5.0f ms; then sync -f %5.0f ms; sum %7.0f ms%n",
                label,
                total / 1e6,
                sorted[sorted.length / 2] / 1e6,
                sorted[sorted.length - 1] / 1e6,
                syncNanos / 1e6,
                (total + syncNanos) / 1e6);
    }

    private static void write(Path file, int mebibytes, long seed) throws IOException {
        byte[] block = new byte[1 << 20];
        Random random = new Random(seed);
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mebibytes; i++) {
                random.nextBytes(block);
                out.write(block);
            }
        }
    }

    /** {@code sync -f DIR} (syncfs of its file system); returns how long it took. */
    private static long sync(Path dir) throws IOException, InterruptedException {
        long start = System.nanoTime();
        Process sync =
                new ProcessBuilder("sync", "-f", dir.toString()).inheritIO().start();
        if (sync.waitFor() != 0) {
            throw new IOException("sync -f " + dir + " exited " + sync.exitValue());
        }
        return System.nanoTime() - start;
    }
}
