package io.github.reflink4j.engine;

import static io.github.reflink4j.tests.support.FileMetadata.accessAcl;
import static io.github.reflink4j.tests.support.FileMetadata.extendedAttributes;
import static io.github.reflink4j.tests.support.FileMetadata.mode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.FileMetadata;
import io.github.reflink4j.tests.support.Leaks;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * COPY_ATTRIBUTES when reading the source's extended attributes, or giving the copy its owner,
 * fails in ways the kernel cannot be made to fail on demand here (listxattr or getxattr with
 * EIO, an attribute gone between its listing and its reading, an access ACL in a format other
 * than version 2, which the kernel never returns today, fchown with EIO, and fchown
 * refused with EPERM, which root never is): injected (see {@link FaultySyscalls}), on ext4.
 * An ACL that cannot be read counts as one that grants the owner alone; an attribute that
 * cannot be read is left out; an owner that cannot be given drops setuid and setgid; any other
 * error fails the copy and leaves no target.
 */
class AttributeFaultsTest extends RealFileSystemTest {
    private static final int SIZE = 3 * 4096 + 11;
    private static final FileTime MODIFIED = FileTime.fromMillis(1_500_000_000_000L);

    private Path dir;
    private Path source;
    private Path target;

    @BeforeEach
    void sourceWithAttributes() throws IOException {
        FileMetadata.assumeTools();
        dir = directoryOn(TestFileSystem.EXT4);
        source = writeRandomFile(dir.resolve("source"), SIZE, 3);
        target = dir.resolve("target");
        setUserAttribute(source, "first", "one");
        setUserAttribute(source, "second", "two");
        Files.setAttribute(source, "unix:mode", 0644);
        Files.setLastModifiedTime(source, MODIFIED);
    }

    private CopyResult copyWithAttributes(FaultySyscalls faults) throws IOException, NativeException {
        Syscalls real = Syscalls.linux();
        int in = real.openForReading(Syscalls.AT_FDCWD, NativePaths.bytes(source), true);
        try {
            FileStatus status = real.status(in);
            return CopyEngine.copyOpenFile(
                    faults.syscalls(),
                    in,
                    status,
                    Syscalls.AT_FDCWD,
                    NativePaths.bytes(target),
                    new CopyRequest(ReflinkCopyOption.AUTO, false, true, true),
                    () -> source,
                    () -> target);
        } finally {
            real.close(in);
        }
    }

    private static FaultySyscalls.Fault failingFor(String attribute, Errno errno) {
        byte[] name = attribute.getBytes(StandardCharsets.US_ASCII);
        return call -> {
            if (Arrays.equals(name, (byte[]) call.args()[1])) {
                throw call.fail(errno);
            }
            return call.proceed();
        };
    }

    @Test
    void injectedListxattrFailingWithEio_givesTheCopyItsOwnersBitsOnly_andNoOtherAttribute() throws Exception {
        FaultySyscalls faults = new FaultySyscalls().on("listExtendedAttributes", call -> {
            throw call.fail(Errno.EIO);
        });

        CopyResult result = copyWithAttributes(faults);

        assertEquals(SIZE, result.bytes());
        assertSameContent(source, target);
        assertEquals(0600, mode(target), "an ACL that may exist but cannot be read grants the owner alone");
        assertEquals(List.of("user::rw-", "group::---", "other::---"), accessAcl(target));
        assertEquals(Map.of(), extendedAttributes(target), "nothing listed, nothing copied");
        assertEquals(MODIFIED, Files.getLastModifiedTime(target), "the times still arrive");
        assertEquals(0644, mode(source), "the source is untouched");
    }

    @Test
    void injectedListxattrUnsupported_keepsTheSourcesModeExactly_asOnAFileSystemWithoutAttributes() throws Exception {
        FaultySyscalls faults = new FaultySyscalls().on("listExtendedAttributes", call -> {
            throw call.fail(Errno.EOPNOTSUPP);
        });

        copyWithAttributes(faults);

        assertSameContent(source, target);
        assertEquals(0644, mode(target), "no attributes means no ACL: the mode is the whole story");
        assertEquals(Map.of(), extendedAttributes(target));
        assertEquals(MODIFIED, Files.getLastModifiedTime(target));
    }

    @Test
    void injectedAclReadFailingWithEio_givesTheCopyItsOwnersBitsOnly_andStillTheOtherAttributes() throws Exception {
        Shell.run("setfacl -m u:65534:r-- \"$1\"", source.toString());
        assertEquals(0644, mode(source), "the fixture: mask r--");
        FaultySyscalls faults =
                new FaultySyscalls().on("getExtendedAttribute", failingFor("system.posix_acl_access", Errno.EIO));

        copyWithAttributes(faults);

        assertSameContent(source, target);
        assertEquals(0600, mode(target));
        assertEquals(List.of("user::rw-", "group::---", "other::---"), accessAcl(target));
        Map<String, String> copied = extendedAttributes(target);
        assertEquals(hex("one"), copied.get("user.first"));
        assertEquals(hex("two"), copied.get("user.second"));
        assertTrue(accessAcl(source).contains("user:65534:r--"), "the source keeps its ACL");
    }

    @Test
    void injectedAclInAFormatNotVersion2_countsAsUnreadable_andGivesTheCopyItsOwnersBitsOnly() throws Exception {
        Shell.run("setfacl -m u:65534:r-- \"$1\"", source.toString());
        byte[] access = "system.posix_acl_access".getBytes(StandardCharsets.US_ASCII);
        // a version 3 header with one entry: a format the engine cannot vouch for
        byte[] unknown = {3, 0, 0, 0, 1, 0, 6, 0, -1, -1, -1, -1};
        FaultySyscalls faults = new FaultySyscalls().on("getExtendedAttribute", call -> {
            Object value = call.proceed();
            return Arrays.equals(access, (byte[]) call.args()[1]) ? unknown : value;
        });

        copyWithAttributes(faults);

        assertSameContent(source, target);
        assertEquals(0600, mode(target));
        assertEquals(List.of("user::rw-", "group::---", "other::---"), accessAcl(target));
        assertEquals(hex("one"), extendedAttributes(target).get("user.first"));
    }

    @Test
    void injectedAttributeGoneSinceListed_isLeftOut_andTheRestArrive() throws Exception {
        FaultySyscalls faults =
                new FaultySyscalls().on("getExtendedAttribute", failingFor("user.first", Errno.ENODATA));

        copyWithAttributes(faults);

        assertSameContent(source, target);
        Map<String, String> copied = extendedAttributes(target);
        assertFalse(copied.containsKey("user.first"), copied.toString());
        assertEquals(hex("two"), copied.get("user.second"));
        assertEquals(0644, mode(target));
        assertEquals(MODIFIED, Files.getLastModifiedTime(target));
    }

    @Test
    void injectedChownRefusedWithEperm_dropsSetuidAndSetgid_likeCpPreserve() throws Exception {
        Files.setAttribute(source, "unix:mode", 06755);
        FaultySyscalls faults = new FaultySyscalls().on("changeOwner", call -> {
            throw call.fail(Errno.EPERM);
        });

        copyWithAttributes(faults);

        assertSameContent(source, target);
        assertEquals(0755, mode(target), "a copy not owned as the source was runs as nobody else");
        assertEquals(hex("one"), extendedAttributes(target).get("user.first"));
        assertEquals(06755, mode(source));
    }

    @Test
    void injectedChownFailingWithEio_failsTheCopy_namingTheTargetAndTheSource_andLeavesNoTarget() throws Exception {
        List<String> descriptors = Leaks.openDescriptorsBelow(dir);
        byte[] before = Files.readAllBytes(source);
        FaultySyscalls faults = new FaultySyscalls().on("changeOwner", call -> {
            throw call.fail(Errno.EIO);
        });

        FileSystemException e = assertThrows(FileSystemException.class, () -> copyWithAttributes(faults));

        assertEquals(target.toString(), e.getFile());
        assertEquals(source.toString(), e.getOtherFile());
        assertTrue(e.getMessage().contains("Input/output error"), e.getMessage());
        assertFalse(Files.exists(target), "the half-made copy is removed");
        try (Stream<Path> list = Files.list(dir)) {
            assertEquals(
                    List.of("source"), list.map(p -> p.getFileName().toString()).toList());
        }
        assertTrue(Arrays.equals(before, Files.readAllBytes(source)));
        assertEquals(descriptors, Leaks.openDescriptorsBelow(dir));
        assertEquals(List.of(), faults.closedTwice());
    }

    private static void setUserAttribute(Path path, String name, String value) throws IOException {
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class)
                .write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String hex(String value) {
        StringBuilder hex = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.US_ASCII)) {
            hex.append(String.format("%02x", b));
        }
        return hex.toString();
    }
}
