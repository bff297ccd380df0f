package io.github.reflink4j.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A POSIX ACL as the kernel hands it over in the {@code system.posix_acl_access} and
 * {@code system.posix_acl_default} extended attributes: a little-endian version word (2), then
 * one 8-byte entry per grant (tag, permissions, user or group id). reflink4j only ever reads
 * the permissions out of it, to answer two questions: which bits does a default ACL let through
 * to a new file, and which mode bits never grant anyone more than an access ACL does.
 *
 * <pre>{@code
 * PosixAcl acl = PosixAcl.parse(sys.getExtendedAttribute(fd, PosixAcl.ACCESS));
 * sys.changeMode(targetFd, acl == null ? mode : acl.narrowestMode(mode));
 * }</pre>
 */
final class PosixAcl {
    static final byte[] ACCESS = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
    static final byte[] DEFAULT = "system.posix_acl_default".getBytes(StandardCharsets.US_ASCII);

    private static final int VERSION = 2;
    private static final int HEADER = 4;
    private static final int ENTRY = 8;
    private static final int USER_OBJ = 0x01;
    private static final int USER = 0x02;
    private static final int GROUP_OBJ = 0x04;
    private static final int GROUP = 0x08;
    private static final int MASK = 0x10;
    private static final int OTHER = 0x20;
    private static final int ALL = 7;
    /** The permissions of a kind of entry the ACL does not have: it limits nobody. */
    private static final int NONE_NAMED = -1;

    private final int owner;
    private final int owningGroup;
    private final int mask;
    private final int other;
    private final int everyNamedUser;
    private final int everyNamedGroup;

    private PosixAcl(int owner, int owningGroup, int mask, int other, int everyNamedUser, int everyNamedGroup) {
        this.owner = owner;
        this.owningGroup = owningGroup;
        this.mask = mask;
        this.other = other;
        this.everyNamedUser = everyNamedUser;
        this.everyNamedGroup = everyNamedGroup;
    }

    /** The ACL in an attribute's value, or null when the value is not one (absent, or not version 2). */
    static PosixAcl parse(byte[] value) {
        if (value == null || value.length < HEADER || (value.length - HEADER) % ENTRY != 0) {
            return null;
        }
        ByteBuffer entries = ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN);
        if (entries.getInt(0) != VERSION) {
            return null;
        }
        int owner = ALL;
        int owningGroup = ALL;
        int mask = -1;
        int other = ALL;
        int everyNamedUser = NONE_NAMED;
        int everyNamedGroup = NONE_NAMED;
        for (int at = HEADER; at < value.length; at += ENTRY) {
            int permissions = entries.getShort(at + 2) & ALL;
            switch (entries.getShort(at) & 0xffff) {
                case USER_OBJ -> owner = permissions;
                case USER -> everyNamedUser &= permissions;
                case GROUP_OBJ -> owningGroup = permissions;
                case GROUP -> everyNamedGroup &= permissions;
                case MASK -> mask = permissions;
                case OTHER -> other = permissions;
                default -> {}
            }
        }
        return new PosixAcl(owner, owningGroup, mask, other, everyNamedUser, everyNamedGroup);
    }

    /**
     * As a directory's default ACL: the permission bits it lets through to a file or directory
     * created in it (owner, mask or else owning group, other), in the umask's place.
     */
    int creationBits() {
        return owner << 6 | (mask >= 0 ? mask : owningGroup) << 3 | other;
    }

    /**
     * As a file's access ACL that cannot go with it: the bits of {@code mode} that grant nobody
     * more than this ACL does, when the file has only its mode. Each class of the mode keeps
     * what every entry that can apply to one of its members grants. The owner keeps the owner
     * entry. A member of the owning group may also be a named user, so the group bits are the
     * owning group's entry, limited by the mask and by every named user's entry (within the
     * mask). Anyone else may be a named user or in a named group, so the other bits are the
     * other entry, limited by every named user's and every named group's entry (within the
     * mask). The setuid, setgid and sticky bits of {@code mode} are kept.
     */
    int narrowestMode(int mode) {
        int limit = mask >= 0 ? mask : ALL;
        int namedUsers = everyNamedUser == NONE_NAMED ? ALL : everyNamedUser & limit;
        int namedGroups = everyNamedGroup == NONE_NAMED ? ALL : everyNamedGroup & limit;
        int group = owningGroup & limit & namedUsers;
        int others = other & namedUsers & namedGroups;
        return mode & 07000 | (mode >> 6 & owner) << 6 | (mode >> 3 & group) << 3 | mode & others;
    }

    /**
     * The access ACL of just {@code mode}'s owner, group and other bits. Set on a file, the
     * kernel takes it for the mode itself: it sets those bits and removes any access ACL the
     * file had (such as one inherited from its directory's default ACL).
     */
    static byte[] ofMode(int mode) {
        ByteBuffer acl = ByteBuffer.allocate(HEADER + 3 * ENTRY).order(ByteOrder.LITTLE_ENDIAN);
        acl.putInt(VERSION);
        entry(acl, USER_OBJ, mode >> 6 & ALL);
        entry(acl, GROUP_OBJ, mode >> 3 & ALL);
        entry(acl, OTHER, mode & ALL);
        return acl.array();
    }

    private static void entry(ByteBuffer acl, int tag, int permissions) {
        acl.putShort((short) tag).putShort((short) permissions).putInt(-1);
    }
}
