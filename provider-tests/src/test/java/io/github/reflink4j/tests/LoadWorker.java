package io.github.reflink4j.tests;

import static io.github.reflink4j.tests.LoadWorkload.BLOCK;

import java.io.IOException;
import java.nio.file.CopyOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.LoadWorkload.Kind;
import io.github.reflink4j.tests.support.Extents;

/**
 * One thread of {@link LoadWorkload}: operations of every kind, in the thread's own directory
 * and on the targets all threads share, each result checked before the next operation.
 */
final class LoadWorker {
    private final LoadWorkload load;
    private final Random random;
    private final Path own;
    private final Path replaced;
    private final Path ranges;
    private byte[] rangesModel;

    LoadWorker(LoadWorkload load, int index, Random random) throws IOException {
        this.load = load;
        this.random = random;
        this.own = Files.createDirectories(load.dir.resolve("w" + index));
        this.replaced = Files.write(own.resolve("replaced"), bytes(200_000));
        this.rangesModel = bytes(64 << 10);
        this.ranges = Files.write(own.resolve("ranges"), rangesModel);
    }

    void run(Kind kind, int i) throws IOException {
        int s = random.nextInt(load.sources.length);
        String what = kind + " #" + i + " of s" + s + " (" + load.sources[s].length + " bytes)";
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
        load.operations.incrementAndGet(kind.ordinal());
    }

    /** A clone into a new file, through one of the five ways a caller can ask for it. */
    private void cloneNew(int s, int i) throws IOException {
        Path target = own.resolve("clone-" + i);
        CopyResult result =
                wholeFileCopy(s, target, random.nextBoolean() ? ReflinkCopyOption.ALWAYS : ReflinkCopyOption.AUTO);
        checkClone(s, target, result, i);
        Files.delete(target);
    }

    /** The worker's own existing target (of another size), replaced with REPLACE_EXISTING. */
    private void replaceOwn(int s, int i) throws IOException {
        CopyResult result = wholeFileCopy(
                s,
                replaced,
                random.nextBoolean() ? ReflinkCopyOption.ALWAYS : ReflinkCopyOption.AUTO,
                StandardCopyOption.REPLACE_EXISTING);
        checkClone(s, replaced, result, i);
    }

    /**
     * One of three targets every worker replaces: whatever the others do meanwhile, the target
     * holds one source wholly, before and after.
     */
    private void replaceShared(int s) throws IOException {
        int t = random.nextInt(LoadWorkload.SHARED_TARGETS);
        if (load.replacing[t].getAndIncrement() > 0) {
            load.concurrentReplacements.incrementAndGet();
        }
        try {
            wholeFileCopy(
                    s,
                    load.sharedTargets[t],
                    random.nextBoolean() ? ReflinkCopyOption.ALWAYS : ReflinkCopyOption.AUTO,
                    StandardCopyOption.REPLACE_EXISTING);
        } finally {
            load.replacing[t].decrementAndGet();
        }
        load.wholeSource(load.sharedTargets[t]);
    }

    /** All workers at once onto the same target, each from another source; the target is wholly one. */
    void replaceTogether(int round) throws IOException {
        Path target = load.sharedTargets[round % LoadWorkload.SHARED_TARGETS];
        int s = random.nextInt(load.sources.length);
        if (load.replacing[round % LoadWorkload.SHARED_TARGETS].getAndIncrement() > 0) {
            load.concurrentReplacements.incrementAndGet();
        }
        try {
            wholeFileCopy(s, target, ReflinkCopyOption.AUTO, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            load.replacing[round % LoadWorkload.SHARED_TARGETS].decrementAndGet();
        }
        load.wholeSource(target);
    }

    /** A range of a source into the worker's own file, checked against a model of its bytes. */
    private void range(int s) throws IOException {
        byte[] source = load.sources[s];
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
        CopyResult result = Reflink.partial(load.sourcePaths[s], from, ranges, to, length, mode);
        if (result.bytes() != effective
                || mode == ReflinkCopyOption.ALWAYS && result.clonedBytes() != effective
                || mode == ReflinkCopyOption.NEVER && result.clonedBytes() != 0) {
            throw new AssertionError(mode + " [" + from + ", +" + length + ") to " + to + ": " + result + ", expected "
                    + effective + " bytes");
        }
        if (effective > 0) {
            byte[] model = Arrays.copyOf(rangesModel, (int) Math.max(rangesModel.length, to + effective));
            System.arraycopy(source, (int) from, model, (int) to, (int) effective);
            rangesModel = model;
        }
        load.verify(ranges, rangesModel, "range target");
        if (rangesModel.length > (512 << 10)) {
            rangesModel = bytes(64 << 10);
            Files.write(ranges, rangesModel); // truncates: start again from a small file
        }
    }

    /** The small tree copied, in parallel, into a new directory; every file checked, then removed. */
    private void tree(int i) throws IOException {
        Path target = own.resolve("tree-" + i);
        ReflinkCopyOption mode = random.nextBoolean() ? ReflinkCopyOption.ALWAYS : ReflinkCopyOption.AUTO;
        TreeCopySummary summary = Reflink.copyTree(
                load.treeSource,
                target,
                TreeCopy.options().parallelism(1 + random.nextInt(3)).copyOptions(mode));
        long bytes = load.treeFiles.values().stream().mapToLong(b -> b.length).sum();
        if (!summary.succeeded()
                || summary.files() != load.treeFiles.size()
                || summary.clonedBytes() != bytes
                || summary.copiedBytes() != 0) {
            throw new AssertionError(mode + ": " + summary + ", expected " + load.treeFiles.size() + " files, " + bytes
                    + " bytes cloned");
        }
        for (Map.Entry<String, byte[]> file : load.treeFiles.entrySet()) {
            load.verify(target.resolve(file.getKey()), file.getValue(), "tree copy");
        }
        LoadWorkload.deleteTree(target);
    }

    /**
     * A real copy (NEVER), then deduplicated against its source: all of it shared, no byte
     * changed; or, with one byte changed first, the difference reported and both files intact.
     */
    private void dedupe(int s, int i) throws IOException {
        Path copy = own.resolve("dedupe");
        CopyResult copied =
                Reflink.copy(load.sourcePaths[s], copy, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
        if (copied.clonedBytes() != 0) {
            throw new AssertionError("NEVER cloned: " + copied);
        }
        byte[] expected = load.sources[s];
        boolean change = load.sources[s].length > 0 && random.nextBoolean();
        if (change) {
            expected = expected.clone();
            expected[random.nextInt(expected.length)] ^= 0x5a;
            Files.write(copy, expected);
        }
        DedupeResult result = Reflink.dedupe(load.sourcePaths[s], copy);
        long size = load.sources[s].length;
        if (result.bytesCompared() != size
                || result.differs() != change
                || (change ? result.bytesDeduplicated() > size - 1 : result.bytesDeduplicated() != size)) {
            throw new AssertionError(
                    (change ? "one byte changed: " : "identical: ") + result + " for " + size + " bytes");
        }
        load.verify(copy, expected, "deduplicated copy");
        load.verify(load.sourcePaths[s], load.sources[s], "deduplicated source");
        if (!change && sampled(size, i)) {
            extentsShared(copy, true);
        }
    }

    /** A copy that shares nothing, replacing the worker's own file. */
    private void never(int s, int i) throws IOException {
        Path target = own.resolve("never");
        CopyResult result = wholeFileCopy(s, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
        if (result != null
                && (result.clonedBytes() != 0
                        || result.method() == CopyMethod.CLONE
                        || result.bytes() != load.sources[s].length)) {
            throw new AssertionError("NEVER: " + result);
        }
        load.verify(target, load.sources[s], "NEVER copy");
        if (sampled(load.sources[s].length, i)) {
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
                Files.copy(Reflink.wrap(load.sourcePaths[s]), Reflink.wrap(target), withMode);
                return null;
            case 1:
                return Reflink.copy(load.sourcePaths[s], target, withMode);
            default:
                return switch (mode) {
                    case ALWAYS -> Reflink.always(load.sourcePaths[s], target, options);
                    case AUTO -> Reflink.auto(load.sourcePaths[s], target, options);
                    case NEVER -> Reflink.copy(load.sourcePaths[s], target, withMode);
                };
        }
    }

    private void checkClone(int s, Path target, CopyResult result, int i) throws IOException {
        long size = load.sources[s].length;
        if (result != null
                && (result.bytes() != size
                        || result.clonedBytes() != size
                        || size > 0 && result.method() != CopyMethod.CLONE)) {
            throw new AssertionError("not a clone of the whole " + size + " bytes: " + result);
        }
        load.verify(target, load.sources[s], "clone");
        if (sampled(size, i)) {
            extentsShared(target, true);
        }
    }

    /**
     * Whether operation {@code i} looks at the extents: one in {@link LoadWorkload#EXTENT_SAMPLE}, of a file
     * of a block or more (btrfs keeps smaller files inline in its metadata, and a clone copies
     * those).
     */
    private boolean sampled(long size, int i) {
        return size >= BLOCK && i % LoadWorkload.EXTENT_SAMPLE == 0;
    }

    private void extentsShared(Path file, boolean shared) {
        boolean as = shared ? Extents.allShared(file) : Extents.noneShared(file);
        if (!as) {
            throw new AssertionError(file + " should " + (shared ? "share all its" : "share none of its") + " extents: "
                    + Extents.of(file));
        }
        load.extentChecks.incrementAndGet();
    }

    void cleanUp() throws IOException {
        LoadWorkload.deleteTree(own);
    }

    private byte[] bytes(int size) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        return bytes;
    }
}
