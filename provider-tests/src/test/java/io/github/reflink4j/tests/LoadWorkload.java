package io.github.reflink4j.tests;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Extents;

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
    private static final int[] SOURCE_SIZES = {0, 1, 4095, 4096, 4097, 3 * BLOCK + 17, 64 << 10, (100 << 10) + 5,
        256 << 10, (512 << 10) + 1, 1 << 20, (1 << 20) + 4095};
    private static final int SHARED_TARGETS = 3;
    /** One filefrag look in so many clones: it forks a process. */
    private static final int EXTENT_SAMPLE = 25;

    /** The kinds of operation, with their weight in the mix. */
    enum Kind {
        CLONE(24), REPLACE(10), REPLACE_SHARED(18), RANGE(20), TREE(4), DEDUPE(10), NEVER(14);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        static Kind pick(Random random) {
            int n = random.nextInt(Arrays.stream(values()).mapToInt(k -> k.weight).sum());
            for (Kind kind : values()) {
                n -= kind.weight;
                if (n < 0) {
                    return kind;
                }
            }
            throw new AssertionError();
        }
    }

    private final Path dir;
    private final long seed;
    private final byte[][] sources;
    private final Path[] sourcePaths;
    private final Map<String, Integer> sourceByDigest = new TreeMap<>();
    private final Path treeSource;
    private final Map<String, byte[]> treeFiles = new TreeMap<>();
    private final Path[] sharedTargets = new Path[SHARED_TARGETS];
    private final AtomicLongArray operations = new AtomicLongArray(Kind.values().length);
    private final AtomicLong bytesVerified = new AtomicLong();
    private final AtomicLong extentChecks = new AtomicLong();
    private final AtomicLong concurrentReplacements = new AtomicLong();
    private final AtomicInteger[] replacing = new AtomicInteger[SHARED_TARGETS];
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
        Worker warmUp = load.new Worker(-1, new Random(seed - 1));
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
        leaked.addAll(descriptorsAfter.stream().filter(fd -> fd.startsWith(dir + "/")).toList());
        if (!leaked.isEmpty()) {
            load.fail("descriptors left open: " + leaked);
        }
        StringBuilder kinds = new StringBuilder();
        long total = 0;
        for (Kind kind : Kind.values()) {
            long n = load.operations.get(kind.ordinal());
            total += n;
            kinds.append(kinds.length() == 0 ? "" : ", ").append(kind.name().toLowerCase()).append(' ').append(n);
        }
        System.out.printf("load: %s, %d threads, %d operations (%s), %d rounds of %d threads replacing one target"
                        + " (%d replacements overlapped another), %d bytes verified, %d extent checks,"
                        + " %d descriptors leaked (%d open files before, %d after), heap after GC %.1f MiB before,"
                        + " %.1f MiB after (max %d MiB), %.1f s, seed %d, %d failures%n",
                Files.getFileStore(dir).type(), threads, total, kinds, rounds, threads,
                load.concurrentReplacements.get(), load.bytesVerified.get(), load.extentChecks.get(), leaked.size(),
                descriptorsBefore.size(), descriptorsAfter.size(), heapBefore / 1048576.0, heapAfter / 1048576.0,
                Runtime.getRuntime().maxMemory() >> 20, seconds, seed, load.failures.size());
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
            Worker worker = new Worker(index, random);
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

    /** One thread's operations, in its own directory. */
    final class Worker {
        private final Random random;
        private final Path own;
        private final Path replaced;
        private final Path ranges;
        private byte[] rangesModel;

        Worker(int index, Random random) throws IOException {
            this.random = random;
            this.own = Files.createDirectories(dir.resolve("w" + index));
            this.replaced = Files.write(own.resolve("replaced"), bytes(200_000));
            this.rangesModel = bytes(64 << 10);
            this.ranges = Files.write(own.resolve("ranges"), rangesModel);
        }

        void run(Kind kind, int i) throws IOException {
            int s = random.nextInt(sources.length);
            String what = kind + " #" + i + " of s" + s + " (" + sources[s].length + " bytes)";
            try {
                switch (kind) {
                    case CLONE -> cloneNew(s, i);
                    case REPLACE -> replaceOwn(s, i);
                    case REPLACE_SHARED -> replaceShared(s);
                    case RANGE -> range(s);
                    case TREE -> tree(i);
                    case DEDUPE -> dedupe(s, i);
                    case NEVER -> never(s, i);
                }
            } catch (IOException | RuntimeException | AssertionError e) {
                throw new AssertionError(what + ": " + e, e);
            }
            operations.incrementAndGet(kind.ordinal());
        }

        /** A clone into a new file, through one of the five ways a caller can ask for it. */
        private void cloneNew(int s, int i) throws IOException {
            Path target = own.resolve("clone-" + i);
            CopyResult result = wholeFileCopy(s, target, random.nextBoolean() ? ReflinkCopyOption.ALWAYS
                    : ReflinkCopyOption.AUTO);
            checkClone(s, target, result, i);
            Files.delete(target);
        }

        /** The worker's own existing target (of another size), replaced with REPLACE_EXISTING. */
        private void replaceOwn(int s, int i) throws IOException {
            CopyResult result = wholeFileCopy(s, replaced, random.nextBoolean() ? ReflinkCopyOption.ALWAYS
                    : ReflinkCopyOption.AUTO, StandardCopyOption.REPLACE_EXISTING);
            checkClone(s, replaced, result, i);
        }

        /**
         * One of three targets every worker replaces: whatever the others do meanwhile, the target
         * holds one source wholly, before and after.
         */
        private void replaceShared(int s) throws IOException {
            int t = random.nextInt(SHARED_TARGETS);
            if (replacing[t].getAndIncrement() > 0) {
                concurrentReplacements.incrementAndGet();
            }
            try {
                wholeFileCopy(s, sharedTargets[t], random.nextBoolean() ? ReflinkCopyOption.ALWAYS
                        : ReflinkCopyOption.AUTO, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                replacing[t].decrementAndGet();
            }
            wholeSource(sharedTargets[t]);
        }

        /** All workers at once onto the same target, each from another source; the target is wholly one. */
        void replaceTogether(int round) throws IOException {
            Path target = sharedTargets[round % SHARED_TARGETS];
            int s = random.nextInt(sources.length);
            if (replacing[round % SHARED_TARGETS].getAndIncrement() > 0) {
                concurrentReplacements.incrementAndGet();
            }
            try {
                wholeFileCopy(s, target, ReflinkCopyOption.AUTO, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                replacing[round % SHARED_TARGETS].decrementAndGet();
            }
            wholeSource(target);
        }

        /** A range of a source into the worker's own file, checked against a model of its bytes. */
        private void range(int s) throws IOException {
            byte[] source = sources[s];
            ReflinkCopyOption mode = ReflinkCopyOption.values()[random.nextInt(3)];
            long from;
            long to;
            long length;
            if (mode == ReflinkCopyOption.ALWAYS) {
                // whole blocks inside the source, which the kernel clones
                int blocks = source.length / BLOCK;
                if (blocks == 0) {
                    mode = ReflinkCopyOption.AUTO;
                }
                int first = blocks == 0 ? 0 : random.nextInt(blocks);
                from = (long) first * BLOCK;
                length = (long) (1 + random.nextInt(Math.max(1, blocks - first))) * BLOCK;
                to = (long) random.nextInt(64) * BLOCK;
            } else {
                from = source.length == 0 ? 0 : random.nextInt(source.length + BLOCK);
                to = random.nextInt(256 << 10);
                length = random.nextInt(4) == 0 ? Long.MAX_VALUE / 4 : random.nextInt(128 << 10);
            }
            long effective = Math.min(length, Math.max(0, source.length - from));
            CopyResult result = Reflink.partial(sourcePaths[s], from, ranges, to, length, mode);
            if (result.bytes() != effective || mode == ReflinkCopyOption.ALWAYS && result.clonedBytes() != effective
                    || mode == ReflinkCopyOption.NEVER && result.clonedBytes() != 0) {
                throw new AssertionError(mode + " [" + from + ", +" + length + ") to " + to + ": " + result
                        + ", expected " + effective + " bytes");
            }
            if (effective > 0) {
                byte[] model = Arrays.copyOf(rangesModel, (int) Math.max(rangesModel.length, to + effective));
                System.arraycopy(source, (int) from, model, (int) to, (int) effective);
                rangesModel = model;
            }
            verify(ranges, rangesModel, "range target");
            if (rangesModel.length > (512 << 10)) {
                rangesModel = bytes(64 << 10);
                Files.write(ranges, rangesModel); // truncates: start again from a small file
            }
        }

        /** The small tree copied, in parallel, into a new directory; every file checked, then removed. */
        private void tree(int i) throws IOException {
            Path target = own.resolve("tree-" + i);
            ReflinkCopyOption mode = random.nextBoolean() ? ReflinkCopyOption.ALWAYS : ReflinkCopyOption.AUTO;
            TreeCopySummary summary = Reflink.copyTree(treeSource, target,
                    TreeCopy.options().parallelism(1 + random.nextInt(3)).copyOptions(mode));
            long bytes = treeFiles.values().stream().mapToLong(b -> b.length).sum();
            if (!summary.succeeded() || summary.files() != treeFiles.size() || summary.clonedBytes() != bytes
                    || summary.copiedBytes() != 0) {
                throw new AssertionError(mode + ": " + summary + ", expected " + treeFiles.size() + " files, "
                        + bytes + " bytes cloned");
            }
            for (Map.Entry<String, byte[]> file : treeFiles.entrySet()) {
                verify(target.resolve(file.getKey()), file.getValue(), "tree copy");
            }
            deleteTree(target);
        }

        /**
         * A real copy (NEVER), then deduplicated against its source: all of it shared, no byte
         * changed; or, with one byte changed first, the difference reported and both files intact.
         */
        private void dedupe(int s, int i) throws IOException {
            Path copy = own.resolve("dedupe");
            CopyResult copied = Reflink.copy(sourcePaths[s], copy, ReflinkCopyOption.NEVER,
                    StandardCopyOption.REPLACE_EXISTING);
            if (copied.clonedBytes() != 0) {
                throw new AssertionError("NEVER cloned: " + copied);
            }
            byte[] expected = sources[s];
            boolean change = sources[s].length > 0 && random.nextBoolean();
            if (change) {
                expected = expected.clone();
                expected[random.nextInt(expected.length)] ^= 0x5a;
                Files.write(copy, expected);
            }
            DedupeResult result = Reflink.dedupe(sourcePaths[s], copy);
            long size = sources[s].length;
            if (result.bytesCompared() != size || result.differs() != change
                    || (change ? result.bytesDeduplicated() > size - 1 : result.bytesDeduplicated() != size)) {
                throw new AssertionError((change ? "one byte changed: " : "identical: ") + result + " for "
                        + size + " bytes");
            }
            verify(copy, expected, "deduplicated copy");
            verify(sourcePaths[s], sources[s], "deduplicated source");
            if (!change && sampled(size, i)) {
                extentsShared(copy, true);
            }
        }

        /** A copy that shares nothing, replacing the worker's own file. */
        private void never(int s, int i) throws IOException {
            Path target = own.resolve("never");
            CopyResult result = wholeFileCopy(s, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
            if (result != null && (result.clonedBytes() != 0 || result.method() == CopyMethod.CLONE
                    || result.bytes() != sources[s].length)) {
                throw new AssertionError("NEVER: " + result);
            }
            verify(target, sources[s], "NEVER copy");
            if (sampled(sources[s].length, i)) {
                extentsShared(target, false);
            }
        }

        /**
         * A whole-file copy in {@code mode}, by one of: Reflink.always/auto, Reflink.copy, or
         * Files.copy between wrapped paths (which returns no CopyResult: null then).
         */
        private CopyResult wholeFileCopy(int s, Path target, ReflinkCopyOption mode, CopyOption... options)
                throws IOException {
            CopyOption[] withMode = Arrays.copyOf(options, options.length + 1);
            withMode[options.length] = mode;
            switch (random.nextInt(3)) {
                case 0:
                    Files.copy(Reflink.wrap(sourcePaths[s]), Reflink.wrap(target), withMode);
                    return null;
                case 1:
                    return Reflink.copy(sourcePaths[s], target, withMode);
                default:
                    return switch (mode) {
                        case ALWAYS -> Reflink.always(sourcePaths[s], target, options);
                        case AUTO -> Reflink.auto(sourcePaths[s], target, options);
                        case NEVER -> Reflink.copy(sourcePaths[s], target, withMode);
                    };
            }
        }

        private void checkClone(int s, Path target, CopyResult result, int i) throws IOException {
            long size = sources[s].length;
            if (result != null && (result.bytes() != size || result.clonedBytes() != size
                    || size > 0 && result.method() != CopyMethod.CLONE)) {
                throw new AssertionError("not a clone of the whole " + size + " bytes: " + result);
            }
            verify(target, sources[s], "clone");
            if (sampled(size, i)) {
                extentsShared(target, true);
            }
        }

        /**
         * Whether operation {@code i} looks at the extents: one in {@link #EXTENT_SAMPLE}, of a file
         * of a block or more (btrfs keeps smaller files inline in its metadata, and a clone copies
         * those).
         */
        private boolean sampled(long size, int i) {
            return size >= BLOCK && i % EXTENT_SAMPLE == 0;
        }

        private void extentsShared(Path file, boolean shared) {
            boolean as = shared ? Extents.allShared(file) : Extents.noneShared(file);
            if (!as) {
                throw new AssertionError(file + " should " + (shared ? "share all its" : "share none of its")
                        + " extents: " + Extents.of(file));
            }
            extentChecks.incrementAndGet();
        }

        void cleanUp() throws IOException {
            deleteTree(own);
        }

        private byte[] bytes(int size) {
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            return bytes;
        }
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
        private Digests() {
        }

        static String of(byte[] bytes) {
            try {
                return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                        .digest(bytes));
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
