package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.Path;

import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;
import jnr.constants.platform.Errno;

/**
 * Gives the target the source's metadata once its data is in place (a clone bumps mtime and
 * strips setuid bits, so the order matters): always the permission bits; with COPY_ATTRIBUTES
 * also owner and group, setuid/setgid/sticky, user extended attributes, and the access and
 * modification times, last.
 */
final class AttributeCopier {
    private static final String USER_NAMESPACE = "user.";

    private AttributeCopier() {
    }

    static void apply(int sourceFd, FileStatus source, int targetFd, boolean copyAttributes, Path sourcePath,
                      Path targetPath) throws IOException {
        try {
            if (copyAttributes) {
                changeOwner(targetFd, source);
                LinuxSyscalls.changeMode(targetFd, source.permissionBits());
                copyUserExtendedAttributes(sourceFd, targetFd);
                LinuxSyscalls.setTimes(targetFd, source.accessTime(), source.modifyTime());
            } else {
                LinuxSyscalls.changeMode(targetFd, source.permissionBits() & 0777);
            }
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath, sourcePath);
        }
    }

    /** Like {@code cp -p}: an unprivileged copier cannot give files away, and that is not an error. */
    private static void changeOwner(int targetFd, FileStatus source) throws NativeException {
        try {
            LinuxSyscalls.changeOwner(targetFd, source.uid(), source.gid());
        } catch (NativeException e) {
            if (!e.is(Errno.EPERM)) {
                throw e;
            }
        }
    }

    /** user.* attributes only, as the JDK's Files.copy does; a target file system without xattrs is skipped. */
    private static void copyUserExtendedAttributes(int sourceFd, int targetFd) throws NativeException {
        try {
            for (String name : LinuxSyscalls.listExtendedAttributes(sourceFd)) {
                if (name.startsWith(USER_NAMESPACE)) {
                    LinuxSyscalls.setExtendedAttribute(targetFd, name, LinuxSyscalls.getExtendedAttribute(sourceFd, name));
                }
            }
        } catch (NativeException e) {
            if (!e.is(Errno.EOPNOTSUPP, Errno.ENOTSUP)) {
                throw e;
            }
        }
    }
}
