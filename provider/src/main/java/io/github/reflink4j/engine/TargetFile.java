package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * The file a copy writes into, with all-or-nothing semantics. For a name that is free it is the
 * target itself, created with O_EXCL; for an existing target (with REPLACE_EXISTING) it is a new
 * file beside it, in the same directory reached through the same descriptor, that
 * {@link #commit()} renames over the target in one step. {@link #abort} closes and removes
 * whatever this copy created, so a failure leaves an existing target byte-for-byte and
 * inode-for-inode as it was, and no new or temporary file behind.
 *
 * <p>The normal paths build no exception: a taken name is a return value of the syscall layer.
 */
final class TargetFile {
    /** Room for the temporary name's decoration within NAME_MAX (255 bytes). */
    private static final int MAX_NAME_IN_TEMP = 200;

    private static final byte[] TEMP_MARK = ".reflink4j-".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TEMP_END = ".tmp".getBytes(StandardCharsets.US_ASCII);
    private static final int HEX_DIGITS = 12;

    private final Syscalls sys;
    private final int directory;
    private final byte[] name;
    private final byte[] created;
    private int ownedDirectory;
    private final Supplier<Path> sourcePath;
    private final Supplier<Path> targetPath;
    private int fd;

    private TargetFile(
            Syscalls sys,
            int directory,
            byte[] name,
            byte[] created,
            int fd,
            int ownedDirectory,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath) {
        this.sys = sys;
        this.directory = directory;
        this.name = name;
        this.created = created;
        this.fd = fd;
        this.ownedDirectory = ownedDirectory;
        this.sourcePath = sourcePath;
        this.targetPath = targetPath;
    }

    /**
     * Creates the file to write for {@code name} relative to {@code directory} (or a whole path
     * relative to {@link Syscalls#AT_FDCWD}), or returns null when the target is the source
     * itself (nothing to do, as {@code Files.copy} does).
     *
     * @param mode       the permission bits to create with; the umask or a default ACL applies
     * @param source     the source's status, to recognise the same file under another name
     * @throws FileAlreadyExistsException when the target exists and {@code replace} is false
     */
    static TargetFile create(
            Syscalls sys,
            int directory,
            byte[] name,
            int mode,
            FileStatus source,
            boolean replace,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException {
        try {
            int fd = sys.createExclusive(directory, name, mode);
            if (fd >= 0) {
                return new TargetFile(sys, directory, name, name, fd, -1, sourcePath, targetPath);
            }
            if (directory == Syscalls.AT_FDCWD) {
                // a whole path: from here on, work in its directory, through one descriptor
                byte[][] parentAndName = NativePaths.split(name);
                int parent = sys.openDirectory(Syscalls.AT_FDCWD, parentAndName[0], true);
                try {
                    TargetFile file = settleExisting(
                            sys, parent, parentAndName[1], mode, source, replace, parent, sourcePath, targetPath);
                    if (file == null) {
                        sys.close(parent);
                    }
                    return file;
                } catch (IOException | NativeException | RuntimeException e) {
                    Failures.closeQuietly(sys, parent, e);
                    throw e;
                }
            }
            return settleExisting(sys, directory, name, mode, source, replace, -1, sourcePath, targetPath);
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath.get(), sourcePath.get());
        }
    }

    /**
     * The name is taken: the same file as the source (null), an error without REPLACE_EXISTING,
     * an empty directory to remove first (as Files.copy does), or a file to replace by renaming
     * a new one over it. A name that disappears meanwhile is simply created.
     */
    private static TargetFile settleExisting(
            Syscalls sys,
            int directory,
            byte[] name,
            int mode,
            FileStatus source,
            boolean replace,
            int owned,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException, NativeException {
        for (; ; ) {
            FileStatus existing = sys.statusAt(directory, name, false);
            if (existing == null) {
                int fd = sys.createExclusive(directory, name, mode);
                if (fd >= 0) {
                    return new TargetFile(sys, directory, name, name, fd, owned, sourcePath, targetPath);
                }
                continue;
            }
            if (existing.isSameFileAs(source)) {
                return null;
            }
            if (!replace) {
                throw new FileAlreadyExistsException(targetPath.get().toString());
            }
            if (existing.isDirectory()) {
                try {
                    sys.unlink(directory, name, true);
                } catch (NativeException e) {
                    if (e.is(Errno.ENOTEMPTY)) {
                        throw new DirectoryNotEmptyException(targetPath.get().toString());
                    }
                    throw e;
                }
                continue;
            }
            refuseUnreplaceable(sys, directory, targetPath);
            for (; ; ) {
                byte[] temporary = temporaryName(name);
                int fd = sys.createExclusive(directory, temporary, mode);
                if (fd >= 0) {
                    markInUse(sys, directory, temporary, fd);
                    return new TargetFile(sys, directory, name, temporary, fd, owned, sourcePath, targetPath);
                }
            }
        }
    }

    /**
     * A file in an append-only directory ({@code chattr +a}) cannot be replaced: the directory
     * takes new names but refuses a rename over an old one, and refuses to remove the temporary
     * file again, which would be left behind. So such a replacement fails before anything is
     * created. An immutable directory refuses the temporary file itself, which leaves nothing.
     */
    private static void refuseUnreplaceable(Syscalls sys, int directory, Supplier<Path> targetPath) throws IOException {
        int flags;
        try {
            flags = sys.inodeFlags(directory);
        } catch (NativeException e) {
            return; // a file system without inode flags has no append-only directories either
        }
        if ((flags & Syscalls.FS_APPEND_FL) != 0) {
            throw new AccessDeniedException(
                    targetPath.get().toString(),
                    null,
                    "renameat: Operation not permitted: "
                            + "the directory is append-only (chattr +a, seen by ioctl FS_IOC_GETFLAGS before anything was "
                            + "written): a file can be added to it but not replaced");
        }
    }

    /**
     * Whether {@code name} is one {@link #temporaryName} makes: "." + 1 to 200 bytes +
     * ".reflink4j-" + 12 lowercase hex digits + ".tmp", exactly (the name part is not compared
     * with any target's, since a long one is cut).
     */
    static boolean isTemporaryName(byte[] name) {
        int hexStart = name.length - TEMP_END.length - HEX_DIGITS;
        int markStart = hexStart - TEMP_MARK.length;
        int kept = markStart - 1;
        if (kept < 1 || kept > MAX_NAME_IN_TEMP || name[0] != '.') {
            return false;
        }
        if (!Arrays.equals(name, hexStart + HEX_DIGITS, name.length, TEMP_END, 0, TEMP_END.length)
                || !Arrays.equals(name, markStart, hexStart, TEMP_MARK, 0, TEMP_MARK.length)) {
            return false;
        }
        for (int i = hexStart; i < hexStart + HEX_DIGITS; i++) {
            byte b = name[i];
            if (!(b >= '0' && b <= '9' || b >= 'a' && b <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** "." + the name (cut to fit, at a character boundary) + ".reflink4j-" + 12 hex digits + ".tmp". */
    static byte[] temporaryName(byte[] name) {
        int keep = Math.min(name.length, MAX_NAME_IN_TEMP);
        while (keep > 0 && keep < name.length && (name[keep] & 0xc0) == 0x80) {
            keep--; // do not cut a UTF-8 sequence in two
        }
        byte[] random = new byte[HEX_DIGITS / 2];
        ThreadLocalRandom.current().nextBytes(random);
        byte[] hex = HexFormat.of().formatHex(random).getBytes(StandardCharsets.US_ASCII);
        byte[] temporary = new byte[1 + keep + TEMP_MARK.length + hex.length + TEMP_END.length];
        temporary[0] = '.';
        System.arraycopy(name, 0, temporary, 1, keep);
        System.arraycopy(TEMP_MARK, 0, temporary, 1 + keep, TEMP_MARK.length);
        System.arraycopy(hex, 0, temporary, 1 + keep + TEMP_MARK.length, hex.length);
        System.arraycopy(TEMP_END, 0, temporary, 1 + keep + TEMP_MARK.length + hex.length, TEMP_END.length);
        return temporary;
    }

    /**
     * Renames a new entry made under a {@link #temporaryName} over {@code name} in one step, or
     * removes it when the rename fails: the target is then as it was, and nothing is left.
     */
    static void renameOver(Syscalls sys, int directory, byte[] temporary, byte[] name) throws NativeException {
        try {
            sys.rename(directory, temporary, directory, name);
        } catch (NativeException failure) {
            try {
                sys.unlink(directory, temporary, false);
            } catch (NativeException cleanUp) {
                failure.addSuppressed(cleanUp);
            }
            throw failure;
        }
    }

    /**
     * Locks a new temporary file (flock) for as long as this copy holds it open: the mark by
     * which a later copy's cleanup ({@code Leftovers}) tells a live copy's temporary file from one
     * a killed process left. The lock goes with the descriptor, also when the process dies. Where
     * the file system has no flock (some network file systems) the file goes unmarked, and the
     * cleanup, unable to lock it either, leaves it alone. On any other error the file is closed
     * and removed again.
     */
    private static void markInUse(Syscalls sys, int directory, byte[] temporary, int fd) throws NativeException {
        try {
            sys.tryLock(fd); // a file no one else has opened yet: always granted
        } catch (NativeException e) {
            if (e.is(Errno.EOPNOTSUPP) || e.is(Errno.ENOSYS)) {
                return;
            }
            Failures.closeQuietly(sys, fd, e);
            try {
                sys.unlink(directory, temporary, false);
            } catch (NativeException cleanUp) {
                e.addSuppressed(cleanUp);
            }
            throw e;
        }
    }

    int fd() {
        return fd;
    }

    /** Whether this copy writes into a new file beside an existing target, to rename over it. */
    boolean replaces() {
        return created != name;
    }

    /**
     * For a replacement, renames the file over the target; then closes it. When this fails the
     * caller still calls {@link #abort}, which removes what was created: the directory
     * descriptor is closed only once that can no longer happen. A close that fails after the
     * rename is reported, though the target is then already wholly the new file (whose data, if
     * copied, was flushed, so the close has nothing left to write back).
     *
     * <p>Durability: a replacement whose data was written (copied, not cloned) is flushed with
     * fdatasync before the rename. Otherwise a power cut soon after the rename can leave the
     * target's name on a file whose data never reached the disk (empty on xfs, unwritten blocks
     * on ext4): the old file gone and the new one not there. A clone needs no flush: it is one
     * journalled transaction, ordered before the rename's. A new target is not flushed, as
     * neither {@code cp} nor {@code Files.copy} flushes one: until the file system writes it
     * back, a crash can lose the new file, but no older data.
     *
     * @param dataWritten whether bytes were written into the file rather than shared
     */
    void commit(boolean dataWritten) throws IOException {
        try {
            if (replaces()) {
                if (dataWritten) {
                    sys.syncData(fd);
                }
                // renamed while still open, so still locked: a cleanup never takes it for a leftover
                sys.rename(directory, created, directory, name);
            }
            closeDescriptor();
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath.get(), sourcePath.get());
        }
        closeOwnedDirectory(null);
    }

    /** Closes and removes what this copy created; problems doing so are added to {@code failure}. */
    void abort(Throwable failure) {
        try {
            closeDescriptor();
        } catch (NativeException e) {
            failure.addSuppressed(Failures.translate(e, targetPath.get(), sourcePath.get()));
        }
        try {
            sys.unlink(directory, created, false);
        } catch (NativeException e) {
            if (!e.is(Errno.ENOENT)) {
                failure.addSuppressed(Failures.translate(e, targetPath.get(), sourcePath.get()));
            }
        }
        closeOwnedDirectory(failure);
    }

    private void closeOwnedDirectory(Throwable failure) {
        if (ownedDirectory >= 0) {
            int open = ownedDirectory;
            ownedDirectory = -1;
            try {
                sys.close(open);
            } catch (NativeException e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                } // else: a directory opened only to be read: closing it cannot lose data
            }
        }
    }

    private void closeDescriptor() throws NativeException {
        if (fd >= 0) {
            int open = fd;
            fd = -1;
            sys.close(open);
        }
    }

    @Override
    public String toString() {
        return "TargetFile[" + NativePaths.display(created) + (replaces() ? " over " + NativePaths.display(name) : "")
                + "]";
    }
}
