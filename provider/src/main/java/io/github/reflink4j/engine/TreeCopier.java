package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
 * more open than it ends up. Directory descriptors are kept open while a directory is in use;
 * past {@link #OPEN_DIRECTORY_BUDGET} of them, directories that wait only for their
 * subdirectories are closed, and reopened later through their child's ".." with their
 * (device, inode) checked, so a tree of any depth copies under a small descriptor limit.
 */
public final class TreeCopier {
    private static final int BATCH = 128;
    private static final int LISTING_BUFFER = 32 * 1024;
    /** Directories (each a source and a target descriptor) kept open before idle ones are closed. */
    static final int OPEN_DIRECTORY_BUDGET = 32;
    private static final byte[] DOT_DOT = {'.', '.'};
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
    private final ByteBuffer listing = ByteBuffer.allocateDirect(LISTING_BUFFER);

    /** Guards the directories' counters and descriptors. */
    private final Object lock = new Object();
    private final LinkedHashSet<Directory> openDirectories = new LinkedHashSet<>();

    private final ConcurrentLinkedQueue<TreeCopyFailure> failures = new ConcurrentLinkedQueue<>();
    private final LongAdder files = new LongAdder();
    private final LongAdder directories = new LongAdder();
    private final LongAdder links = new LongAdder();
    private final LongAdder cloned = new LongAdder();
    private final LongAdder copied = new LongAdder();
    private final AtomicReference<Throwable> unexpected = new AtomicReference<>();
    private volatile boolean stopping;
    private Thread walker;
    private FileStatus targetRootStatus;

    private TreeCopier(Syscalls sys, Path source, Path target, TreeCopy settings) {
        this.sys = sys;
        this.sourceRoot = source;
        this.targetRoot = target;
        CopyRequest parsed = CopyRequest.parse(ReflinkCopyOption.AUTO, settings.copyOptions());
        this.request = new CopyRequest(parsed.mode(), parsed.replaceExisting(), parsed.copyAttributes(), false);
        this.listener = settings.listener();
        this.listening = listener != TreeCopyListener.SILENT;
        this.parallelism = settings.parallelism();
        this.hardLinks = settings.preservesHardLinks() ? new HardLinks(sys) : null;
    }

    public static TreeCopySummary copy(Path source, Path target, TreeCopy settings) throws IOException {
        String refusal = CopyEngine.nativeRefusal(source, target);
        if (refusal != null) {
            return PortableTreeCopy.copy(source, target, settings, refusal);
        }
        if (!Files.isDirectory(source)) {
            throw Files.exists(source) ? new NotDirectoryException(source.toString())
                    : new NoSuchFileException(source.toString());
        }
        refuseTargetInsideSource(source, target);
        return new TreeCopier(Syscalls.linux(), source, target, settings).run();
    }

    // ---- the walk

    /** A directory being listed by the walker: its subdirectories found in the last chunk read. */
    private static final class Frame {
        final Directory directory;
        final List<DirectoryEntry> subdirectories = new ArrayList<>();
        int next;

        Frame(Directory directory) {
            this.directory = directory;
        }
    }

    private TreeCopySummary run() throws IOException {
        walker = Thread.currentThread();
        Directory root = openRoot();
        ThreadPoolExecutor workers = new ThreadPoolExecutor(parallelism, parallelism, 0, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(2 * parallelism), task -> {
                    Thread thread = new Thread(task, "reflink4j-tree-copy-" + THREADS.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.CallerRunsPolicy());
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
                if (frame.next < frame.subdirectories.size()) {
                    DirectoryEntry entry = frame.subdirectories.set(frame.next++, null);
                    Directory child = enter(frame.directory, entry);
                    if (child != null) {
                        stack.push(new Frame(child));
                        relieveDescriptorPressure(child);
                    }
                    continue;
                }
                frame.subdirectories.clear();
                frame.next = 0;
                if (!readChunk(frame, workers)) {
                    stack.pop();
                    leave(frame.directory);
                }
            }
        } catch (Throwable t) {
            unexpected.compareAndSet(null, t);
            stopping = true;
        } finally {
            // an orderly end, whatever happened: no worker writes after this returns, and every
            // directory created gets its final mode
            workers.shutdown();
            interrupted |= awaitUninterruptibly(workers);
            while (!stack.isEmpty()) {
                leave(stack.pop().directory);
            }
            if (hardLinks != null) {
                hardLinks.closeAll();
            }
        }
        TreeCopySummary summary = summary();
        Throwable error = unexpected.get();
        if (error != null) {
            error.addSuppressed(new IOException("the copy of " + sourceRoot + " to " + targetRoot
                    + " stopped in order after this error; done so far: " + describe(summary)));
            if (error instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (error instanceof Error fatal) {
                throw fatal;
            }
            throw (IOException) error;
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
        for (;;) {
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
        return new TreeCopySummary(files.sum(), directories.sum(), links.sum(), cloned.sum(), copied.sum(),
                new ArrayList<>(failures));
    }

    private static String describe(TreeCopySummary s) {
        return s.files() + " files, " + s.directories() + " directories, " + s.symlinks() + " links, "
                + s.failures().size() + " failed";
    }

    /** Opens both roots; the target is created 0700, or merged into when it is a directory already. */
    private Directory openRoot() throws IOException {
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
                Directory root = new Directory(null, null, sourceStatus, source, target, targetRootStatus, created,
                        created ? modes.allowedBitsIn(sys, parent) : 0);
                sys.close(parent);
                parent = -1;
                synchronized (lock) {
                    openDirectories.add(root);
                }
                directories.increment();
                if (listening) {
                    listener.directoryCreated(sourceRoot, targetRoot);
                }
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
                closeQuietly(fd, failure);
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
                throw new FileSystemException(path.toString(), null, "exists and is not a directory"
                        + (e.is(Errno.ELOOP) ? " (a symbolic link, which a tree copy never follows)" : ""));
            }
            throw e;
        }
        if (created) {
            FileStatus status;
            try {
                status = sys.status(fd);
            } catch (NativeException e) {
                closeQuietly(fd, e);
                throw e;
            }
            if (status.uid() != sys.effectiveUserId()) {
                sys.close(fd);
                throw new FileSystemException(path.toString(), null,
                        "the directory just created was replaced by another's during the copy");
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
        Directory directory = frame.directory;
        if (directory.broken) {
            return false;
        }
        List<DirectoryEntry> entries = new ArrayList<>();
        try {
            if (!sys.readDirectory(directory.sourceFd, listing, entries)) {
                return false;
            }
        } catch (NativeException e) {
            fail(directory::source, directory::target, Failures.translate(e, directory.source(), directory.target()));
            return false;
        }
        List<DirectoryEntry> batch = null;
        for (DirectoryEntry entry : entries) {
            DirectoryEntry.Type type = entry.type() == DirectoryEntry.Type.UNKNOWN ? classify(directory, entry)
                    : entry.type();
            if (type == null) {
                continue; // gone since it was listed
            }
            if (type == DirectoryEntry.Type.DIRECTORY) {
                frame.subdirectories.add(entry);
                continue;
            }
            if (batch == null) {
                batch = new ArrayList<>(Math.min(BATCH, entries.size()));
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
    private DirectoryEntry.Type classify(Directory directory, DirectoryEntry entry) {
        try {
            FileStatus status = sys.statusAt(directory.sourceFd, entry.name(), false);
            if (status == null) {
                return null;
            }
            return status.isDirectory() ? DirectoryEntry.Type.DIRECTORY
                    : status.isRegularFile() ? DirectoryEntry.Type.REGULAR
                    : status.isSymbolicLink() ? DirectoryEntry.Type.SYMBOLIC_LINK : DirectoryEntry.Type.OTHER;
        } catch (NativeException e) {
            Supplier<Path> source = () -> directory.source(entry.name());
            Supplier<Path> target = () -> directory.target(entry.name());
            fail(source, target, Failures.translate(e, source.get(), target.get()));
            return null;
        }
    }

    private void submit(ThreadPoolExecutor workers, Directory directory, List<DirectoryEntry> batch) {
        synchronized (lock) {
            directory.pending++;
            directory.batchesInFlight++;
        }
        try {
            workers.execute(() -> copyBatch(directory, batch));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            copyBatch(directory, batch); // no thread to be had: the walker copies it itself
        }
    }

    /**
     * Opens a subdirectory of the source (never through a link, its inode checked against the
     * listing) and creates or opens its counterpart in the target.
     */
    private Directory enter(Directory parent, DirectoryEntry entry) {
        Supplier<Path> sourcePath = () -> parent.source(entry.name());
        Supplier<Path> targetPath = () -> parent.target(entry.name());
        int source = -1;
        int target = -1;
        try {
            try {
                source = sys.openDirectory(parent.sourceFd, entry.name(), false);
            } catch (NativeException e) {
                if (e.is(Errno.ELOOP, Errno.ENOTDIR)) {
                    throw changed(sourcePath.get(), targetPath.get());
                }
                throw e;
            }
            FileStatus status = sys.status(source);
            if (!status.isDirectory() || changedSinceListed(parent, entry, status)) {
                throw changed(sourcePath.get(), targetPath.get());
            }
            if (status.isSameFileAs(targetRootStatus)) {
                throw new FileSystemException(sourcePath.get().toString(), targetRoot.toString(),
                        "is the target of this copy, moved into the source tree: not copied into itself");
            }
            boolean created = sys.makeDirectory(parent.targetFd, entry.name(), DirectoryModes.WHILE_COPYING);
            target = openTargetDirectory(parent.targetFd, entry.name(), created, targetPath.get());
            FileStatus targetStatus = sys.status(target);
            Directory child = new Directory(parent, entry.name(), status, source, target, targetStatus, created,
                    created ? parent.allowedBitsForChildren() : 0);
            synchronized (lock) {
                parent.pending++;
                openDirectories.add(child);
            }
            directories.increment();
            if (listening) {
                listener.directoryCreated(child.source(), child.target());
            }
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

    /** The walker is done listing {@code directory}: its parent must be open for the walk to go on. */
    private void leave(Directory directory) {
        synchronized (lock) {
            if (directory.parent != null) {
                reopen(directory.parent, directory);
            }
            release(directory);
        }
    }

    // ---- the workers

    private void copyBatch(Directory directory, List<DirectoryEntry> batch) {
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
            synchronized (lock) {
                directory.batchesInFlight--;
                release(directory);
            }
        }
    }

    private void copyEntry(Directory directory, DirectoryEntry entry) {
        Lazy sourcePath = new Lazy(() -> directory.source(entry.name()));
        Lazy targetPath = new Lazy(() -> directory.target(entry.name()));
        try {
            switch (entry.type()) {
                case REGULAR -> copyFile(directory, entry, sourcePath, targetPath);
                case SYMBOLIC_LINK -> copyLink(directory, entry, sourcePath, targetPath);
                default -> copySpecial(directory, entry, sourcePath, targetPath);
            }
        } catch (IOException e) {
            fail(sourcePath, targetPath, e);
        } catch (NativeException e) {
            fail(sourcePath, targetPath, Failures.translate(e, sourcePath.get(), targetPath.get()));
        }
    }

    private void copyFile(Directory directory, DirectoryEntry entry, Lazy sourcePath, Lazy targetPath)
            throws IOException, NativeException {
        int in;
        try {
            in = sys.openForReading(directory.sourceFd, entry.name(), false);
        } catch (NativeException e) {
            if (e.is(Errno.ELOOP)) {
                throw changed(sourcePath.get(), targetPath.get());
            }
            throw e;
        }
        try {
            FileStatus status = sys.status(in);
            if (!status.isRegularFile() || changedSinceListed(directory, entry, status)) {
                throw changed(sourcePath.get(), targetPath.get());
            }
            CopyResult result = hardLinks != null && status.linkCount() > 1
                    ? hardLinks.copy(in, status, directory.targetFd, entry.name(), request, sourcePath, targetPath)
                    : CopyEngine.copyOpenFile(sys, in, status, directory.targetFd, entry.name(), request, sourcePath,
                    targetPath);
            files.increment();
            cloned.add(result.clonedBytes());
            copied.add(result.copiedBytes());
            if (listening) {
                listener.fileCopied(sourcePath.get(), targetPath.get(), result);
            }
        } finally {
            try {
                sys.close(in);
            } catch (NativeException e) {
                // only read from: closing it cannot lose data
            }
        }
    }

    /** A symbolic link is copied as a link, its bytes as they are; it is never followed. */
    private void copyLink(Directory directory, DirectoryEntry entry, Lazy sourcePath, Lazy targetPath)
            throws IOException, NativeException {
        byte[] linkTarget;
        try {
            linkTarget = sys.readSymbolicLink(directory.sourceFd, entry.name());
        } catch (NativeException e) {
            if (e.is(Errno.EINVAL)) {
                throw changed(sourcePath.get(), targetPath.get()); // no longer a link
            }
            throw e;
        }
        FileStatus status = request.copyAttributes() ? sys.statusAt(directory.sourceFd, entry.name(), false) : null;
        byte[] name = entry.name();
        try {
            sys.makeSymbolicLink(linkTarget, directory.targetFd, name);
        } catch (NativeException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            byte[] temporary = replaceableName(directory, entry, sourcePath, targetPath);
            sys.makeSymbolicLink(linkTarget, directory.targetFd, temporary);
            name = commitReplacement(directory.targetFd, temporary, entry.name());
        }
        if (status != null) {
            applyNodeAttributes(directory.targetFd, name, status);
        }
        links.increment();
    }

    /** FIFOs, sockets and device nodes are created anew, as Files.copy does; their data is never opened. */
    private void copySpecial(Directory directory, DirectoryEntry entry, Lazy sourcePath, Lazy targetPath)
            throws IOException, NativeException {
        FileStatus status = sys.statusAt(directory.sourceFd, entry.name(), false);
        if (status == null) {
            throw new NoSuchFileException(sourcePath.get().toString());
        }
        if (status.isRegularFile() || status.isDirectory() || status.isSymbolicLink()
                || changedSinceListed(directory, entry, status)) {
            throw changed(sourcePath.get(), targetPath.get());
        }
        int mode = status.mode() & ~07000;
        byte[] name = entry.name();
        try {
            sys.makeNode(directory.targetFd, name, mode, status.specialDevice());
        } catch (NativeException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            byte[] temporary = replaceableName(directory, entry, sourcePath, targetPath);
            sys.makeNode(directory.targetFd, temporary, mode, status.specialDevice());
            name = commitReplacement(directory.targetFd, temporary, entry.name());
        }
        if (request.copyAttributes()) {
            applyNodeAttributes(directory.targetFd, name, status);
        }
        links.increment();
    }

    /**
     * A link or node's name is taken in the target: without REPLACE_EXISTING that is an error;
     * with it an empty directory is removed (as Files.copy does) and anything else replaced by
     * renaming the new entry over it; returns the temporary name to create it under.
     */
    private byte[] replaceableName(Directory directory, DirectoryEntry entry, Lazy sourcePath, Lazy targetPath)
            throws IOException, NativeException {
        if (!request.replaceExisting()) {
            throw new FileAlreadyExistsException(targetPath.get().toString(), sourcePath.get().toString(), null);
        }
        FileStatus existing = sys.statusAt(directory.targetFd, entry.name(), false);
        if (existing != null && existing.isDirectory()) {
            try {
                sys.unlink(directory.targetFd, entry.name(), true);
            } catch (NativeException e) {
                if (e.is(Errno.ENOTEMPTY)) {
                    throw new java.nio.file.DirectoryNotEmptyException(targetPath.get().toString());
                }
                throw e;
            }
        }
        return TargetFile.temporaryName(entry.name());
    }

    private byte[] commitReplacement(int directoryFd, byte[] temporary, byte[] name) throws NativeException {
        try {
            sys.rename(directoryFd, temporary, directoryFd, name);
        } catch (NativeException e) {
            closeNothingButUnlink(directoryFd, temporary, e);
            throw e;
        }
        return name;
    }

    private void closeNothingButUnlink(int directoryFd, byte[] temporary, Exception failure) {
        try {
            sys.unlink(directoryFd, temporary, false);
        } catch (NativeException e) {
            failure.addSuppressed(e);
        }
    }

    /** Owner and times of a link or node, without following it; an unprivileged copier keeps its own. */
    private void applyNodeAttributes(int directoryFd, byte[] name, FileStatus status) throws NativeException {
        try {
            sys.changeLinkOwner(directoryFd, name, status.uid(), status.gid());
        } catch (NativeException e) {
            if (!e.is(Errno.EPERM)) {
                throw e;
            }
        }
        sys.setLinkTimes(directoryFd, name, status.accessTime(), status.modifyTime());
    }

    // ---- directory bookkeeping (under the lock)

    /**
     * One thing {@code directory} waited for is done. A directory with nothing left gets its
     * final attributes and is closed, and so on up the tree; a closed parent is reopened through
     * the child just finished.
     */
    private void release(Directory directory) {
        Directory finished = null;
        Directory current = directory;
        while (current != null && --current.pending == 0) {
            if (finished != null) {
                reopen(current, finished);
                closeDirectory(finished);
            }
            applyFinalAttributes(current);
            finished = current;
            current = current.parent;
        }
        if (finished != null) {
            closeDirectory(finished);
        }
    }

    /**
     * Gives a finished target directory its final mode (and with COPY_ATTRIBUTES its owner,
     * extended attributes and times); a merged-into directory keeps its own without them.
     */
    private void applyFinalAttributes(Directory directory) {
        if (directory.targetFd < 0) {
            return; // could not be reopened: it keeps 0700, narrower than its final mode; reported
        }
        try {
            if (request.copyAttributes()) {
                AttributeCopier.applyAll(sys, directory.sourceFd, directory.sourceStatus, directory.targetFd,
                        directory.sourceStatus.permissionBits());
            } else if (directory.created) {
                sys.changeMode(directory.targetFd, DirectoryModes.finalMode(directory.sourceStatus.mode(),
                        directory.allowedBits, directory.createdMode));
            }
        } catch (NativeException e) {
            fail(directory::source, directory::target, Failures.translate(e, directory.target(), directory.source()));
        }
    }

    /** Closes idle directories (no batch in flight, not the one being listed) past the budget. */
    private void relieveDescriptorPressure(Directory current) {
        synchronized (lock) {
            if (openDirectories.size() <= OPEN_DIRECTORY_BUDGET) {
                return;
            }
            for (Directory directory : new ArrayList<>(openDirectories)) {
                if (openDirectories.size() <= OPEN_DIRECTORY_BUDGET) {
                    return;
                }
                if (directory != current && directory.batchesInFlight == 0) {
                    park(directory);
                }
            }
        }
    }

    private void park(Directory directory) {
        try {
            directory.cookie = sys.position(directory.sourceFd);
        } catch (NativeException e) {
            return; // keep it open rather than lose its place
        }
        closeDirectory(directory);
        directory.parked = true;
    }

    /**
     * Reopens a parked directory through {@code child}'s "..", checking that it is still the
     * directory it was (a directory moved meanwhile is not followed): its listing then goes on
     * where it stopped.
     */
    private void reopen(Directory directory, Directory child) {
        if (!directory.parked) {
            return;
        }
        directory.parked = false;
        if (child.sourceFd < 0 || child.targetFd < 0) {
            brokenAway(directory);
            return;
        }
        int source = -1;
        int target = -1;
        try {
            source = sys.openDirectory(child.sourceFd, DOT_DOT, false);
            target = sys.openDirectory(child.targetFd, DOT_DOT, false);
            if (!sys.status(source).isSameFileAs(directory.sourceStatus)
                    || !sys.status(target).isSameFileAs(directory.targetStatus)) {
                throw new NativeException("openat(\"..\")", Errno.ESTALE.value());
            }
            sys.setPosition(source, directory.cookie);
            directory.sourceFd = source;
            directory.targetFd = target;
            openDirectories.add(directory);
        } catch (NativeException e) {
            closeAll(e, source, target);
            brokenAway(directory);
        }
    }

    private void brokenAway(Directory directory) {
        directory.broken = true;
        fail(directory::source, directory::target, new FileSystemException(directory.source().toString(),
                directory.target().toString(), "moved during the copy: what was not yet copied of it is left out, "
                + "and the target directory keeps mode 0700"));
    }

    private void closeDirectory(Directory directory) {
        for (int fd : new int[] {directory.sourceFd, directory.targetFd}) {
            if (fd >= 0) {
                try {
                    sys.close(fd);
                } catch (NativeException e) {
                    // directories: closing cannot lose data
                }
            }
        }
        directory.sourceFd = -1;
        directory.targetFd = -1;
        openDirectories.remove(directory);
    }

    // ---- helpers

    private static boolean changedSinceListed(Directory directory, DirectoryEntry entry, FileStatus status) {
        // a mount point inside the tree lists the covered inode: only compare on one device
        return status.inode() != entry.inode() && status.device() == directory.sourceStatus.device();
    }

    private static FileSystemException changed(Path source, Path target) {
        return new FileSystemException(source.toString(), target.toString(),
                "changed during the copy (replaced, or swapped for a symbolic link, which a tree copy never follows)");
    }

    private void fail(Supplier<Path> source, Supplier<Path> target, IOException error) {
        Path from = source.get();
        Path to = target.get();
        failures.add(new TreeCopyFailure(from, to, error));
        if (listening) {
            listener.failed(from, to, error);
        }
    }

    private void closeQuietly(int fd, Throwable failure) {
        try {
            sys.close(fd);
        } catch (NativeException e) {
            failure.addSuppressed(e);
        }
    }

    /** A path computed once, when first asked for: most entries never need theirs. */
    static final class Lazy implements Supplier<Path> {
        private Supplier<Path> compute;
        private Path path;

        Lazy(Supplier<Path> compute) {
            this.compute = compute;
        }

        @Override
        public Path get() {
            if (path == null) {
                path = compute.get();
                compute = null;
            }
            return path;
        }
    }

    /** A directory of the source and its copy, while the copy is busy with them. */
    private final class Directory {
        final Directory parent;
        final byte[] name;
        final FileStatus sourceStatus;
        final FileStatus targetStatus;
        final boolean created;
        final int createdMode;
        /** What mkdir would have let through here (the umask or the parent's default ACL). */
        final int allowedBits;
        int sourceFd;
        int targetFd;
        /** The walker's listing, batches in flight and subdirectories not finished. */
        int pending = 1;
        int batchesInFlight;
        boolean parked;
        boolean broken;
        long cookie;
        private int allowedForChildren = -1;
        private Path source;
        private Path target;

        Directory(Directory parent, byte[] name, FileStatus sourceStatus, int sourceFd, int targetFd,
                  FileStatus targetStatus, boolean created, int allowedBits) {
            this.parent = parent;
            this.name = name;
            this.sourceStatus = sourceStatus;
            this.sourceFd = sourceFd;
            this.targetFd = targetFd;
            this.targetStatus = targetStatus;
            this.created = created;
            this.createdMode = targetStatus.mode();
            this.allowedBits = allowedBits;
        }

        /** For the walker, which alone creates subdirectories: the parent is open then. */
        int allowedBitsForChildren() throws NativeException {
            if (allowedForChildren < 0) {
                allowedForChildren = modes.allowedBitsIn(sys, targetFd);
            }
            return allowedForChildren;
        }

        synchronized Path source() {
            if (source == null) {
                source = parent == null ? sourceRoot : NativePaths.resolve(parent.source(), name);
            }
            return source;
        }

        synchronized Path target() {
            if (target == null) {
                target = parent == null ? targetRoot : NativePaths.resolve(parent.target(), name);
            }
            return target;
        }

        Path source(byte[] entry) {
            return NativePaths.resolve(source(), entry);
        }

        Path target(byte[] entry) {
            return NativePaths.resolve(target(), entry);
        }
    }

    private static void refuseTargetInsideSource(Path source, Path target) throws IOException {
        Path realSource = source.toRealPath();
        Path existing = target.toAbsolutePath().normalize();
        Path rest = existing.getFileSystem().getPath("");
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null || existing.getFileSystem() != realSource.getFileSystem()) {
            return;
        }
        Path realTarget = existing.toRealPath().resolve(rest).normalize();
        if (realTarget.startsWith(realSource)) {
            throw new FileSystemException(source.toString(), target.toString(),
                    "the target is inside the source tree: the copy would copy itself without end");
        }
    }
}
