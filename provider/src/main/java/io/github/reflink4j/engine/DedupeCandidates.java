package io.github.reflink4j.engine;

import java.io.IOException;
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
 * links) count once, by the first name listed. One directory is open at a time: a directory is
 * listed through a descriptor opened without following a link at its last name and checked to be
 * the directory its parent's listing showed, so a directory swapped for a link is not followed.
 */
final class DedupeCandidates {
    private static final int LISTING_BUFFER = 32 << 10;

    /** Where a file or directory that cannot be listed is reported. */
    interface FailureSink {
        void failed(Path file, IOException error);
    }

    private record Directory(byte[] path, Path display, FileStatus status) { }

    private record SizeKey(long device, long size) { }

    private record InodeKey(long device, long inode) { }

    private final Syscalls sys;
    private final FailureSink failures;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(LISTING_BUFFER);
    private final Map<SizeKey, List<DedupeCandidate>> bySize = new HashMap<>();
    private final Set<InodeKey> seen = new HashSet<>();

    private DedupeCandidates(Syscalls sys, FailureSink failures) {
        this.sys = sys;
        this.failures = failures;
    }

    /**
     * The groups of two or more files of the same size on the same file system, each sorted by
     * path, the largest files first.
     */
    static List<List<DedupeCandidate>> sameSizeGroups(Syscalls sys, List<Path> roots, FailureSink failures) {
        DedupeCandidates walk = new DedupeCandidates(sys, failures);
        for (Path root : roots) {
            walk.walk(root);
        }
        List<List<DedupeCandidate>> groups = new ArrayList<>();
        for (List<DedupeCandidate> group : walk.bySize.values()) {
            if (group.size() > 1) {
                group.sort(DedupeCandidate::byPath);
                groups.add(group);
            }
        }
        groups.sort(Comparator.comparingLong((List<DedupeCandidate> g) -> g.get(0).size()).reversed());
        return groups;
    }

    private void walk(Path root) {
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
            add(rootBytes, root, null, status);
            return;
        }
        if (!status.isDirectory()) {
            return;
        }
        Deque<Directory> pending = new ArrayDeque<>();
        pending.push(new Directory(rootBytes, root, status));
        boolean isRoot = true;
        while (!pending.isEmpty()) {
            Directory directory = pending.pop();
            list(directory, isRoot, pending);
            isRoot = false;
        }
    }

    private void list(Directory directory, boolean isRoot, Deque<Directory> pending) {
        int fd;
        try {
            fd = sys.openDirectory(Syscalls.AT_FDCWD, directory.path(), isRoot);
        } catch (NativeException e) {
            failures.failed(directory.display(), Failures.translate(e, directory.display(), null));
            return;
        }
        try {
            if (!sys.status(fd).isSameFileAs(directory.status())) {
                failures.failed(directory.display(), new FileSystemException(directory.display().toString(), null,
                        "moved while the tree was listed: left out"));
                return;
            }
            List<DirectoryEntry> entries = new ArrayList<>();
            while (sys.readDirectory(fd, buffer, entries)) {
                for (DirectoryEntry entry : entries) {
                    visit(fd, directory, entry, pending);
                }
                entries.clear();
            }
            for (DirectoryEntry entry : entries) {
                visit(fd, directory, entry, pending);
            }
        } catch (NativeException e) {
            failures.failed(directory.display(), Failures.translate(e, directory.display(), null));
        } finally {
            Failures.closeQuietly(sys, fd, null); // a directory: closing it cannot lose data
        }
    }

    private void visit(int fd, Directory directory, DirectoryEntry entry, Deque<Directory> pending) {
        DirectoryEntry.Type type = entry.type();
        if (type == DirectoryEntry.Type.SYMBOLIC_LINK || type == DirectoryEntry.Type.OTHER) {
            return;
        }
        FileStatus status;
        try {
            status = sys.statusAt(fd, entry.name(), false);
        } catch (NativeException e) {
            Path display = NativePaths.resolve(directory.display(), entry.name());
            failures.failed(display, Failures.translate(e, display, null));
            return;
        }
        if (status == null) {
            return; // removed since the listing
        }
        if (status.isDirectory()) {
            pending.push(new Directory(child(directory.path(), entry.name()),
                    NativePaths.resolve(directory.display(), entry.name()), status));
        } else if (status.isRegularFile()) {
            add(child(directory.path(), entry.name()), directory.display(), entry.name(), status);
        }
    }

    private void add(byte[] path, Path directory, byte[] name, FileStatus status) {
        if (status.size() > 0 && seen.add(new InodeKey(status.device(), status.inode()))) {
            bySize.computeIfAbsent(new SizeKey(status.device(), status.size()), k -> new ArrayList<>())
                    .add(DedupeCandidate.of(path, directory, name, status));
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
