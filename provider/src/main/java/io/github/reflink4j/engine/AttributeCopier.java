package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Gives the target the source's metadata with COPY_ATTRIBUTES, as {@code Files.copy} does on
 * Linux, once its data is in place (a clone bumps mtime and strips setuid bits and file
 * capabilities, so the order matters): owner and group; the exact permission bits including
 * setuid/setgid/sticky; every extended attribute; the access and modification times, last.
 * Without COPY_ATTRIBUTES nothing is changed: the file was created with the source's permission
 * bits, filtered by the umask or the directory's default ACL, as {@code Files.copy} and
 * {@code cp} do.
 *
 * <p>Extended attributes are copied best effort, as the JDK copies them: every one the source
 * lists, whatever its namespace ({@code user.*}; {@code security.*} labels and capabilities;
 * {@code trusted.*} where the copier may read them; the POSIX ACLs
 * {@code system.posix_acl_access} and, on a directory, {@code system.posix_acl_default}). One
 * the target does not take (a file system without them, a value too big for it, a namespace
 * the copier may not write) is left out, and the copy goes on. The access ACL goes first, then
 * the other {@code system.*} and {@code security.*} attributes, then the rest in the source's
 * order: where the target has room for only some (ext4 keeps one block of them per file),
 * permissions and labels win.
 *
 * <p>An access ACL the target does not take must not leave it more open than the source. With
 * an ACL the group bits of the mode are the mask, an upper bound: a file with
 * {@code group::---} and {@code mask::rw-} has mode 0660, and with that mode alone its owning
 * group could read and write it. So the target first gets {@link PosixAcl#narrowestMode the
 * narrowest mode}, in which each class keeps only what every ACL entry that may apply to one of
 * its members grants (0600 here), and then the ACL, which, where it sticks, gives back exactly
 * the source's bits. Where it does not, the target keeps the narrowest mode, and an access ACL
 * it inherited from its directory's default ACL is removed as well: nobody gets more than the
 * source grants them, and named users and groups lose what the ACL gave them. An ACL that
 * cannot be read from the source counts as one that grants the owner alone. ({@code Files.copy}
 * and {@code cp} keep the wider mode.)
 *
 * <pre>{@code
 * AttributeCopier.applyAll(sys, sourceFd, sys.status(sourceFd), targetFd);
 * }</pre>
 */
final class AttributeCopier {
    /** S_ISUID and S_ISGID. */
    private static final int SET_ID_BITS = 06000;

    private static final byte[] SYSTEM_NAMESPACE = "system.".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SECURITY_NAMESPACE = "security.".getBytes(StandardCharsets.US_ASCII);
    private static final int OWNER_ONLY = 07700;

    private AttributeCopier() {}

    static void apply(
            Syscalls sys,
            int sourceFd,
            FileStatus source,
            int targetFd,
            boolean copyAttributes,
            Supplier<Path> sourcePath,
            Supplier<Path> targetPath)
            throws IOException {
        if (!copyAttributes) {
            return;
        }
        try {
            applyAll(sys, sourceFd, source, targetFd);
        } catch (NativeException e) {
            throw Failures.translate(e, targetPath.get(), sourcePath.get());
        }
    }

    /** Owner, mode with the access ACL, the other extended attributes and times, in that order. */
    static void applyAll(Syscalls sys, int sourceFd, FileStatus source, int targetFd) throws NativeException {
        boolean owned = changeOwner(sys, targetFd, source);
        // a copy its copier could not give to the source's owner keeps no setuid or setgid bit, as with cp -p:
        // else anyone could make a program that runs as themselves with another's privileges in mind
        int mode = owned ? source.permissionBits() : source.permissionBits() & ~SET_ID_BITS;
        List<byte[]> names = listExtendedAttributes(sys, sourceFd);
        copyModeAndAccessAcl(sys, sourceFd, mode, names, targetFd);
        if (names != null) {
            copyOtherExtendedAttributes(sys, sourceFd, names, targetFd);
        }
        sys.setTimes(targetFd, source.accessTime(), source.modifyTime());
    }

    /**
     * Like {@code cp -p}: an unprivileged copier cannot give files away, and that is not an error;
     * false when the copy could not be given the source's owner and group.
     */
    private static boolean changeOwner(Syscalls sys, int targetFd, FileStatus source) throws NativeException {
        try {
            sys.changeOwner(targetFd, source.uid(), source.gid());
            return true;
        } catch (NativeException e) {
            if (!e.is(Errno.EPERM)) {
                throw e;
            }
            return false;
        }
    }

    /** The source's attribute names; none on a file system without them; null where they cannot be listed. */
    private static List<byte[]> listExtendedAttributes(Syscalls sys, int sourceFd) {
        try {
            return sys.listExtendedAttributes(sourceFd);
        } catch (NativeException e) {
            return e.is(Errno.EOPNOTSUPP) ? List.of() : null;
        }
    }

    /**
     * The mode, narrowed to what the source's access ACL grants everyone, then the ACL itself;
     * where the ACL does not stick, the narrowed mode stays, and nothing inherited is left. An
     * ACL that may exist but cannot be read counts as one that grants the owner alone.
     */
    private static void copyModeAndAccessAcl(Syscalls sys, int sourceFd, int mode, List<byte[]> names, int targetFd)
            throws NativeException {
        byte[] acl = null;
        boolean unreadable = names == null;
        if (names != null && contains(names, PosixAcl.ACCESS)) {
            try {
                acl = sys.getExtendedAttribute(sourceFd, PosixAcl.ACCESS);
            } catch (NativeException e) {
                unreadable = true;
            }
        }
        if (acl == null && !unreadable) {
            sys.changeMode(targetFd, mode);
            return;
        }
        PosixAcl parsed = PosixAcl.parse(acl);
        int narrowest = parsed == null ? mode & OWNER_ONLY : parsed.narrowestMode(mode);
        sys.changeMode(targetFd, narrowest);
        if (parsed == null || !set(sys, targetFd, PosixAcl.ACCESS, acl)) {
            // an ACL of the mode alone: the kernel drops any access ACL the target inherited
            set(sys, targetFd, PosixAcl.ACCESS, PosixAcl.ofMode(narrowest));
        }
    }

    /** Every attribute but the access ACL, best effort: system.* and security.* first, then the rest. */
    private static void copyOtherExtendedAttributes(Syscalls sys, int sourceFd, List<byte[]> names, int targetFd) {
        for (boolean permissionsAndLabels : new boolean[] {true, false}) {
            for (byte[] name : names) {
                if (!Arrays.equals(name, PosixAcl.ACCESS)
                        && (startsWith(name, SYSTEM_NAMESPACE) || startsWith(name, SECURITY_NAMESPACE))
                                == permissionsAndLabels) {
                    copy(sys, sourceFd, name, targetFd);
                }
            }
        }
    }

    /** One attribute, if the source still has it and the target takes it. */
    private static void copy(Syscalls sys, int sourceFd, byte[] name, int targetFd) {
        try {
            byte[] value = sys.getExtendedAttribute(sourceFd, name);
            if (value != null) {
                set(sys, targetFd, name, value);
            }
        } catch (NativeException e) {
            // gone or unreadable since it was listed: left out, as Files.copy leaves it
        }
    }

    /** Sets an attribute; false where the target does not take it (the caller decides what that means). */
    private static boolean set(Syscalls sys, int targetFd, byte[] name, byte[] value) {
        try {
            sys.setExtendedAttribute(targetFd, name, value);
            return true;
        } catch (NativeException e) {
            return false;
        }
    }

    private static boolean contains(List<byte[]> names, byte[] name) {
        for (byte[] candidate : names) {
            if (Arrays.equals(candidate, name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(byte[] name, byte[] prefix) {
        return name.length >= prefix.length && Arrays.equals(name, 0, prefix.length, prefix, 0, prefix.length);
    }
}
