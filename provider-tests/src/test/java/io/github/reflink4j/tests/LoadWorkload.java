package io.github.reflink4j.tests;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.Phaser;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;

/**
 * The program {@link LoadTest} runs in a JVM of its own, under a small heap: threads doing mixed
 * operations on one directory of a file system that clones, every result checked at once, then
 * rounds in which every thread replaces the same target at the same moment. It prints one summary
 * line starting {@code load:} and exits 0, or prints the first failures and exits 1.
 *
 * <p>Arguments: directory, seed, operations, threads, rounds.
 */
public final class LoadWorkload {
    static final int BLOCK = 4096;
    /** Sizes of the source files: empty, around one block, unaligned, up to just over 1 MiB. */
    private static final int[] SOURCE_SIZES = {
        0,
        1,
        4095,
        4096,
        4097,
        3 * BLOCK + 17,
        64 << 10,
        (100 << 10) + 5,
        256 << 10,
        (512 << 10) + 1,
        1 << 20,
        (1 << 20) + 4095
    };

    static final int SHARED_TARGETS = 3;
    /** One filefrag look in so many clones: it forks a process. */
    static final int EXTENT_SAMPLE = 25;

    /** The kinds of operation, with their weight in the mix. */
    enum Kind {
        CLONE(24),
        REPLACE(10),
        REPLACE_SHARED(18),
        RANGE(20),
        TREE(4),
        DEDUPE(10),
        NEVER(14);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind pick(Random random) {
            int n = random.nextInt(
                    Arrays.stream(values()).mapToInt(k -> k.weight).sum());
            for (Kind kind : values()) {
                n -= kind.weight;
                if (n < 0) {
                    return kind;
                }
            }
            throw new AssertionError();
        }
    }

    final Path dir;
    private final long seed;
    final byte[][] sources;
    final Path[] sourcePaths;
    private final Map<String, Integer> sourceByDigest = new TreeMap<>();
    final Path treeSource;
    final Map<String, byte[]> treeFiles = new TreeMap<>();
    final Path[] sharedTargets = new Path[SHARED_TARGETS];
    final AtomicLongArray operations = new AtomicLongArray(Kind.values().length);
    final AtomicLong bytesVerified = new AtomicLong();
    final AtomicLong extentChecks = new AtomicLong();
    final AtomicLong concurrentReplacements = new AtomicLong();
    final AtomicInteger[] replacing = new AtomicInteger[SHARED_TARGETS];
    private final List<String> failures = new ArrayList<>();
    private volatile boolean failed;

    private LoadWorkload(Path dir, long seed) throws IOException {
        this.dir = dir;
        this.seed = seed;
        Random random = new Random(seed);
        sources = new byte[SOURCE_SIZES.length][];
        sourcePaths = new Path[SOURCE_SIZES.length];
        Files.createDirectories(dir.resolve("sources"));
        for (int i = 0; i < sources.length; i++) {
            sources[i] = new byte[SOURCE_SIZES[i]];
            random.nextBytes(sources[i]);
            sourcePaths[i] = Files.write(dir.resolve("sources").resolve("s" + i), sources[i]);
            sourceByDigest.putIfAbsent(Digests.of(sources[i]), i);
        }
        treeSource = dir.resolve("tree");
        for (int i = 0; i < 14; i++) {
            String name = "d" + i % 3 + (i % 2 == 0 ? "/e" + i % 4 : "") + "/f" + i;
            byte[] content = new byte[i * 7919 % (300 << 10)];
            random.nextBytes(content);
            Path file = treeSource.resolve(name);
            Files.createDirectories(file.getParent());
            Files.write(file, content);
            treeFiles.put(name, content);
        }
        Files.createDirectories(dir.resolve("shared"));
        for (int i = 0; i < SHARED_TARGETS; i++) {
            sharedTargets[i] = Files.write(dir.resolve("shared").resolve("t" + i), sources[i + 6]);
            replacing[i] = new AtomicInteger();
        }
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        int operationCount = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        int rounds = Integer.parseInt(args[4]);
        LoadWorkload load = new LoadWorkload(dir, seed);

        // one of each kind first, so that classes, the native binding and the buffers are in place
        // before the descriptors and the heap are counted
        LoadWorker warmUp = new LoadWorker(load, -1, new Random(seed - 1));
        for (Kind kind : Kind.values()) {
            warmUp.run(kind, 0);
        }
        warmUp.cleanUp();
        for (Kind kind : Kind.values()) {
            load.operations.set(kind.ordinal(), 0);
        }
        load.bytesVerified.set(0);
        load.extentChecks.set(0);
        List<String> descriptorsBefore = openFiles();
        long heapBefore = heapAfterGc();
        long start = System.nanoTime();

        List<Thread> running = new ArrayList<>();
        Phaser together = new Phaser(threads);
        for (int t = 0; t < threads; t++) {
            int index = t;
            int share = operationCount / threads + (t < operationCount % threads ? 1 : 0);
            Thread thread = new Thread(() -> load.runWorker(index, share, rounds, together), "load-" + t);
            thread.start();
            running.add(thread);
        }
        for (Thread thread : running) {
            thread.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (!load.failed) {
            load.checkUnchanged();
        }
        long heapAfter = heapAfterGc();
        List<String> descriptorsAfter = openFiles();
        LinkedHashSet<String> leaked = new LinkedHashSet<>(descriptorsAfter);
        leaked.removeAll(descriptorsBefore);
        leaked.addAll(
                descriptorsAfter.stream().filter(fd -> fd.startsWith(dir + "/")).toList());
        if (!leaked.isEmpty()) {
            load.fail("descriptors left open: " + leaked);
        }
        StringBuilder kinds = new StringBuilder();
        long total = 0;
        for (Kind kind : Kind.values()) {
            long n = load.operations.get(kind.ordinal());
            total += n;
            kinds.append(kinds.length() == 0 ? "" : ", ")
                    .append(kind.name().toLowerCase())
                    .append(' ')
                    .append(n);
        }
        System.out.printf(
                "load: %s, %d threads, %d operations (%s), %d rounds of %d threads replacing one target"
                        + " (%d replacements overlapped another), %d bytes verified, %d extent checks,"
                        + " %d descriptors leaked (%d open files before, %d after), heap after GC %.1f MiB before,"
                        + " %.1f MiB after (max %d MiB), %.1f s, seed %d, %d failures%n",
                Files.getFileStore(dir).type(),
                threads,
                total,
                kinds,
                rounds,
                threads,
                load.concurrentReplacements.get(),
                load.bytesVerified.get(),
                load.extentChecks.get(),
                leaked.size(),
                descriptorsBefore.size(),
                descriptorsAfter.size(),
                heapBefore / 1048576.0,
                heapAfter / 1048576.0,
                Runtime.getRuntime().maxMemory() >> 20,
                seconds,
                seed,
                load.failures.size());
        synchronized (load.failures) {
            load.failures.stream().limit(3).forEach(System.out::println);
        }
        System.exit(load.failures.isEmpty() ? 0 : 1);
    }

    /**
     * The worker's share of the mix, then the rounds: each starts when every worker still running
     * has arrived ({@code together}), and a worker that stops, done or failed, leaves the phaser so
     * that nobody waits for it.
     */
    private void runWorker(int index, int count, int rounds, Phaser together) {
        Random random = new Random(seed + 1 + index);
        try {
            LoadWorker worker = new LoadWorker(this, index, random);
            for (int i = 0; i < count && !failed; i++) {
                Kind kind = Kind.pick(random);
                worker.run(kind, i);
            }
            for (int round = 0; round < rounds && !failed; round++) {
                together.arriveAndAwaitAdvance();
                worker.replaceTogether(round);
            }
            worker.cleanUp();
        } catch (Throwable e) {
            fail("worker " + index + ": " + stackTrace(e));
        } finally {
            together.arriveAndDeregister();
        }
    }

    void fail(String message) {
        System.out.println("FAILED " + message); // at once: the run may not get to its summary
        failed = true;
        synchronized (failures) {
            failures.add(message);
        }
    }

    /** The sources and the tree's source, byte for byte as they were written. */
    private void checkUnchanged() throws IOException {
        for (int i = 0; i < sources.length; i++) {
            verify(sourcePaths[i], sources[i], "source s" + i);
        }
        for (Map.Entry<String, byte[]> file : treeFiles.entrySet()) {
            verify(treeSource.resolve(file.getKey()), file.getValue(), "tree source");
        }
        for (Path shared : sharedTargets) {
            wholeSource(shared);
        }
    }

    void verify(Path file, byte[] expected, String what) throws IOException {
        byte[] actual = Files.readAllBytes(file);
        if (!Arrays.equals(expected, actual)) {
            throw new AssertionError(what + ": " + file + " has " + actual.length + " bytes, not the expected "
                    + expected.length + (actual.length == expected.length ? " (contents differ)" : ""));
        }
        bytesVerified.addAndGet(actual.length);
    }

    /** The index of the source that {@code file} holds, whole; fails if it holds none of them. */
    int wholeSource(Path file) throws IOException {
        byte[] actual = Files.readAllBytes(file);
        Integer source = sourceByDigest.get(Digests.of(actual));
        if (source == null) {
            throw new AssertionError(file + " (" + actual.length + " bytes) is not wholly one of the sources");
        }
        bytesVerified.addAndGet(actual.length);
        return source;
    }

    /** Open descriptors of this JVM that name files (not pipes, sockets or anonymous inodes). */
    private static List<String> openFiles() throws IOException {
        List<String> open = new ArrayList<>();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("/")) {
                        open.add(target);
                    }
                } catch (IOException e) {
                    // the listing's own descriptor, closed by now
                }
            }
        }
        return open;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static String stackTrace(Throwable e) {
        StringWriter out = new StringWriter();
        e.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** SHA-256 as hex, to recognise which source a file holds. */
    static final class Digests {
        private Digests() {}

        static String of(byte[] bytes) {
            try {
                return java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(bytes));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
