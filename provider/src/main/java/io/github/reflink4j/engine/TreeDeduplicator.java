package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import io.github.reflink4j.DedupeFailure;
import io.github.reflink4j.DedupeResult;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.TreeDedupe;
import io.github.reflink4j.TreeDedupeListener;
import io.github.reflink4j.TreeDedupeSummary;
import io.github.reflink4j.linux.DedupeOutcome;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Deduplicates trees, reading as little as it can: files are grouped by file system and size;
 * a group is split by a cheap probe of each file (five blocks, {@link ContentProbe}); a file that
 * already shares every block with its group's source (compared by FIEMAP, {@link ExtentMap}) is
 * skipped; the rest go to FIDEDUPERANGE with one source and up to 127 destinations per request,
 * and the kernel compares the bytes under lock, so nothing can change a byte. A destination that
 * differs in a request is split for itself alone, as {@link Deduplicator} does, so near-duplicates
 * share every block they have in common. Only where {@value #MIXED} or more destinations differ
 * from the source in a batch's first request (a large group the probes could not separate) are
 * the differing ones read in full (CRC32C), to deduplicate identical ones among them with each
 * other: fewer are split against the source, which costs little for near-duplicates.
 *
 * <p>Groups are worked on in parallel ({@link TreeDedupe#parallelism()}). Each holds at most one
 * source and 127 destinations open at a time, so descriptors stay bounded whatever a group's
 * size; all workers together hold at most half the soft RLIMIT_NOFILE (fewer workers, then
 * fewer destinations per request, where it is low). Every file is opened read-only by its name in its directory, reached from its root's
 * descriptor one name at a time without following a link ({@link DirectoryChain}), and checked to
 * be the inode and size that was listed; one that is not, or that is not reached, is left alone.
 */
public final class TreeDeduplicator {
    /** Errors of a whole request that say the file system cannot dedupe at all: the run stops. */
    private static final Errno[] CANNOT_DEDUPE = {Errno.EOPNOTSUPP, Errno.ENOTTY, Errno.ENOSYS};

    private static final String LEFT = "no file's contents changed; part may already share blocks";
    /**
     * How many destinations must differ from the source in a batch's first request before they
     * are read in full to find identical ones among them: below it, splitting each against the
     * source costs less than reading them all (near-duplicates split cheaply).
     */
    static final int MIXED = 4;

    /** Directories each worker keeps open to reach files by (besides the roots' and its 128 files). */
    private static final int CHAIN = 4;
    /**
     * Descriptors a worker holds at most: a source, 127 destinations, a file opened beside them,
     * its chain of directories.
     */
    private static final int PER_WORKER = 1 + Syscalls.MAX_DEDUPE_TARGETS + 1 + CHAIN;

    private final Syscalls sys;
    /** The chain of directories of the group the current thread works on. */
    private final ThreadLocal<DirectoryChain> chains = new ThreadLocal<>();

    private final TreeDedupeListener listener;
    private final boolean dryRun;
    private final AtomicLong groups = new AtomicLong();
    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytesDeduplicated = new AtomicLong();
    private final AtomicLong filesAlreadyShared = new AtomicLong();
    private final AtomicLong bytesAlreadyShared = new AtomicLong();
    private final AtomicLong differing = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final List<DedupeFailure> failures = Collections.synchronizedList(new ArrayList<>());

    /** Workers at once: the parallelism asked for, fewer when the descriptor limit is low. */
    private final int workers;
    /** Destinations per request: 127, fewer when the descriptor limit is low. */
    private final int batchSize;

    /** {@code roots}: one descriptor each, held for the whole run, outside the workers' share. */
    private TreeDeduplicator(Syscalls sys, TreeDedupe settings, int roots) {
        this.sys = sys;
        this.listener = settings.listener();
        this.dryRun = settings.isDryRun();
        long share = Math.max(PER_WORKER - Syscalls.MAX_DEDUPE_TARGETS + 1, descriptorShare() - roots);
        this.workers = (int) Math.max(1, Math.min(settings.parallelism(), share / PER_WORKER));
        this.batchSize = (int) Math.max(
                1, Math.min(Syscalls.MAX_DEDUPE_TARGETS, share / workers - (PER_WORKER - Syscalls.MAX_DEDUPE_TARGETS)));
    }

    /**
     * The descriptors a run may hold: half the process's soft RLIMIT_NOFILE, read from
     * /proc/self/limits (the rest is the JVM's and the application's); no bound when it cannot be
     * read or is unlimited.
     */
    static long descriptorShare() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft =
                            line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft) / 2;
                }
            }
        } catch (IOException | RuntimeException e) {
            // no /proc: no bound
        }
        return Long.MAX_VALUE;
    }

    /** See {@link io.github.reflink4j.Reflink#dedupeTree(List, TreeDedupe)}. */
    public static TreeDedupeSummary dedupe(List<Path> roots, TreeDedupe settings) throws IOException {
        for (Path root : roots) {
            String refusal = CopyEngine.nativeRefusal(root, root);
            if (refusal != null) {
                throw new ReflinkUnsupportedException(root.toString(), null, "FIDEDUPERANGE", refusal);
            }
        }
        return dedupe(Syscalls.linux(), roots, settings);
    }

    /** The dedupe through {@code sys}: the real binding, or a test's with faults in front of it. */
    static TreeDedupeSummary dedupe(Syscalls sys, List<Path> roots, TreeDedupe settings) throws IOException {
        TreeDeduplicator run = new TreeDeduplicator(sys, settings, roots.size());
        try (DedupeCandidates.Listing listing =
                DedupeCandidates.sameSizeGroups(sys, roots, (file, error) -> run.failed(file, null, error))) {
            List<List<DedupeCandidate>> sameSize = listing.groups;
            long candidates = 0;
            long bytes = 0;
            for (List<DedupeCandidate> group : sameSize) {
                candidates += group.size();
                bytes += group.size() * group.get(0).size();
            }
            long found = candidates;
            long foundBytes = bytes;
            run.tell(
                    roots.isEmpty() ? null : roots.get(0),
                    null,
                    "candidatesFound",
                    l -> l.candidatesFound(found, foundBytes));
            run.runAll(sameSize, run.workers);
        }
        return new TreeDedupeSummary(
                run.groups.get(),
                run.files.get(),
                run.bytesDeduplicated.get(),
                run.filesAlreadyShared.get(),
                run.bytesAlreadyShared.get(),
                run.differing.get(),
                run.requests.get(),
                run.failures);
    }

    // ---- the groups, in parallel

    private void runAll(List<List<DedupeCandidate>> sameSize, int parallelism) throws IOException {
        if (parallelism == 1 || sameSize.size() < 2) {
            for (List<DedupeCandidate> group : sameSize) {
                sameSizeGroup(group);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(parallelism, task -> {
            Thread thread = new Thread(task, "reflink4j-dedupe");
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<Void>> running = new ArrayList<>();
            for (int i = 0; i < Math.min(parallelism, sameSize.size()); i++) {
                running.add(workers.submit(() -> {
                    for (int g = next.getAndIncrement(); g < sameSize.size(); g = next.getAndIncrement()) {
                        sameSizeGroup(sameSize.get(g));
                    }
                    return null;
                }));
            }
            for (Future<Void> worker : running) {
                worker.get();
            }
        } catch (InterruptedException e) {
            stopWorkers(workers);
            Thread.currentThread().interrupt();
            InterruptedIOException stop = new InterruptedIOException("deduplicating: interrupted; " + LEFT);
            stop.initCause(e);
            throw stop;
        } catch (ExecutionException e) {
            stopWorkers(workers);
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (e.getCause() instanceof Error error) {
                throw error; // as with one worker: an Error passes, unwrapped
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            workers.shutdown();
        }
    }

    /** Stops the other workers between two requests and waits for them, so no descriptor stays open. */
    private static void stopWorkers(ExecutorService workers) {
        workers.shutdownNow();
        boolean interrupted = false;
        while (true) {
            try {
                if (workers.awaitTermination(1, TimeUnit.MINUTES)) {
                    break;
                }
            } catch (InterruptedException again) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- one group of files of one size

    /**
     * Splits a group of one size by its probes; deduplicates (or, in a dry run, hashes) what stays
     * together. Its files are reached through a {@link DirectoryChain} of this thread's, closed at
     * the end of the group.
     */
    private void sameSizeGroup(List<DedupeCandidate> sameSize) throws IOException {
        try (DirectoryChain chain = new DirectoryChain(sys, CHAIN)) {
            chains.set(chain);
            sameSizeGroupThrough(sameSize);
        } finally {
            chains.remove();
        }
    }

    private void sameSizeGroupThrough(List<DedupeCandidate> sameSize) throws IOException {
        long unique = 0;
        for (List<DedupeCandidate> alike :
                partition(sameSize, "probing", ContentProbe::probe).values()) {
            if (alike.size() == 1) {
                unique++;
            } else if (dryRun) {
                listIdentical(alike);
            } else {
                dedupeGroup(alike, true);
            }
        }
        if (unique > 0) {
            long files = unique;
            tell(
                    sameSize.get(0).display(),
                    null,
                    "setAside",
                    l -> l.setAside(files, files * sameSize.get(0).size()));
        }
    }

    /** A dry run: reads the files in full and reports which would share which one's blocks. */
    private void listIdentical(List<DedupeCandidate> alike) throws IOException {
        for (List<DedupeCandidate> identical :
                partition(alike, "reading", ContentProbe::checksum).values()) {
            if (identical.size() < 2) {
                continue;
            }
            groups.incrementAndGet();
            DedupeCandidate source = identical.get(0);
            for (DedupeCandidate target : identical.subList(1, identical.size())) {
                files.incrementAndGet();
                bytesDeduplicated.addAndGet(target.size());
                tell(
                        target.display(),
                        source.display(),
                        "wouldDedupe",
                        l -> l.wouldDedupe(source.display(), target.display(), target.size()));
            }
        }
    }

    /** A fingerprint of an open file's content ({@link ContentProbe}). */
    private interface Fingerprint {
        long of(Syscalls sys, int fd, long size) throws NativeException;
    }

    /** The files by their fingerprints, in their order; a file that cannot be read is recorded and left out. */
    private Map<Long, List<DedupeCandidate>> partition(
            List<DedupeCandidate> files, String doing, Fingerprint fingerprint) throws IOException {
        Map<Long, List<DedupeCandidate>> partition = new LinkedHashMap<>();
        for (DedupeCandidate file : files) {
            Failures.stopIfInterrupted(file.display(), file.display(), 0, doing, LEFT);
            Long key = withOpen(file, fd -> fingerprint.of(sys, fd, file.size()));
            if (key != null) {
                partition.computeIfAbsent(key, k -> new ArrayList<>()).add(file);
            }
        }
        return partition;
    }

    /** A file with its extent map (null when uncertain). */
    private record Mapped(DedupeCandidate file, ExtentMap map) {}

    /** A target that shares some of the source's blocks already: the ranges it does not. */
    private record Partly(DedupeCandidate file, List<long[]> notShared) {}

    /**
     * Files that look identical: the source is the file most of the others already share all
     * blocks with (the first by path when none do); a file that shares every block with it is
     * skipped, one that shares some has only the rest compared; the others go to the kernel.
     */
    private void dedupeGroup(List<DedupeCandidate> alike, boolean mayHash) throws IOException {
        List<Mapped> mapped = new ArrayList<>();
        for (DedupeCandidate file : alike) {
            Failures.stopIfInterrupted(file.display(), file.display(), 0, "mapping", LEFT);
            Mapped m = withOpen(file, fd -> new Mapped(file, ExtentMap.read(sys, fd, file.size())));
            if (m != null) {
                mapped.add(m);
            }
        }
        if (mapped.size() < 2) {
            return;
        }
        Map<ExtentMap, List<Mapped>> sharing = sharingAlike(mapped);
        Mapped source = mostShared(mapped, sharing);
        groups.incrementAndGet();
        List<DedupeCandidate> whole = new ArrayList<>();
        List<Partly> partly = new ArrayList<>();
        List<List<Mapped>> otherSets = new ArrayList<>();
        for (Mapped target : mapped) {
            if (target == source) {
                continue;
            }
            List<Mapped> set = target.map() == null ? null : sharing.get(target.map());
            if (set != null && set.size() > 1 && !target.map().equals(source.map())) {
                if (set.get(0) == target) {
                    otherSets.add(set); // files that share all their blocks with each other, not with the source
                }
                continue;
            }
            List<long[]> notShared = source.map() == null || target.map() == null
                    ? null
                    : target.map().notSharedWith(source.map(), target.file().size());
            if (notShared == null || length(notShared) == target.file().size()) {
                whole.add(target.file());
            } else if (notShared.isEmpty()) {
                filesAlreadyShared.incrementAndGet();
                bytesAlreadyShared.addAndGet(target.file().size());
                tell(
                        target.file().display(),
                        source.file().display(),
                        "alreadyShared",
                        l -> l.alreadyShared(
                                source.file().display(),
                                target.file().display(),
                                target.file().size()));
            } else {
                partly.add(new Partly(target.file(), notShared));
            }
        }
        if (whole.isEmpty() && partly.isEmpty() && otherSets.isEmpty()) {
            return;
        }
        DedupeCandidate from = source.file();
        List<List<DedupeCandidate>> separated = new ArrayList<>();
        Integer sourceFd = openChecked(from, null);
        if (sourceFd == null) {
            return;
        }
        try {
            int blockSize = sys.fileSystemBlockSize(sourceFd);
            for (List<Mapped> set : otherSets) {
                joinOrKeepApart(source.file(), sourceFd, set, whole);
            }
            for (Partly target : partly) {
                dedupeRest(from, sourceFd, target, blockSize);
            }
            for (int i = 0; i < whole.size(); i += batchSize) {
                List<DedupeCandidate> batch = whole.subList(i, Math.min(whole.size(), i + batchSize));
                dedupeBatch(from, sourceFd, batch, blockSize, mayHash, separated);
            }
        } catch (NativeException e) {
            failed(from.display(), null, Failures.translate(e, from.display(), null));
        } finally {
            Failures.closeQuietly(sys, sourceFd, null); // only read from
        }
        for (List<DedupeCandidate> identical : separated) {
            dedupeGroup(identical, false);
        }
    }

    /** The files by their extent maps, where certain: each list a set of files sharing all their blocks. */
    private static Map<ExtentMap, List<Mapped>> sharingAlike(List<Mapped> mapped) {
        Map<ExtentMap, List<Mapped>> sharing = new LinkedHashMap<>();
        for (Mapped m : mapped) {
            if (m.map() != null) {
                sharing.computeIfAbsent(m.map(), k -> new ArrayList<>()).add(m);
            }
        }
        return sharing;
    }

    /** The first file of the largest set of files sharing all their blocks; the first file when there is none. */
    private static Mapped mostShared(List<Mapped> mapped, Map<ExtentMap, List<Mapped>> sharing) {
        List<Mapped> largest = List.of(mapped.get(0));
        for (List<Mapped> set : sharing.values()) {
            if (set.size() > largest.size()) {
                largest = set;
            }
        }
        return largest.get(0);
    }

    /**
     * A set of files that share all their blocks with each other but not with the source (a
     * group of its own that an earlier run separated, or that another tool deduplicated): its
     * first file is compared with the source here, up to the first difference (for files that
     * differ, most often the first piece). Identical, the set joins the source's targets;
     * different, it is left as it is, without a request.
     */
    private void joinOrKeepApart(DedupeCandidate source, int sourceFd, List<Mapped> set, List<DedupeCandidate> whole)
            throws IOException {
        Mapped first = set.get(0);
        Boolean identical = withOpen(first.file(), fd -> {
            for (long offset = 0; offset < source.size(); offset += ContentProbe.BUFFER) {
                int length = (int) Math.min(ContentProbe.BUFFER, source.size() - offset);
                if (Thread.currentThread().isInterrupted()
                        || !ContentProbe.sameBytes(sys, sourceFd, fd, offset, length)) {
                    return false;
                }
            }
            return true;
        });
        Failures.stopIfInterrupted(source.display(), first.file().display(), 0, "comparing", LEFT);
        if (Boolean.TRUE.equals(identical)) {
            for (Mapped m : set) {
                whole.add(m.file());
            }
            return;
        }
        for (Mapped m : set.subList(1, set.size())) {
            filesAlreadyShared.incrementAndGet();
            bytesAlreadyShared.addAndGet(m.file().size());
            tell(
                    m.file().display(),
                    first.file().display(),
                    "alreadyShared",
                    l -> l.alreadyShared(
                            first.file().display(), m.file().display(), m.file().size()));
        }
    }

    private static long length(List<long[]> ranges) {
        long total = 0;
        for (long[] range : ranges) {
            total += range[1] - range[0];
        }
        return total;
    }

    /**
     * A target that already shares part of the source's blocks (a near-duplicate deduplicated
     * before): only its other ranges are compared, here, piece by piece, and only equal pieces
     * are offered to the kernel (which compares them again under lock), so a second run over a
     * deduplicated tree issues no request for the blocks that differ.
     */
    private void dedupeRest(DedupeCandidate source, int sourceFd, Partly target, int blockSize) throws IOException {
        DedupeCandidate to = target.file();
        Integer fd = openChecked(to, source);
        if (fd == null) {
            return;
        }
        Deduplicator.Progress progress = new Deduplicator.Progress();
        long notShared = length(target.notShared());
        try {
            for (long[] range : target.notShared()) {
                long start = range[0] - range[0] % blockSize;
                long equalFrom = -1;
                for (long piece = start; piece < range[1]; piece += Deduplicator.SMALLEST_SPLIT) {
                    Failures.stopIfInterrupted(source.display(), to.display(), piece, "deduplicating", LEFT);
                    int length = (int) Math.min(Deduplicator.SMALLEST_SPLIT, range[1] - piece);
                    boolean same = ContentProbe.sameBytes(sys, sourceFd, fd, piece, length);
                    if (same && equalFrom < 0) {
                        equalFrom = piece;
                    }
                    long runEnd = piece + length;
                    boolean runOver = !same || runEnd >= range[1] || runEnd - equalFrom >= Deduplicator.REQUEST;
                    if (!same) {
                        progress.differs = true;
                    }
                    if (equalFrom >= 0 && runOver) {
                        long end = same ? runEnd : piece;
                        Deduplicator.dedupeRange(sys, sourceFd, fd, equalFrom, end - equalFrom, blockSize, progress);
                        equalFrom = -1;
                    }
                }
            }
        } catch (NativeException e) {
            failed(to.display(), source.display(), Failures.cloneFailed(e, source.display(), to.display()));
            return;
        } finally {
            requests.addAndGet(progress.requests);
            Failures.closeQuietly(sys, fd, null); // opened read-only
        }
        bytesAlreadyShared.addAndGet(to.size() - notShared);
        deduplicated(source, to, progress);
    }

    /**
     * Up to 127 targets against one source: one request per 16 MiB for all of them; a target
     * that differs in a request is split for itself alone; a target the kernel refuses is
     * recorded and dropped from the next requests.
     */
    private void dedupeBatch(
            DedupeCandidate source,
            int sourceFd,
            List<DedupeCandidate> batch,
            int blockSize,
            boolean mayHash,
            List<List<DedupeCandidate>> separated)
            throws IOException {
        List<DedupeCandidate> active = new ArrayList<>();
        List<Integer> fds = new ArrayList<>();
        List<Deduplicator.Progress> progress = new ArrayList<>();
        try {
            for (DedupeCandidate target : batch) {
                Integer fd = openChecked(target, source);
                if (fd != null) {
                    active.add(target);
                    fds.add(fd);
                    progress.add(new Deduplicator.Progress());
                }
            }
            long size = source.size();
            for (long offset = 0; offset < size && !active.isEmpty(); offset += Deduplicator.REQUEST) {
                Failures.stopIfInterrupted(source.display(), active.get(0).display(), offset, "deduplicating", LEFT);
                long length = Math.min(Deduplicator.REQUEST, size - offset);
                DedupeOutcome[] outcomes = request(source, sourceFd, active, fds, offset, length);
                if (outcomes == null) {
                    return;
                }
                if (offset == 0 && mayHash) {
                    outcomes = separateIdenticalDiffering(source, sourceFd, active, fds, progress, outcomes, separated);
                }
                for (int i = active.size() - 1; i >= 0; i--) {
                    if (!answer(
                            source,
                            sourceFd,
                            active.get(i),
                            fds.get(i),
                            progress.get(i),
                            outcomes[i],
                            offset,
                            length,
                            blockSize)) {
                        Failures.closeQuietly(sys, fds.remove(i), null);
                        active.remove(i);
                        requests.addAndGet(progress.remove(i).requests);
                    }
                }
            }
            for (int i = 0; i < active.size(); i++) {
                deduplicated(source, active.get(i), progress.get(i));
            }
        } finally {
            for (Integer fd : fds) {
                if (fd != null) {
                    Failures.closeQuietly(sys, fd, null); // opened read-only
                }
            }
            for (Deduplicator.Progress p : progress) {
                requests.addAndGet(p.requests);
            }
        }
    }

    /** One request for every active target; null when it failed as a whole (recorded for each target). */
    private DedupeOutcome[] request(
            DedupeCandidate source,
            int sourceFd,
            List<DedupeCandidate> active,
            List<Integer> fds,
            long offset,
            long length)
            throws IOException {
        int[] targets = new int[fds.size()];
        long[] offsets = new long[fds.size()];
        for (int i = 0; i < targets.length; i++) {
            targets[i] = fds.get(i);
            offsets[i] = offset;
        }
        requests.incrementAndGet();
        try {
            DedupeOutcome[] outcomes = sys.dedupeRange(sourceFd, offset, length, targets, offsets);
            for (DedupeOutcome outcome : outcomes) {
                if (Errno.EOPNOTSUPP.value() == outcome.errno()) {
                    throw new NativeException("ioctl(FIDEDUPERANGE)", outcome.errno());
                }
            }
            return outcomes;
        } catch (NativeException e) {
            if (e.is(CANNOT_DEDUPE)) {
                throw Failures.cloneFailed(e, source.display(), active.get(0).display());
            }
            for (DedupeCandidate target : active) {
                failed(target.display(), source.display(), Failures.cloneFailed(e, source.display(), target.display()));
            }
            return null;
        }
    }

    /**
     * What one target's outcome asks for: a differing range is split for it alone, a short one
     * continued; false when the kernel refused the target (recorded) and it leaves the batch.
     */
    private boolean answer(
            DedupeCandidate source,
            int sourceFd,
            DedupeCandidate target,
            int fd,
            Deduplicator.Progress progress,
            DedupeOutcome outcome,
            long offset,
            long length,
            int blockSize) {
        try {
            if (outcome.errno() != 0) {
                throw new NativeException("ioctl(FIDEDUPERANGE) on the target", outcome.errno());
            }
            if (outcome.differs()) {
                Deduplicator.splitDiffering(sys, sourceFd, fd, offset, length, blockSize, progress);
                return true;
            }
            progress.deduplicated += outcome.bytesDeduplicated();
            if (outcome.bytesDeduplicated() > 0 && outcome.bytesDeduplicated() < length) {
                long done = outcome.bytesDeduplicated();
                Deduplicator.dedupeRange(sys, sourceFd, fd, offset + done, length - done, blockSize, progress);
            }
            return true;
        } catch (NativeException e) {
            failed(target.display(), source.display(), Failures.cloneFailed(e, source.display(), target.display()));
            return false;
        }
    }

    /**
     * A group the probes could not separate, in which {@value #MIXED} or more targets differ from the source
     * in the first request: those are read in full (CRC32C), and the ones identical to each other
     * leave the batch (their descriptors are closed and set to null) to be deduplicated as a group
     * of their own. The others stay, near-duplicates of the source.
     */
    private DedupeOutcome[] separateIdenticalDiffering(
            DedupeCandidate source,
            int sourceFd,
            List<DedupeCandidate> active,
            List<Integer> fds,
            List<Deduplicator.Progress> progress,
            DedupeOutcome[] outcomes,
            List<List<DedupeCandidate>> separated)
            throws IOException {
        List<Integer> differ = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i].errno() == 0 && outcomes[i].differs()) {
                differ.add(i);
            }
        }
        if (differ.size() < MIXED) {
            return outcomes;
        }
        Map<Long, List<Integer>> byChecksum = new LinkedHashMap<>();
        try {
            long sourceChecksum = ContentProbe.checksum(sys, sourceFd, source.size());
            for (int i : differ) {
                Failures.stopIfInterrupted(source.display(), active.get(i).display(), 0, "reading", LEFT);
                long checksum = ContentProbe.checksum(sys, fds.get(i), source.size());
                if (checksum != sourceChecksum) {
                    byChecksum.computeIfAbsent(checksum, k -> new ArrayList<>()).add(i);
                }
            }
        } catch (NativeException e) {
            return outcomes; // not separated: every target is split against the source, as without the checksums
        }
        for (List<Integer> identical : byChecksum.values()) {
            if (identical.size() > 1) {
                List<DedupeCandidate> group = new ArrayList<>();
                for (int i : identical) {
                    group.add(active.get(i));
                    Failures.closeQuietly(sys, fds.get(i), null);
                    fds.set(i, null);
                }
                separated.add(group);
            }
        }
        List<DedupeOutcome> staying = new ArrayList<>();
        for (int i = 0; i < outcomes.length; i++) {
            if (fds.get(i) != null) {
                staying.add(outcomes[i]);
            }
        }
        for (int i = fds.size() - 1; i >= 0; i--) {
            if (fds.get(i) == null) {
                fds.remove(i);
                active.remove(i);
                requests.addAndGet(progress.remove(i).requests);
            }
        }
        return staying.toArray(new DedupeOutcome[0]);
    }

    private void deduplicated(DedupeCandidate source, DedupeCandidate target, Deduplicator.Progress progress) {
        files.incrementAndGet();
        bytesDeduplicated.addAndGet(progress.deduplicated);
        if (progress.differs) {
            differing.incrementAndGet();
        }
        DedupeResult result = new DedupeResult(target.size(), progress.deduplicated, progress.differs);
        tell(
                target.display(),
                source.display(),
                "deduplicated",
                l -> l.deduplicated(source.display(), target.display(), result));
    }

    // ---- opening, failing

    /** What to do with an open file; its descriptor is closed afterwards. */
    private interface WithOpen<T> {
        T apply(int fd) throws NativeException;
    }

    /** Opens the file, checks it is still the one listed, runs {@code action}, closes it; null when it failed (recorded). */
    private <T> T withOpen(DedupeCandidate file, WithOpen<T> action) {
        Integer fd = openChecked(file, null);
        if (fd == null) {
            return null;
        }
        try {
            return action.apply(fd);
        } catch (NativeException e) {
            failed(file.display(), null, Failures.translate(e, file.display(), null));
            return null;
        } finally {
            Failures.closeQuietly(sys, fd, null); // only read from
        }
    }

    /**
     * Opens a listed file read-only (FIDEDUPERANGE needs no write access from the owner or root):
     * by its name in its directory, reached from its root one name at a time without following a
     * link ({@link DirectoryChain}), never through a link at its own name either, and checks it is
     * the inode and size listed; null when it is not or cannot be opened (recorded, naming
     * {@code other} too when there is one). A root named by the caller is opened by its path.
     */
    private Integer openChecked(DedupeCandidate file, DedupeCandidate other) {
        Path otherPath = other == null ? null : other.display();
        int fd;
        try {
            fd = file.parent() == null
                    ? sys.openForReading(Syscalls.AT_FDCWD, file.path(), true)
                    : sys.openForReading(chains.get().open(file.parent()), file.name(), false);
        } catch (NativeException e) {
            failed(file.display(), otherPath, Failures.translate(e, file.display(), otherPath));
            return null;
        } catch (IOException e) {
            FileSystemException unreachable = new FileSystemException(
                    file.display().toString(),
                    otherPath == null ? null : otherPath.toString(),
                    "not reached, a directory on its path was replaced or cannot be opened (" + e.getMessage()
                            + "): left alone");
            unreachable.initCause(e);
            failed(file.display(), otherPath, unreachable);
            return null;
        }
        IOException failure;
        try {
            if (file.isStill(sys.status(fd))) {
                return fd;
            }
            failure = new FileSystemException(
                    file.display().toString(),
                    otherPath == null ? null : otherPath.toString(),
                    "replaced or changed in size since it was listed: left alone");
        } catch (NativeException e) {
            failure = Failures.translate(e, file.display(), otherPath);
        }
        Failures.closeQuietly(sys, fd, null); // before anyone is told: a listener that throws leaks nothing
        failed(file.display(), otherPath, failure);
        return null;
    }

    private void failed(Path file, Path other, IOException error) {
        failures.add(new DedupeFailure(file, other, error));
        tell(file, other, "failed", l -> l.failed(file, other, error));
    }

    /**
     * Every call of the listener goes through here: a RuntimeException it throws does not stop
     * the dedupe (nor, in parallel, every worker): it is recorded as a failure of the file the
     * listener was told about, its cause the listener's exception. Errors pass.
     */
    private void tell(Path file, Path other, String call, Consumer<TreeDedupeListener> told) {
        try {
            told.accept(listener);
        } catch (RuntimeException e) {
            failures.add(new DedupeFailure(
                    file,
                    other,
                    new IOException(
                            "the TreeDedupeListener threw from " + call + (file == null ? "" : " about " + file) + ": "
                                    + e,
                            e)));
        }
    }
}
