package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Supplier;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.linux.DirectoryEntry;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Copies one entry of a tree, relative to the descriptors of its directory and its target
 * directory, by the name's bytes: a regular file through the engine's one file copy, a link as
 * a link, a FIFO or device node anew. Never follows a link, and refuses an entry that is no
 * longer what the listing said (another inode, or another type).
 */
final class EntryCopier {
    private final Syscalls sys;
    private final CopyRequest request;
    private final HardLinks hardLinks;

    EntryCopier(Syscalls sys, CopyRequest request, HardLinks hardLinks) {
        this.sys = sys;
        this.request = request;
        this.hardLinks = hardLinks;
    }

    /** A regular file: opened once, its inode checked against the listing, then copied by the engine. */
    CopyResult copyFile(
            TreeDirectory directory, DirectoryEntry entry, Supplier<Path> sourcePath, Supplier<Path> targetPath)
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
            return hardLinks != null && status.linkCount() > 1
                    ? hardLinks.copy(in, status, directory, entry.name(), request, sourcePath, targetPath)
                    : CopyEngine.copyOpenFile(
                            sys, in, status, directory.targetFd, entry.name(), request, sourcePath, targetPath);
        } finally {
            try {
                sys.close(in);
            } catch (NativeException e) {
                // only read from: closing it cannot lose data
            }
        }
    }

    /** A symbolic link is copied as a link, its bytes as they are; it is never followed. */
    void copyLink(TreeDirectory directory, DirectoryEntry entry, Supplier<Path> sourcePath, Supplier<Path> targetPath)
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
        create(
                directory,
                entry,
                sourcePath,
                targetPath,
                name -> sys.makeSymbolicLink(linkTarget, directory.targetFd, name));
        if (status != null) {
            applyNodeAttributes(directory.targetFd, entry.name(), status);
        }
    }

    /** FIFOs, sockets and device nodes are created anew, as Files.copy does; their data is never opened. */
    void copySpecial(
            TreeDirectory directory, DirectoryEntry entry, Supplier<Path> sourcePath, Supplier<Path> targetPath)
            throws IOException, NativeException {
        FileStatus status = sys.statusAt(directory.sourceFd, entry.name(), false);
        if (status == null) {
            throw new NoSuchFileException(sourcePath.get().toString());
        }
        if (status.isRegularFile()
                || status.isDirectory()
                || status.isSymbolicLink()
                || changedSinceListed(directory, entry, status)) {
            throw changed(sourcePath.get(), targetPath.get());
        }
        int mode = status.mode() & ~07000;
        create(
                directory,
                entry,
                sourcePath,
                targetPath,
                name -> sys.makeNode(directory.targetFd, name, mode, status.specialDevice()));
        if (request.copyAttributes()) {
            applyNodeAttributes(directory.targetFd, entry.name(), status);
            sys.changeModeAt(directory.targetFd, entry.name(), status.permissionBits());
        }
    }

    /** Makes a link or node under a name in the target directory. */
    @FunctionalInterface
    private interface Creation {
        void make(byte[] name) throws NativeException;
    }

    /**
     * Makes the entry under its name; where the name is taken, under a temporary name renamed
     * over it (see {@link #replaceableName}).
     */
    private void create(
            TreeDirectory directory,
            DirectoryEntry entry,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath,
            Creation creation)
            throws IOException, NativeException {
        try {
            creation.make(entry.name());
        } catch (NativeException e) {
            if (!e.is(Errno.EEXIST)) {
                throw e;
            }
            byte[] temporary = replaceableName(directory, entry, sourcePath, targetPath);
            creation.make(temporary);
            TargetFile.renameOver(sys, directory.targetFd, temporary, entry.name());
        }
    }

    /**
     * A link or node's name is taken in the target: without REPLACE_EXISTING that is an error;
     * with it an empty directory is removed (as Files.copy does) and anything else replaced by
     * renaming the new entry over it; returns the temporary name to create it under.
     */
    private byte[] replaceableName(
            TreeDirectory directory, DirectoryEntry entry, Supplier<Path> sourcePath, Supplier<Path> targetPath)
            throws IOException, NativeException {
        if (!request.replaceExisting()) {
            throw new FileAlreadyExistsException(
                    targetPath.get().toString(), sourcePath.get().toString(), null);
        }
        FileStatus existing = sys.statusAt(directory.targetFd, entry.name(), false);
        if (existing != null && existing.isDirectory()) {
            try {
                sys.unlink(directory.targetFd, entry.name(), true);
            } catch (NativeException e) {
                if (e.is(Errno.ENOTEMPTY)) {
                    throw new java.nio.file.DirectoryNotEmptyException(
                            targetPath.get().toString());
                }
                throw e;
            }
        }
        return TargetFile.temporaryName(entry.name());
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

    static boolean changedSinceListed(TreeDirectory directory, DirectoryEntry entry, FileStatus status) {
        // a mount point inside the tree lists the covered inode: only compare on one device
        return status.inode() != entry.inode() && status.device() == directory.sourceStatus.device();
    }

    static FileSystemException changed(Path source, Path target) {
        return new FileSystemException(
                source.toString(),
                target.toString(),
                "changed during the copy (replaced, or swapped for a symbolic link, which a tree copy never follows)");
    }
}
