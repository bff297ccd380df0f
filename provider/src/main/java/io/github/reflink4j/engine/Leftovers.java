package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The temporary files of replacements that never finished: a copy killed while it wrote
 * {@code .NAME.reflink4j-<12 hex>.tmp} beside an existing target (see
 * {@link TargetFile#temporaryName}) leaves it there, the target itself untouched. A later copy
 * into the same directory removes them, and only them:
 * <ul>
 *   <li>the name is exactly reflink4j's pattern (12 lowercase hex digits; the NAME part is not
 *       matched against the directory, since a long one is cut to 200 bytes);</li>
 *   <li>it is a regular file, reached through the open directory by its name's bytes without
 *       following a link;</li>
 *   <li>no live copy holds it: a copy keeps a flock on its temporary file for as long as it has it
 *       open, and the lock goes when the process dies, so a lock taken here means no live copy;</li>
 *   <li>its status changed more than {@link #GRACE_SECONDS} seconds ago: a live copy creates the
 *       file and then locks it, and the grace keeps a cleanup out of that window (a copy that
 *       writes keeps changing the status, too);</li>
 *   <li>the name still leads to the inode inspected, just before it is unlinked.</li>
 * </ul>
 * A directory, a link or anything else under such a name is never touched. Removal is best
 * effort: a name that cannot be inspected or removed (permissions, a sticky directory, a file
 * system without flock: on NFS, whose flock is emulated with fcntl locks that a read-only
 * descriptor cannot take, nothing is ever removed) is left as it is, silently, since the copy
 * that asked is not at fault.
 *
 * <pre>{@code
 * List<Path> removed = Leftovers.removeIn(Path.of("/srv/data"));
 * removed.forEach(p -> System.err.println("removed " + p + ", left by a killed copy"));
 * }</pre>
 */
public final class Leftovers {
    /**
     * How old (by status-change time) a temporary file must be before it counts as abandoned:
     * far longer than the microseconds between a live copy's create and its flock, short enough
     * that the next run of a script cleans up.
     */
    public static final int GRACE_SECONDS = 5;

    private static final int LISTING_BUFFER = 32 * 1024;

    private Leftovers() {}

    /**
     * Removes the leftovers in {@code directory} (a link to a directory is followed, as for any
     * directory named by the caller) and returns their paths.
     *
     * @throws ReflinkUnsupportedException off Linux or for a path of a non-default file system
     * @throws IOException                 when the directory cannot be opened or listed
     */
    public static List<Path> removeIn(Path directory) throws IOException {
        return removeIn(directory, List.of());
    }

    /**
     * As {@link #removeIn(Path)}, sparing the files {@code spared} name (by device and inode):
     * the command line's own arguments, which a user may have named on purpose (to recover what a
     * killed copy wrote, say), are never removed as leftovers.
     */
    public static List<Path> removeIn(Path directory, Collection<Path> spared) throws IOException {
        String refusal = CopyEngine.nativeRefusal(directory, directory);
        if (refusal != null) {
            throw new ReflinkUnsupportedException(directory.toString(), null, "leftover cleanup", refusal);
        }
        Syscalls sys = Syscalls.linux();
        int fd;
        try {
            fd = sys.openDirectory(Syscalls.AT_FDCWD, NativePaths.bytes(directory), true);
        } catch (NativeException e) {
            throw Failures.translate(e, directory, null);
        }
        try {
            List<Path> removed = new ArrayList<>();
            Set<List<Long>> keep = new HashSet<>();
            for (Path path : spared) {
                FileStatus status = sys.statusAt(Syscalls.AT_FDCWD, NativePaths.bytes(path.toAbsolutePath()), false);
                if (status != null) {
                    keep.add(List.of(status.device(), status.inode()));
                }
            }
            for (byte[] name : removeIn(sys, fd, ByteBuffer.allocateDirect(LISTING_BUFFER), keep)) {
                removed.add(NativePaths.resolve(directory, name));
            }
            return removed;
        } catch (NativeException e) {
            throw Failures.translate(e, directory, null);
        } finally {
            Failures.closeQuietly(sys, fd, null); // only read: closing it cannot lose data
        }
    }

    /**
     * Removes the leftovers in the open directory {@code directory}, listed through a descriptor
     * of its own (the caller's keeps its position), and returns their names.
     *
     * @param buffer a direct buffer for the listing, reused
     * @throws NativeException when the directory cannot be listed
     */
    static List<byte[]> removeIn(Syscalls sys, int directory, ByteBuffer buffer) throws NativeException {
        return removeIn(sys, directory, buffer, Set.of());
    }

    /** As above, sparing the files whose {@code [device, inode]} is in {@code spared}. */
    private static List<byte[]> removeIn(Syscalls sys, int directory, ByteBuffer buffer, Set<List<Long>> spared)
            throws NativeException {
        int listing = sys.openDirectory(directory, new byte[] {'.'}, false);
        try {
            List<byte[]> removed = new ArrayList<>(0);
            List<DirectoryEntry> entries = new ArrayList<>();
            long now = System.currentTimeMillis() / 1000;
            while (sys.readDirectory(listing, buffer, entries)) {
                for (DirectoryEntry entry : entries) {
                    DirectoryEntry.Type type = entry.type();
                    if ((type == DirectoryEntry.Type.REGULAR || type == DirectoryEntry.Type.UNKNOWN)
                            && TargetFile.isTemporaryName(entry.name())
                            && removeIfAbandoned(sys, directory, entry.name(), now, spared)) {
                        removed.add(entry.name());
                    }
                }
                entries.clear();
            }
            return removed;
        } finally {
            Failures.closeQuietly(sys, listing, null); // only read: closing it cannot lose data
        }
    }

    /**
     * Unlinks the name when it is an abandoned temporary file; holds the file's lock meanwhile,
     * so that two cleanups, or a cleanup and a copy, never both act on it.
     */
    private static boolean removeIfAbandoned(
            Syscalls sys, int directory, byte[] name, long nowSeconds, Set<List<Long>> spared) {
        int fd;
        try {
            fd = sys.openForReading(directory, name, false);
        } catch (NativeException e) {
            return false; // gone, a link (ELOOP), or not ours to read
        }
        try {
            FileStatus status = sys.status(fd);
            if (!status.isRegularFile()
                    || nowSeconds - status.changeTime().seconds() <= GRACE_SECONDS
                    || spared.contains(List.of(status.device(), status.inode()))) {
                return false;
            }
            if (!sys.tryLock(fd)) {
                return false; // a live copy's
            }
            FileStatus byName = sys.statusAt(directory, name, false);
            if (byName == null || !byName.isSameFileAs(status)) {
                return false; // renamed over its target, or replaced, since it was opened
            }
            sys.unlink(directory, name, false);
            return true;
        } catch (NativeException e) {
            return false; // no flock here (EOPNOTSUPP), no permission to remove: leave it
        } finally {
            Failures.closeQuietly(sys, fd, null); // only read: closing it cannot lose data
        }
    }
}
