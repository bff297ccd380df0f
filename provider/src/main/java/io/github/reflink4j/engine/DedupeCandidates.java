package io.github.reflink4j.engine;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Lists the trees of a dedupe and groups their regular files by file system and size: the only
 * files that can be identical. Files of size 0 are left out (nothing to share), symbolic links
 * are never followed (only a root named by the caller is), and the names of one inode (hard
 * links) count once, by the first name listed. A root's descriptor stays open for the run; every
 * other directory is reached from it by name through a {@link DirectoryChain}, never through a
 * link, and checked to be the directory its parent's listing showed, so a directory swapped for
 * a link is not followed and no path is longer than one name.
 */
final class DedupeCandidates {
    private static final int LISTING_BUFFER = 32 << 10;

    /** Where a file or directory that cannot be listed is reported. */
    interface FailureSink {
        void failed(Path file, IOException error);
    }

    /** The roots listed (their descriptors open; {@link #close()} closes them) and the groups found. */
    static final class Listing implements AutoCloseable {
        private final Syscalls sys;
        private final List<ListedDirectory> roots = new ArrayList<>();
        final List<List<DedupeCandidate>> groups = new ArrayList<>();

        private Listing(Syscalls sys) {
            this.sys = sys;
        }

        @Override
        public void close() {
            for (ListedDirectory root : roots) {
                Failures.closeQuietly(sys, root.rootFd, null); // a directory: closing cannot lose data
                root.rootFd = -1;
            }
        }
    }

    /** Directories open at once while listing, besides the roots'. */
    private static final int LISTING_CHAIN = 16;

    private record SizeKey(long device, long size) {}

    private record InodeKey(long device, long inode) {}

    private final Syscalls sys;
    private final FailureSink failures;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(LISTING_BUFFER);
    private final Map<SizeKey, List<DedupeCandidate>> bySize = new HashMap<>();
    private final Set<InodeKey> seen = new HashSet<>();

    private final Listing listing;

    private DedupeCandidates(Syscalls sys, FailureSink failures, Listing listing) {
        this.sys = sys;
        this.failures = failures;
        this.listing = listing;
    }

    /**
     * The groups of two or more files of the same size on the same file system, each sorted by
     * path, the largest files first; the roots stay open until the listing is closed.
     *
     * @throws InterruptedIOException when the thread is interrupted (checked per directory); its
     *                                status kept, no descriptor left open
     */
    static Listing sameSizeGroups(Syscalls sys, List<Path> roots, FailureSink failures) throws InterruptedIOException {
        Listing listing = new Listing(sys);
        try (DirectoryChain chain = new DirectoryChain(sys, LISTING_CHAIN)) {
            DedupeCandidates walk = new DedupeCandidates(sys, failures, listing);
            for (Path root : roots) {
                walk.walk(root, chain);
            }
            for (List<DedupeCandidate> group : walk.bySize.values()) {
                if (group.size() > 1) {
                    group.sort(DedupeCandidate::byPath);
                    listing.groups.add(group);
                }
            }
        } catch (InterruptedIOException | RuntimeException | Error e) {
            listing.close();
            throw e;
        }
        listing.groups.sort(
                Comparator.comparingLong((List<DedupeCandidate> g) -> g.get(0).size())
                        .reversed());
        return listing;
    }

    private void walk(Path root, DirectoryChain chain) throws InterruptedIOException {
        byte[] rootBytes = NativePaths.bytes(root);
        FileStatus status;
        try {
            status = sys.statusAt(Syscalls.AT_FDCWD, rootBytes, true);
        } catch (NativeException e) {
            failures.failed(root, Failures.translate(e, root, null));
            return;
        }
        if (status == null) {
            failures.failed(root, new NoSuchFileException(root.toString()));
            return;
        }
        if (status.isRegularFile()) {
            add(rootBytes, null, root, null, status);
            return;
        }
        if (!status.isDirectory()) {
            return;
        }
        ListedDirectory top = new ListedDirectory(null, rootBytes, root, status);
        try {
            top.rootFd = sys.openDirectory(Syscalls.AT_FDCWD, rootBytes, true); // a root named by the caller
        } catch (NativeException e) {
            failures.failed(root, Failures.translate(e, root, null));
            return;
        }
        listing.roots.add(top);
        Deque<Pending> pending = new ArrayDeque<>();
        pending.push(new Pending(top, rootBytes));
        while (!pending.isEmpty()) {
            Pending directory = pending.pop();
            Failures.stopIfInterrupted(
                    directory.directory().display,
                    directory.directory().display,
                    0,
                    "listing",
                    "nothing was deduplicated");
            list(directory, chain, pending);
        }
    }

    /** A directory to list, with its path's bytes (to order files by; never opened by them). */
    private record Pending(ListedDirectory directory, byte[] path) {}

    private void list(Pending pending, DirectoryChain chain, Deque<Pending> next) {
        ListedDirectory directory = pending.directory();
        int fd;
        try {
            fd = chain.open(directory); // the chain's: stays open for the next directory's open
            if (directory.parent == null) {
                if (!sys.status(fd).isSameFileAs(directory.status)) {
                    failures.failed(
                            directory.display,
                            new FileSystemException(
                                    directory.display.toString(), null, "moved while the tree was listed: left out"));
                    return;
                }
            }
        } catch (IOException e) {
            failures.failed(directory.display, e);
            return;
        } catch (NativeException e) {
            failures.failed(directory.display, Failures.translate(e, directory.display, null));
            return;
        }
        try {
            List<DirectoryEntry> entries = new ArrayList<>();
            while (sys.readDirectory(fd, buffer, entries)) {
                for (DirectoryEntry entry : entries) {
                    visit(fd, pending, entry, next);
                }
                entries.clear();
            }
            for (DirectoryEntry entry : entries) {
                visit(fd, pending, entry, next);
            }
        } catch (NativeException e) {
            failures.failed(directory.display, Failures.translate(e, directory.display, null));
        }
    }

    private void visit(int fd, Pending directory, DirectoryEntry entry, Deque<Pending> pending) {
        DirectoryEntry.Type type = entry.type();
        if (type == DirectoryEntry.Type.SYMBOLIC_LINK || type == DirectoryEntry.Type.OTHER) {
            return;
        }
        FileStatus status;
        Path display = directory.directory().display;
        try {
            status = sys.statusAt(fd, entry.name(), false);
        } catch (NativeException e) {
            Path file = NativePaths.resolve(display, entry.name());
            failures.failed(file, Failures.translate(e, file, null));
            return;
        }
        if (status == null) {
            return; // removed since the listing
        }
        if (status.isDirectory()) {
            pending.push(new Pending(
                    new ListedDirectory(
                            directory.directory(), entry.name(), NativePaths.resolve(display, entry.name()), status),
                    child(directory.path(), entry.name())));
        } else if (status.isRegularFile()) {
            add(child(directory.path(), entry.name()), directory.directory(), display, entry.name(), status);
        }
    }

    private void add(byte[] path, ListedDirectory parent, Path directory, byte[] name, FileStatus status) {
        if (status.size() > 0 && seen.add(new InodeKey(status.device(), status.inode()))) {
            bySize.computeIfAbsent(new SizeKey(status.device(), status.size()), k -> new ArrayList<>())
                    .add(DedupeCandidate.of(path, parent, directory, name, status));
        }
    }

    private static byte[] child(byte[] directory, byte[] name) {
        boolean slash = directory.length > 0 && directory[directory.length - 1] == '/';
        byte[] path = Arrays.copyOf(directory, directory.length + (slash ? 0 : 1) + name.length);
        if (!slash) {
            path[directory.length] = '/';
        }
        System.arraycopy(name, 0, path, path.length - name.length, name.length);
        return path;
    }
}
