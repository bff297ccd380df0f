package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.function.Supplier;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The directories of a tree copy that are in use, under one lock: what each still waits for
 * (the walker's listing, batches of entries in flight, subdirectories), when it is finished
 * (final attributes, descriptors closed, its parent told), and how many descriptors stay open.
 * Past {@link #BUDGET} directories, idle ones (no batch in flight, not being listed) are closed
 * and later reopened through a child's "..", with their (device, inode) checked, so a tree of
 * any depth copies under a small descriptor limit and a directory moved meanwhile is not
 * followed.
 */
final class OpenDirectories {
    /** Directories (each a source and a target descriptor) kept open before idle ones are closed. */
    static final int BUDGET = 32;

    private static final byte[] DOT_DOT = {'.', '.'};

    /** Where a failure that concerns no single entry's copy is reported. */
    interface FailureSink {
        void fail(Supplier<Path> source, Supplier<Path> target, IOException error);
    }

    private final Syscalls sys;
    private final byte[] sourceRoot;
    private final byte[] targetRoot;
    private final boolean copyAttributes;
    private final FailureSink failures;
    private final Object lock = new Object();
    private final LinkedHashSet<TreeDirectory> open = new LinkedHashSet<>();
    /** Why the last reopen failed, when it was not that the directory moved (EMFILE, say); under the lock. */
    private NativeException lastReopenFailure;

    /** {@code sourceRoot} and {@code targetRoot}: the roots' paths, to reopen the roots by. */
    OpenDirectories(Syscalls sys, byte[] sourceRoot, byte[] targetRoot, boolean copyAttributes, FailureSink failures) {
        this.sys = sys;
        this.sourceRoot = sourceRoot;
        this.targetRoot = targetRoot;
        this.copyAttributes = copyAttributes;
        this.failures = failures;
    }

    /** A directory was opened (the root, or a subdirectory of {@code parent}, which now waits for it too). */
    void opened(TreeDirectory directory) {
        synchronized (lock) {
            if (directory.parent != null) {
                directory.parent.pending++;
            }
            open.add(directory);
        }
    }

    /** A batch of {@code directory}'s entries goes to a worker: the directory stays open until it is done. */
    void batchSubmitted(TreeDirectory directory) {
        synchronized (lock) {
            directory.pending++;
            directory.batchesInFlight++;
        }
    }

    void batchDone(TreeDirectory directory) {
        synchronized (lock) {
            directory.batchesInFlight--;
            release(directory);
        }
    }

    /**
     * The walker is done listing {@code directory}: its parent must be open for the walk to go
     * on. The directory may still wait for a batch deep below it; then neither it nor its
     * ancestors are finished yet, and the walk back up would reopen every one of them: so idle
     * ones are closed again here, as on the way down.
     */
    void listed(TreeDirectory directory) {
        synchronized (lock) {
            if (directory.parent != null) {
                reopen(directory.parent, directory);
            }
            release(directory);
            relieveDescriptorPressure(directory.parent);
        }
    }

    /**
     * One thing {@code directory} waited for is done. A directory with nothing left gets its
     * final attributes and is closed, and so on up the tree; a closed parent is reopened through
     * the child just finished.
     */
    private void release(TreeDirectory directory) {
        TreeDirectory finished = null;
        TreeDirectory current = directory;
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
     * extended attributes, its access and default ACLs among them, and times); a merged-into
     * directory keeps its own without them.
     */
    private void applyFinalAttributes(TreeDirectory directory) {
        if (directory.targetFd < 0) {
            return; // could not be reopened: it keeps 0700, narrower than its final mode; reported
        }
        try {
            if (copyAttributes) {
                AttributeCopier.applyAll(sys, directory.sourceFd, directory.sourceStatus, directory.targetFd);
            } else if (directory.created) {
                sys.changeMode(
                        directory.targetFd,
                        DirectoryModes.finalMode(
                                directory.sourceStatus.mode(), directory.allowedBits, directory.createdMode));
            }
        } catch (NativeException e) {
            failures.fail(
                    directory::source,
                    directory::target,
                    Failures.translate(e, directory.target(), directory.source()));
        }
    }

    /** Closes idle directories (no batch in flight, not the one being listed) past the budget. */
    void relieveDescriptorPressure(TreeDirectory current) {
        synchronized (lock) {
            if (open.size() <= BUDGET) {
                return;
            }
            for (TreeDirectory directory : new ArrayList<>(open)) {
                if (open.size() <= BUDGET) {
                    return;
                }
                if (directory != current && directory.batchesInFlight == 0) {
                    park(directory);
                }
            }
        }
    }

    private void park(TreeDirectory directory) {
        try {
            directory.cookie = sys.position(directory.sourceFd);
        } catch (NativeException e) {
            return; // keep it open rather than lose its place
        }
        closeDirectory(directory);
        directory.parked = true;
    }

    /**
     * Reopens a parked directory, checking that it is still the directory it was, so that a
     * directory moved meanwhile is not followed; its listing then goes on where it stopped. The
     * cheap way is {@code child}'s ".."; where that fails (the child was moved away, or is
     * closed), the directory is reopened by name from its nearest open ancestor, each step
     * checked the same way. Only a directory that is itself no longer where it was is given up.
     */
    private void reopen(TreeDirectory directory, TreeDirectory child) {
        if (!directory.parked) {
            return;
        }
        if (child != null
                && child.sourceFd >= 0
                && child.targetFd >= 0
                && reopenFrom(directory, child.sourceFd, child.targetFd, DOT_DOT, DOT_DOT)) {
            return;
        }
        Deque<TreeDirectory> closedChain = new ArrayDeque<>();
        for (TreeDirectory d = directory; d != null && d.parked; d = d.parent) {
            closedChain.push(d);
        }
        while (!closedChain.isEmpty()) {
            TreeDirectory next = closedChain.pop();
            TreeDirectory parent = next.parent;
            boolean reopened = parent == null
                    ? reopenFrom(next, Syscalls.AT_FDCWD, Syscalls.AT_FDCWD, sourceRoot, targetRoot)
                    : parent.sourceFd >= 0 && reopenFrom(next, parent.sourceFd, parent.targetFd, next.name, next.name);
            if (!reopened) {
                brokenAway(next);
                for (TreeDirectory below : closedChain) {
                    below.parked = false;
                    below.broken = true; // out of reach below the one reported
                }
                return;
            }
        }
    }

    private boolean reopenFrom(
            TreeDirectory directory, int sourceBase, int targetBase, byte[] sourceName, byte[] targetName) {
        int source = -1;
        int target = -1;
        lastReopenFailure = null;
        try {
            source = sys.openDirectory(sourceBase, sourceName, sourceBase == Syscalls.AT_FDCWD);
            target = sys.openDirectory(targetBase, targetName, targetBase == Syscalls.AT_FDCWD);
            if (!sys.status(source).isSameFileAs(directory.sourceStatus)
                    || !sys.status(target).isSameFileAs(directory.targetStatus)) {
                closeAll(null, source, target);
                return false;
            }
            sys.setPosition(source, directory.cookie);
        } catch (NativeException e) {
            closeAll(null, source, target);
            // gone, or another directory now (ENOENT, ENOTDIR, ELOOP): moved; anything else, say what
            lastReopenFailure = e.is(Errno.ENOENT, Errno.ENOTDIR, Errno.ELOOP) ? null : e;
            return false;
        }
        directory.sourceFd = source;
        directory.targetFd = target;
        directory.parked = false;
        open.add(directory);
        return true;
    }

    private void brokenAway(TreeDirectory directory) {
        directory.parked = false;
        directory.broken = true;
        String why = lastReopenFailure == null
                ? "moved during the copy"
                : "could not be opened again (" + lastReopenFailure.getMessage() + ")";
        failures.fail(
                directory::source,
                directory::target,
                new FileSystemException(
                        directory.source().toString(),
                        directory.target().toString(),
                        why + ": what was not yet copied of it is left out, "
                                + "and the target directory keeps mode 0700"));
    }

    private void closeAll(Throwable failure, int... descriptors) {
        for (int fd : descriptors) {
            if (fd >= 0) {
                try {
                    sys.close(fd);
                } catch (NativeException e) {
                    if (failure != null) {
                        failure.addSuppressed(e);
                    } // else: directories: closing cannot lose data
                }
            }
        }
    }

    private void closeDirectory(TreeDirectory directory) {
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
        open.remove(directory);
    }
}
