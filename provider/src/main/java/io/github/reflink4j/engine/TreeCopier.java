package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Copies a directory tree the way GNU cp's fts walk and the JDK's {@code SecureDirectoryStream}
 * reach files: every entry relative to an open descriptor of its directory, by the name's raw
 * bytes, never through a symbolic link. A directory swapped for a link while the copy runs is
 * refused by the kernel (O_NOFOLLOW on the one name looked up), and every entry's inode is
 * checked against what the listing said before its data is read, so nothing outside the tree is
 * ever read and nothing outside the target is ever written.
 *
 * <p>The copy streams. The calling thread walks the source depth first, reading each directory
 * in chunks (getdents64) and handing its files, links and special files to workers in batches
 * through a bounded queue; when the queue is full it copies a batch itself. Memory is bounded by
 * the depth and the parallelism, not by the number of files, and copying starts at once.
 *
 * <p>Each target directory is created 0700 and gets its final mode, owner and times when
 * everything in it is done, also when the copy fails or is interrupted; so no directory is ever
 * more open than it ends up. TreeDirectory descriptors are kept open while a directory is in use;
 * past {@link #OPEN_DIRECTORY_BUDGET} of them, directories that wait only for their
 * subdirectories are closed, and reopened later through their child's ".." with their
 * (device, inode) checked, so a tree of any depth copies under a small descriptor limit.
 *
 * <p>Each target directory that already existed is searched once, when the walker enters it,
 * for the temporary files of earlier copies that were killed ({@link Leftovers}); directories
 * the copy creates are not, so a copy into a new tree lists nothing but its source.
 */
public final class TreeCopier {
    private static final int BATCH = 1024;
    private static final int LISTING_BUFFER = 32 * 1024;
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final Syscalls sys;
    private final Path sourceRoot;
    private final Path targetRoot;
    private final CopyRequest request;
    private final TreeCopyListener listener;
    private final boolean listening;
    private final int parallelism;
    private final DirectoryModes modes = DirectoryModes.ofThisProcess();
    private final HardLinks hardLinks;
    /** The source tree lies in the target's: no leftover cleanup, which could reach the source's files. */
    private final boolean sourceInsideTarget;

    private final ByteBuffer listing = ByteBuffer.allocateDirect(LISTING_BUFFER);

    private final EntryCopier entries;
    private final OpenDirectories directoriesInUse;

    private final ConcurrentLinkedQueue<TreeCopyFailure> failures = new ConcurrentLinkedQueue<>();
    private final LongAdder files = new LongAdder();
    private final LongAdder directories = new LongAdder();
    private final LongAdder links = new LongAdder();
    private final LongAdder cloned = new LongAdder();
    private final LongAdder copied = new LongAdder();
    /** Temporary files of killed copies removed from existing target directories; the walker's alone. */
    private final List<Path> leftoversRemoved = new ArrayList<>();

    private final AtomicReference<Throwable> unexpected = new AtomicReference<>();
    private volatile boolean stopping;
    private Thread walker;
    private FileStatus targetRootStatus;

    private TreeCopier(Syscalls sys, Path source, Path target, TreeCopy settings) {
        this.sys = sys;
        this.sourceRoot = source;
        this.targetRoot = target;
        this.sourceInsideTarget = source.toAbsolutePath()
                .normalize()
                .startsWith(target.toAbsolutePath().normalize());
        CopyRequest parsed = CopyRequest.parse(ReflinkCopyOption.AUTO, settings.copyOptions());
        this.request = new CopyRequest(parsed.mode(), parsed.replaceExisting(), parsed.copyAttributes(), false);
        this.listener = settings.listener();
        this.listening = listener != TreeCopyListener.SILENT;
        this.parallelism = settings.parallelism();
        this.hardLinks = settings.preservesHardLinks() ? new HardLinks(sys, NativePaths.bytes(target)) : null;
        this.entries = new EntryCopier(sys, request, hardLinks);
        this.directoriesInUse = new OpenDirectories(
                sys, NativePaths.bytes(source), NativePaths.bytes(target), request.copyAttributes(), this::fail);
    }

    public static TreeCopySummary copy(Path source, Path target, TreeCopy settings) throws IOException {
        return copy(null, source, target, settings);
    }

    /** The tree copy through {@code sys} (null: the real binding), or a test's with faults in front of it. */
    static TreeCopySummary copy(Syscalls sys, Path source, Path target, TreeCopy settings) throws IOException {
        String refusal = CopyEngine.nativeRefusal(source, target);
        if (refusal != null) {
            return PortableTreeCopy.copy(source, target, settings, refusal);
        }
        // read, not asked (Files.isDirectory): a link loop or an unreadable parent is reported as what it is
        if (!Files.readAttributes(source, BasicFileAttributes.class).isDirectory()) {
            throw new NotDirectoryException(source.toString());
        }
        refuseTargetInsideSource(source, target);
        return new TreeCopier(sys != null ? sys : Syscalls.linux(), source, target, settings).run();
    }

    // ---- the walk

    /** A directory being listed by the walker: its subdirectories found in the last chunk read. */
    private static final class Frame {
        final TreeDirectory directory;
        final List<DirectoryEntry> subdirectories = new ArrayList<>();
        int next;

        Frame(TreeDirectory directory) {
            this.directory = directory;
        }
    }

    private TreeCopySummary run() throws IOException {
        walker = Thread.currentThread();
        TreeDirectory root = openRoot();
        // the walker is one of the copiers: it lists ahead while the helpers' short queue has room
        // and copies a batch itself when it is full, so `parallelism` threads copy (more would
        // only contend for the file system's locks: measured, see BENCHMARKS.md)
        int helpers = parallelism - 1;
        ThreadPoolExecutor workers = helpers == 0
                ? null
                : new ThreadPoolExecutor(
                        helpers,
                        helpers,
                        0,
                        TimeUnit.SECONDS,
                        new ArrayBlockingQueue<>(2 * helpers),
                        task -> {
                            Thread thread = new Thread(task, "reflink4j-tree-copy-" + THREADS.incrementAndGet());
                            thread.setDaemon(true);
                            return thread;
                        },
                        new ThreadPoolExecutor.CallerRunsPolicy());
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root));
        boolean interrupted = false;
        try {
            while (!stack.isEmpty() && !stopping) {
                if (Thread.interrupted()) {
                    interrupted = true;
                    stopping = true;
                    break;
                }
                Frame frame = stack.peek();
                if (frame.directory.broken) {
                    frame.subdirectories.clear(); // out of reach, and reported once
                }
                if (frame.next < frame.subdirectories.size()) {
                    DirectoryEntry entry = frame.subdirectories.set(frame.next++, null);
                    TreeDirectory child = enter(frame.directory, entry);
                    if (child != null) {
                        stack.push(new Frame(child));
                        directoriesInUse.relieveDescriptorPressure(child);
                    }
                    continue;
                }
                frame.subdirectories.clear();
                frame.next = 0;
                if (!readChunk(frame, workers)) {
                    stack.pop();
                    directoriesInUse.listed(frame.directory);
                }
            }
        } catch (Throwable t) {
            unexpected.compareAndSet(null, t);
            stopping = true;
        } finally {
            // an orderly end, whatever happened: no worker writes after this returns, and every
            // directory created gets its final mode
            if (workers != null) {
                workers.shutdown();
                interrupted |= awaitUninterruptibly(workers);
            }
            while (!stack.isEmpty()) {
                directoriesInUse.listed(stack.pop().directory);
            }
            if (hardLinks != null) {
                hardLinks.closeAll();
            }
        }
        TreeCopySummary summary = summary();
        Throwable error = unexpected.get();
        if (error != null) {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            error.addSuppressed(new IOException("the copy of " + sourceRoot + " to " + targetRoot
                    + " stopped in order after this error; done so far: " + describe(summary)));
            if (error instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (error instanceof Error fatal) {
                throw fatal;
            }
            throw new IOException(error);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
            InterruptedIOException stop = new InterruptedIOException("the copy of " + sourceRoot + " to " + targetRoot
                    + " was interrupted; done so far: " + describe(summary));
            stop.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, summary.clonedBytes() + summary.copiedBytes());
            throw stop;
        }
        return summary;
    }

    private static boolean awaitUninterruptibly(ThreadPoolExecutor workers) {
        boolean interrupted = false;
        for (; ; ) {
            try {
                if (workers.awaitTermination(1, TimeUnit.DAYS)) {
                    return interrupted;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private TreeCopySummary summary() {
        return new TreeCopySummary(
                files.sum(),
                directories.sum(),
                links.sum(),
                cloned.sum(),
                copied.sum(),
                new ArrayList<>(failures),
                leftoversRemoved);
    }

    private static String describe(TreeCopySummary s) {
        return s.files() + " files, " + s.directories() + " directories, " + s.symlinks() + " links, "
                + s.failures().size() + " failed";
    }

    /** Opens both roots; the target is created 0700, or merged into when it is a directory already. */
    private TreeDirectory openRoot() throws IOException {
        int source;
        FileStatus sourceStatus;
        try {
            source = sys.openDirectory(Syscalls.AT_FDCWD, NativePaths.bytes(sourceRoot), true);
        } catch (NativeException e) {
            throw Failures.translate(e, sourceRoot, targetRoot);
        }
        int parent = -1;
        int target = -1;
        try {
            sourceStatus = sys.status(source);
            byte[][] parentAndName = NativePaths.split(NativePaths.bytes(targetRoot));
            try {
                parent = sys.openDirectory(Syscalls.AT_FDCWD, parentAndName[0], true);
                boolean created = sys.makeDirectory(parent, parentAndName[1], DirectoryModes.WHILE_COPYING);
                target = openTargetDirectory(parent, parentAndName[1], created, targetRoot);
                targetRootStatus = sys.status(target);
                if (!created) {
                    removeLeftovers(target, () -> targetRoot);
                }
                TreeDirectory root = new TreeDirectory(
                        null,
                        null,
                        sourceStatus,
                        source,
                        target,
                        targetRootStatus,
                        created,
                        created ? modes.allowedBitsIn(sys, parent) : 0,
                        sourceRoot,
                        targetRoot);
                sys.close(parent);
                parent = -1;
                directoriesInUse.opened(root);
                directories.increment();
                tell(() -> listener.directoryCreated(sourceRoot, targetRoot));
                return root;
            } catch (NativeException e) {
                throw Failures.translate(e, targetRoot, sourceRoot);
            }
        } catch (NativeException e) {
            IOException failure = Failures.translate(e, sourceRoot, targetRoot);
            closeAll(failure, source, parent, target);
            throw failure;
        } catch (IOException | RuntimeException failure) {
            closeAll(failure, source, parent, target);
            throw failure;
        }
    }

    private void closeAll(Throwable failure, int... descriptors) {
        for (int fd : descriptors) {
            if (fd >= 0) {
                Failures.closeQuietly(sys, fd, failure);
            }
        }
    }

    /**
     * Opens a target directory without following a link; one this copy created must be its
     * own (a directory swapped in by someone else between mkdir and open is refused).
     */
    private int openTargetDirectory(int parent, byte[] name, boolean created, Path path)
            throws NativeException, IOException {
        int fd;
        try {
            fd = sys.openDirectory(parent, name, false);
        } catch (NativeException e) {
            if (e.is(Errno.ELOOP, Errno.ENOTDIR)) {
                throw new FileSystemException(
                        path.toString(),
                        null,
                        "exists and is not a directory"
                                + (e.is(Errno.ELOOP) ? " (a symbolic link, which a tree copy never follows)" : ""));
            }
            throw e;
        }
        if (created) {
            FileStatus status;
            try {
                status = sys.status(fd);
            } catch (NativeException e) {
                Failures.closeQuietly(sys, fd, e);
                throw e;
            }
            if (status.uid() != sys.effectiveUserId()) {
                sys.close(fd);
                throw new FileSystemException(
                        path.toString(), null, "the directory just created was replaced by another's during the copy");
            }
        }
        return fd;
    }

    /**
     * Reads the next chunk of a directory: files, links and special files go to the workers in
     * batches, subdirectories to the frame, for the walker to enter next.
     *
     * @return false at the end of the listing
     */
    private boolean readChunk(Frame frame, ThreadPoolExecutor workers) {
        TreeDirectory directory = frame.directory;
        if (directory.broken) {
            return false;
        }
        List<DirectoryEntry> listed = new ArrayList<>();
        try {
            if (!sys.readDirectory(directory.sourceFd, listing, listed)) {
                return false;
            }
        } catch (NativeException e) {
            fail(directory::source, directory::target, Failures.translate(e, directory.source(), directory.target()));
            return false;
        }
        List<DirectoryEntry> batch = null;
        for (DirectoryEntry entry : listed) {
            DirectoryEntry.Type type =
                    entry.type() == DirectoryEntry.Type.UNKNOWN ? classify(directory, entry) : entry.type();
            if (type == null) {
                continue; // gone since it was listed
            }
            if (type == DirectoryEntry.Type.DIRECTORY) {
                frame.subdirectories.add(entry);
                continue;
            }
            if (batch == null) {
                batch = new ArrayList<>(Math.min(BATCH, listed.size()));
            }
            batch.add(type == entry.type() ? entry : new DirectoryEntry(entry.name(), entry.inode(), type));
            if (batch.size() == BATCH) {
                submit(workers, directory, batch);
                batch = null;
            }
        }
        if (batch != null) {
            submit(workers, directory, batch);
        }
        return true;
    }

    /** The type of an entry whose file system left d_type out, from one statx; null when it is gone. */
    private DirectoryEntry.Type classify(TreeDirectory directory, DirectoryEntry entry) {
        try {
            FileStatus status = sys.statusAt(directory.sourceFd, entry.name(), false);
            if (status == null) {
                return null;
            }
            return status.isDirectory()
                    ? DirectoryEntry.Type.DIRECTORY
                    : status.isRegularFile()
                            ? DirectoryEntry.Type.REGULAR
                            : status.isSymbolicLink() ? DirectoryEntry.Type.SYMBOLIC_LINK : DirectoryEntry.Type.OTHER;
        } catch (NativeException e) {
            Supplier<Path> source = () -> directory.source(entry.name());
            Supplier<Path> target = () -> directory.target(entry.name());
            fail(source, target, Failures.translate(e, source.get(), target.get()));
            return null;
        }
    }

    private void submit(ThreadPoolExecutor workers, TreeDirectory directory, List<DirectoryEntry> batch) {
        directoriesInUse.batchSubmitted(directory);
        if (workers == null) {
            copyBatch(directory, batch);
            return;
        }
        try {
            workers.execute(() -> copyBatch(directory, batch));
        } catch (RejectedExecutionException e) {
            copyBatch(directory, batch); // no thread to be had: the walker copies it itself
        }
    }

    /**
     * Opens a subdirectory of the source (never through a link, its inode checked against the
     * listing) and creates or opens its counterpart in the target.
     */
    private TreeDirectory enter(TreeDirectory parent, DirectoryEntry entry) {
        Supplier<Path> sourcePath = () -> parent.source(entry.name());
        Supplier<Path> targetPath = () -> parent.target(entry.name());
        int source = -1;
        int target = -1;
        try {
            try {
                source = sys.openDirectory(parent.sourceFd, entry.name(), false);
            } catch (NativeException e) {
                if (e.is(Errno.ELOOP, Errno.ENOTDIR)) {
                    throw EntryCopier.changed(sourcePath.get(), targetPath.get());
                }
                throw e;
            }
            FileStatus status = sys.status(source);
            if (!status.isDirectory() || EntryCopier.changedSinceListed(parent, entry, status)) {
                throw EntryCopier.changed(sourcePath.get(), targetPath.get());
            }
            if (status.isSameFileAs(targetRootStatus)) {
                throw new FileSystemException(
                        sourcePath.get().toString(),
                        targetRoot.toString(),
                        "is the target of this copy, moved into the source tree: not copied into itself");
            }
            boolean created = sys.makeDirectory(parent.targetFd, entry.name(), DirectoryModes.WHILE_COPYING);
            target = openTargetDirectory(parent.targetFd, entry.name(), created, targetPath.get());
            FileStatus targetStatus = sys.status(target);
            if (!created) {
                removeLeftovers(target, targetPath);
            }
            TreeDirectory child = new TreeDirectory(
                    parent,
                    entry.name(),
                    status,
                    source,
                    target,
                    targetStatus,
                    created,
                    created ? parent.allowedBitsForChildren(sys, modes) : 0,
                    sourceRoot,
                    targetRoot);
            directoriesInUse.opened(child);
            directories.increment();
            tell(() -> listener.directoryCreated(child.source(), child.target()));
            return child;
        } catch (NativeException e) {
            IOException failure = Failures.translate(e, sourcePath.get(), targetPath.get());
            closeAll(failure, source, target);
            fail(sourcePath, targetPath, failure);
            return null;
        } catch (IOException failure) {
            closeAll(failure, source, target);
            fail(sourcePath, targetPath, failure);
            return null;
        }
    }

    /**
     * A target directory that already existed may hold the temporary files of an earlier copy
     * that was killed (see {@link Leftovers}): removed once, when the walker enters it. A
     * directory this copy created cannot hold any, so a fresh tree pays nothing for this.
     */
    private void removeLeftovers(int targetFd, Supplier<Path> directory) {
        if (sourceInsideTarget) {
            return; // a leftover-looking file there may be one of the files this copy is to copy
        }
        try {
            for (byte[] name : Leftovers.removeIn(sys, targetFd, listing)) {
                leftoversRemoved.add(NativePaths.resolve(directory.get(), name));
            }
        } catch (NativeException e) {
            // best effort: a directory that cannot be listed is reported by the copies into it, if it matters
        }
    }

    // ---- the workers

    private void copyBatch(TreeDirectory directory, List<DirectoryEntry> batch) {
        try {
            for (DirectoryEntry entry : batch) {
                if (stopping || Thread.currentThread() == walker && walker.isInterrupted()) {
                    break;
                }
                copyEntry(directory, entry);
            }
        } catch (Throwable t) {
            unexpected.compareAndSet(null, t);
            stopping = true;
        } finally {
            directoriesInUse.batchDone(directory);
        }
    }

    private void copyEntry(TreeDirectory directory, DirectoryEntry entry) {
        LazyPath sourcePath = new LazyPath(() -> directory.source(entry.name()));
        LazyPath targetPath = new LazyPath(() -> directory.target(entry.name()));
        try {
            switch (entry.type()) {
                case REGULAR -> {
                    CopyResult result = entries.copyFile(directory, entry, sourcePath, targetPath);
                    files.increment();
                    cloned.add(result.clonedBytes());
                    copied.add(result.copiedBytes());
                    tell(() -> listener.fileCopied(sourcePath.get(), targetPath.get(), result));
                }
                case SYMBOLIC_LINK -> {
                    entries.copyLink(directory, entry, sourcePath, targetPath);
                    links.increment();
                }
                default -> {
                    entries.copySpecial(directory, entry, sourcePath, targetPath);
                    links.increment();
                }
            }
        } catch (IOException e) {
            fail(sourcePath, targetPath, e);
        } catch (NativeException e) {
            fail(sourcePath, targetPath, Failures.translate(e, sourcePath.get(), targetPath.get()));
        }
    }

    // ---- helpers

    private void fail(Supplier<Path> source, Supplier<Path> target, IOException error) {
        Path from = source.get();
        Path to = target.get();
        failures.add(new TreeCopyFailure(from, to, error));
        tell(() -> listener.failed(from, to, error));
    }

    /**
     * Tells the listener, whose exceptions must not break the copy's bookkeeping: one ends the
     * copy in the same orderly way as a worker's unexpected exception, and is then rethrown.
     * Nothing is told once the copy is stopping.
     */
    private void tell(Runnable call) {
        if (!listening || stopping) {
            return;
        }
        try {
            call.run();
        } catch (RuntimeException | Error e) {
            unexpected.compareAndSet(null, e);
            stopping = true;
        }
    }

    private static void refuseTargetInsideSource(Path source, Path target) throws IOException {
        Path realSource = source.toRealPath();
        Path existing = target.toAbsolutePath().normalize();
        Path rest = existing.getFileSystem().getPath("");
        // up to the nearest ancestor that exists; a root (no file name) ends the walk there
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            Path name = existing.getFileName();
            if (name == null) {
                break;
            }
            rest = name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null || existing.getFileSystem() != realSource.getFileSystem()) {
            return;
        }
        Path realTarget = existing.toRealPath().resolve(rest).normalize();
        if (realTarget.startsWith(realSource)) {
            throw new FileSystemException(
                    source.toString(),
                    target.toString(),
                    "the target is inside the source tree: the copy would copy itself without end");
        }
    }
}
