package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.Supplier;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Gives the target the source's metadata with COPY_ATTRIBUTES, once its data is in place (a
 * clone bumps mtime and strips setuid bits, so the order matters): owner and group, the exact
 * permission bits including setuid/setgid/sticky, user extended attributes, and the access and
 * modification times, last. Without COPY_ATTRIBUTES nothing is changed: the file was created
 * with the source's permission bits, filtered by the umask or the directory's default ACL, as
 * {@code Files.copy} and {@code cp} do.
 */
final class AttributeCopier {
    private static final byte[] USER_NAMESPACE = "user.".getBytes(StandardCharsets.US_ASCII);

    private AttributeCopier() {
    }

    static void apply(Syscalls sys, int sourceFd, FileStatus source, int targetFd, boolean copyAttributes,
                      Supplier<Path> sourcePath, Supplier<Path> targetPath) throws IOException {
        if (!copyAttributes) {
            return;
        }
        try {
            applyAll(sys, sourceFd, source, targetFd, source.permissionBits());
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath.get(), sourcePath.get());
        }
    }

    /** Owner, {@code mode}, user extended attributes and times, in that order. */
    static void applyAll(Syscalls sys, int sourceFd, FileStatus source, int targetFd, int mode) throws NativeException {
        changeOwner(sys, targetFd, source);
        sys.changeMode(targetFd, mode);
        copyUserExtendedAttributes(sys, sourceFd, targetFd);
        sys.setTimes(targetFd, source.accessTime(), source.modifyTime());
    }

    /** Like {@code cp -p}: an unprivileged copier cannot give files away, and that is not an error. */
    private static void changeOwner(Syscalls sys, int targetFd, FileStatus source) throws NativeException {
        try {
            sys.changeOwner(targetFd, source.uid(), source.gid());
        } catch (NativeException e) {
            if (!e.is(Errno.EPERM)) {
                throw e;
            }
        }
    }

    /** user.* attributes only, as the JDK's Files.copy does; a target file system without xattrs is skipped. */
    private static void copyUserExtendedAttributes(Syscalls sys, int sourceFd, int targetFd) throws NativeException {
        try {
            for (byte[] name : sys.listExtendedAttributes(sourceFd)) {
                if (startsWith(name, USER_NAMESPACE)) {
                    byte[] value = sys.getExtendedAttribute(sourceFd, name);
                    if (value != null) {
                        sys.setExtendedAttribute(targetFd, name, value);
                    }
                }
            }
        } catch (NativeException e) {
            if (!e.is(Errno.EOPNOTSUPP)) {
                throw e;
            }
        }
    }

    private static boolean startsWith(byte[] name, byte[] prefix) {
        if (name.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (name[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
