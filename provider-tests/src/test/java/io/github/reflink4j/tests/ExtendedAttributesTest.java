package io.github.reflink4j.tests;

import static io.github.reflink4j.tests.support.FileMetadata.accessAcl;
import static io.github.reflink4j.tests.support.FileMetadata.defaultAcl;
import static io.github.reflink4j.tests.support.FileMetadata.extendedAttributes;
import static io.github.reflink4j.tests.support.FileMetadata.mode;
import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.FileMetadata;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * COPY_ATTRIBUTES copies every extended attribute the target takes, best effort, as
 * {@code Files.copy} does on Linux (JDK 17 and 25 alike): {@code user.*}, {@code security.*},
 * {@code trusted.*} and the POSIX ACLs ({@code system.posix_acl_access}, and a directory's
 * {@code system.posix_acl_default}). One the target refuses is left out and the copy succeeds;
 * an access ACL it refuses leaves the target with the narrowest mode, never a wider one.
 */
class ExtendedAttributesTest extends RealFileSystemTest {
    /** The owner and a named user may read and write, the owning group nothing: mode 0660, the group bits being the mask. */
    private static final String FILE_ACL = "u::rw-,u:65534:rw-,g::---,m::rw-,o::---";

    private static final List<String> FILE_ACL_ENTRIES =
            List.of("user::rw-", "user:65534:rw-", "group::---", "mask::rw-", "other::---");
    private static final String DIRECTORY_ACL = "u::rwx,u:65534:r-x,g::---,m::r-x,o::---";
    private static final List<String> DIRECTORY_ACL_ENTRIES =
            List.of("user::rwx", "user:65534:r-x", "group::---", "mask::r-x", "other::---");
    private static final String DEFAULT_ACL = "d:u::rwx,d:u:65534:rwx,d:g::r-x,d:m::rwx,d:o::---";
    private static final List<String> DEFAULT_ACL_ENTRIES =
            List.of("user::rwx", "user:65534:rwx", "group::r-x", "mask::rwx", "other::---");
    private static final String NOBODY = "setpriv --reuid=65534 --regid=65534 --clear-groups";

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyAttributes_keepsAccessAndDefaultAclsExactly_inAFileCopyAndATreeCopy(TestFileSystem fs) throws IOException {
        FileMetadata.assumeTools();
        Path dir = directoryOn(fs);
        Path tree = buildAttributedTree(fs, dir.resolve("tree"));
        Path file = tree.resolve("sub/with-acl");
        assertEquals(FILE_ACL_ENTRIES, accessAcl(file), "the fixture");
        assertEquals(04660, mode(file), "the fixture: with an ACL the group bits are the mask");

        Reflink.copy(file, dir.resolve("copy"), COPY_ATTRIBUTES);
        TreeCopySummary summary = Reflink.copyTree(tree, dir.resolve("tree-copy"), COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        for (Path copy : List.of(dir.resolve("copy"), dir.resolve("tree-copy/sub/with-acl"))) {
            assertSameContent(file, copy);
            assertEquals(FILE_ACL_ENTRIES, accessAcl(copy), copy.toString());
            assertEquals(04660, mode(copy), copy.toString());
        }
        Path sub = dir.resolve("tree-copy/sub");
        assertEquals(DIRECTORY_ACL_ENTRIES, accessAcl(sub), "the directory's access ACL");
        assertEquals(DEFAULT_ACL_ENTRIES, defaultAcl(sub), "the directory's default ACL");
        assertEquals(0750, mode(sub), "the directory's mode");
    }

    /**
     * The same copies through {@code Files.copy} (a file, and a tree walked with
     * {@code Files.walkFileTree}) and through reflink4j give every entry the same extended
     * attributes, byte for byte, and the same mode. There is no intended difference on one file
     * system; the one difference, an access ACL the target refuses, is in
     * {@link #copyAttributes_anAclTooBigForTheTarget_leavesTheNarrowestModeAndNoAcl()}.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyAttributes_givesTheExtendedAttributesAndModesThatFilesCopyGives(TestFileSystem fs) throws IOException {
        FileMetadata.assumeTools();
        Path dir = directoryOn(fs);
        Path tree = buildAttributedTree(fs, dir.resolve("tree"));
        Path withAcl = tree.resolve("sub/with-acl");

        Reflink.copy(withAcl, dir.resolve("reflink-file"), COPY_ATTRIBUTES);
        Files.copy(withAcl, dir.resolve("jdk-file"), COPY_ATTRIBUTES);
        TreeCopySummary summary = Reflink.copyTree(tree, dir.resolve("reflink-tree"), COPY_ATTRIBUTES);
        copyTreeWithTheJdk(tree, dir.resolve("jdk-tree"));

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        String jdkFile = modeAndAttributes(dir.resolve("jdk-file"));
        assertTrue(jdkFile.contains("system.posix_acl_access"), "Files.copy copies the ACL: " + jdkFile);
        if (AttributesTest.isRoot()) {
            assertTrue(
                    jdkFile.contains("security.reflink4j") && jdkFile.contains("trusted.reflink4j"),
                    "Files.copy copies security.* and trusted.*: " + jdkFile);
        }
        assertEquals(jdkFile, modeAndAttributes(dir.resolve("reflink-file")), "Reflink.copy against Files.copy");
        assertEquals(
                modesAndAttributes(dir.resolve("jdk-tree")),
                modesAndAttributes(dir.resolve("reflink-tree")),
                "copyTree against Files.walkFileTree with Files.copy");
        assertEquals(
                modesAndAttributes(tree),
                modesAndAttributes(dir.resolve("reflink-tree")),
                "copyTree against its source");
    }

    /**
     * ext4 without ea_inode keeps a file's extended attributes in one block (4 KiB here); btrfs
     * takes values up to about 16 KiB. A 10,000-byte value copied from btrfs to ext4 is
     * refused (ENOSPC): it is left out, as Files.copy leaves it out, and everything else arrives.
     */
    @Test
    void copyAttributes_anAttributeTooBigForTheTarget_isLeftOut_andTheRestArrives() throws IOException {
        FileMetadata.assumeTools();
        Path from = directoryOn(TestFileSystem.BTRFS);
        Path to = directoryOn(TestFileSystem.EXT4);
        String big = "a".repeat(10_000);
        try {
            setUserAttribute(writeRandomFile(to.resolve("probe"), 1, 1), "reflink4j.big", big);
            TestFileSystem.unavailable("ext4 here takes a 10,000-byte attribute value (ea_inode?): nothing to refuse");
        } catch (FileSystemException expected) {
            // no space for it: the case under test
        }
        Path tree = from.resolve("tree");
        Path source = writeRandomFile(tree.resolve("source"), 3 * 4096 + 5, 4);
        setAcl(TestFileSystem.BTRFS, source, FILE_ACL);
        for (Path entry : List.of(tree, source)) {
            setUserAttribute(entry, "reflink4j.big", big);
            setUserAttribute(entry, "reflink4j.small", "kept");
        }
        Map<String, String> sourceAttributes = extendedAttributes(source);
        Map<String, String> expected = new TreeMap<>(sourceAttributes);
        assertNotEquals(null, expected.remove("user.reflink4j.big"), "the fixture");
        Files.copy(source, to.resolve("jdk"), COPY_ATTRIBUTES);
        assertEquals(expected, extendedAttributes(to.resolve("jdk")), "Files.copy, the witness");

        for (ReflinkCopyOption mode : List.of(ReflinkCopyOption.AUTO, ReflinkCopyOption.NEVER)) {
            Path copy = to.resolve("copy-" + mode);
            Reflink.copy(source, copy, mode, COPY_ATTRIBUTES);

            assertSameContent(source, copy);
            assertEquals(expected, extendedAttributes(copy), mode.toString());
            assertEquals(FILE_ACL_ENTRIES, accessAcl(copy), mode.toString());
            assertEquals(0660, mode(copy), mode.toString());
        }
        TreeCopySummary summary = Reflink.copyTree(tree, to.resolve("tree"), COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertSameContent(source, to.resolve("tree/source"));
        assertEquals(expected, extendedAttributes(to.resolve("tree/source")), "a file in a tree");
        assertEquals(
                Map.of("user.reflink4j.small", hex("kept")),
                extendedAttributes(to.resolve("tree")),
                "the tree's directory");
        assertEquals(sourceAttributes, extendedAttributes(source), "the source is unchanged");
    }

    /**
     * An access ACL of a thousand named users (8 KiB) fits btrfs but not ext4. Files.copy then
     * leaves the source's mode, whose group and other bits would grant what the ACL denies.
     * reflink4j leaves the narrowest mode instead: each class only what every entry that may
     * apply to one of its members grants. Also where the target directory has a default ACL,
     * whose inherited grants must not survive either; and for a directory in a tree.
     */
    @Test
    void copyAttributes_anAclTooBigForTheTarget_leavesTheNarrowestModeAndNoAcl() throws IOException {
        FileMetadata.assumeTools();
        Path from = openToAll(directoryOn(TestFileSystem.BTRFS));
        Path to = openToAll(directoryOn(TestFileSystem.EXT4));
        Path inheriting = openToAll(Files.createDirectory(to.resolve("inheriting")));
        setAcl(TestFileSystem.EXT4, inheriting, "d:u::rwx,d:u:65534:rwx,d:g::rwx,d:m::rwx,d:o::r-x");
        Path source = writeRandomFile(from.resolve("source"), 3 * 4096 + 5, 5);
        Path tree = openToAll(Files.createDirectory(from.resolve("tree")));
        Files.copy(source, tree.resolve("source"));
        // the owner and the owning group read and write; a thousand named users read; the
        // group nogroup (65534) gets nothing; others read: mode 0644
        for (Path file : List.of(source, tree.resolve("source"))) {
            setLargeAcl(file, "u::rw-", "r--", "g::r--,g:65534:---,m::r--,o::r--");
            assertEquals(0644, mode(file), "the fixture");
        }
        // the owner, a thousand named users and the owning group read and search; the user
        // nobody (65534) gets nothing: mode 0755
        setLargeAcl(tree, "u::rwx,u:65534:---", "r-x", "g::r-x,m::r-x,o::r-x");
        assertEquals(0755, mode(tree), "the fixture");
        Shell tooBig = Shell.exec(
                "getfacl -n \"$1\" | setfacl --set-file=- \"$2\"",
                source.toString(),
                writeRandomFile(to.resolve("probe"), 1, 1).toString());
        if (tooBig.exitCode() == 0) {
            TestFileSystem.unavailable("ext4 here takes an ACL of a thousand entries (ea_inode?): nothing to refuse");
        }
        assertFalse(nobodyCanRead(source), "the fixture: nobody, in group nogroup, may not read the source");
        assertFalse(nobodyCanRead(tree), "the fixture: nobody may not list the source directory");
        for (Path witness : List.of(from, to, inheriting)) {
            Path file = writeRandomFile(witness.resolve("witness"), 10, 6);
            assertTrue(
                    nobodyCanRead(file),
                    "the witness: nobody can read a new file in " + witness
                            + (witness == inheriting ? " (where the default ACL grants it)" : " (0644)"));
        }

        for (Path copy : List.of(to.resolve("copy"), inheriting.resolve("copy"))) {
            Reflink.copy(source, copy, COPY_ATTRIBUTES);

            assertSameContent(source, copy);
            assertEquals(List.of("user::rw-", "group::r--", "other::---"), accessAcl(copy), copy.toString());
            assertEquals(0640, mode(copy), copy + ": the owning group and every named user could read");
            assertFalse(nobodyCanRead(copy), copy + ": nobody may not read the copy either");
        }
        TreeCopySummary summary = Reflink.copyTree(tree, inheriting.resolve("tree"), COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        Path treeCopy = inheriting.resolve("tree");
        assertEquals(List.of("user::rwx", "group::---", "other::---"), accessAcl(treeCopy), "the directory");
        assertEquals(0700, mode(treeCopy), "the directory: a named user (nobody) had nothing");
        assertFalse(nobodyCanRead(treeCopy), "nobody may not list the copied directory either");
        assertSameContent(source, treeCopy.resolve("source"));
        assertEquals(List.of("user::rw-", "group::r--", "other::---"), accessAcl(treeCopy.resolve("source")));
        assertEquals(0640, mode(treeCopy.resolve("source")), "the file in the tree");
    }

    /**
     * {@code reflink cp -a} and {@code reflink cp -r --preserve=xattr} give every entry the
     * extended attributes, ACLs among them, and the mode that GNU {@code cp -a} gives it.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cpArchiveAndPreserveXattr_giveTheExtendedAttributesAndModesThatGnuCpArchiveGives(TestFileSystem fs)
            throws IOException {
        FileMetadata.assumeTools();
        Path dir = directoryOn(fs);
        Path tree = buildAttributedTree(fs, dir.resolve("tree"));
        Shell.run("cp -a \"$1\" \"$2\"", tree.toString(), dir.resolve("gnu").toString());

        CommandRun archive = CommandRun.reflink(
                "cp", "-a", tree.toString(), dir.resolve("archive").toString());
        CommandRun xattr = CommandRun.reflink(
                "cp",
                "-r",
                "--preserve=xattr",
                tree.toString(),
                dir.resolve("xattr").toString());

        assertEquals(0, archive.exitCode(), archive.stderr());
        assertEquals(0, xattr.exitCode(), xattr.stderr());
        Map<String, String> gnu = modesAndAttributes(dir.resolve("gnu"));
        assertTrue(gnu.get("sub/with-acl").contains("system.posix_acl_access"), "GNU cp -a, the witness: " + gnu);
        assertEquals(gnu, modesAndAttributes(dir.resolve("archive")), "reflink cp -a");
        assertEquals(gnu, modesAndAttributes(dir.resolve("xattr")), "reflink cp -r --preserve=xattr");
    }

    /**
     * A tree whose every entry has user.* attributes (and, for root, security.* and trusted.*
     * ones): a directory with an access and a default ACL, a setuid file with an access ACL in
     * it, and a plain 0640 file with an empty attribute.
     */
    private static Path buildAttributedTree(TestFileSystem fs, Path tree) throws IOException {
        Path withAcl = writeRandomFile(tree.resolve("sub/with-acl"), 5000, 2);
        Path plain = writeRandomFile(tree.resolve("plain"), 100, 3);
        setAcl(fs, tree.resolve("sub"), DIRECTORY_ACL + "," + DEFAULT_ACL);
        setAcl(fs, withAcl, FILE_ACL);
        Files.setAttribute(withAcl, "unix:mode", 04660); // setuid; the group bits stay the mask
        Files.setAttribute(plain, "unix:mode", 0640);
        for (Path entry : List.of(tree, tree.resolve("sub"), withAcl, plain)) {
            setUserAttribute(entry, "reflink4j.note", "of " + entry.getFileName());
            if (AttributesTest.isRoot()) { // other namespaces need CAP_SYS_ADMIN
                Shell.run(
                        "setfattr -n security.reflink4j -v label \"$1\" && setfattr -n trusted.reflink4j -v t \"$1\"",
                        entry.toString());
            }
        }
        setUserAttribute(plain, "reflink4j.empty", "");
        return tree;
    }

    /** Sets an ACL with setfacl; a file system that takes none skips the test. */
    private static void setAcl(TestFileSystem fs, Path path, String acl) {
        Shell setfacl = Shell.exec("setfacl -m \"$2\" \"$1\"", path.toString(), acl);
        if (setfacl.exitCode() != 0) {
            TestFileSystem.unavailable(fs + " takes no POSIX ACL here: " + setfacl.stderr());
        }
    }

    /** An ACL with the given entries and a thousand named users (ids 20000-20999) with {@code named}. */
    private static void setLargeAcl(Path path, String first, String named, String rest) {
        Shell.run(
                "{ tr , '\\n' <<< \"$2\"; for i in $(seq 20000 20999); do echo \"u:$i:$3\"; done; tr , '\\n' <<< \"$4\"; }"
                        + " | setfacl --set-file=- \"$1\"",
                path.toString(),
                first,
                named,
                rest);
    }

    private static boolean nobodyCanRead(Path path) {
        return Shell.exec(NOBODY + (Files.isDirectory(path) ? " ls -- \"$1\"" : " cat -- \"$1\""), path.toString())
                        .exitCode()
                == 0;
    }

    /** The test directory is created 0700; the unprivileged checks need to reach into it. */
    private static Path openToAll(Path directory) throws IOException {
        Files.setAttribute(directory, "unix:mode", 0755);
        return directory;
    }

    private static void setUserAttribute(Path path, String name, String value) throws IOException {
        Files.getFileAttributeView(path, UserDefinedFileAttributeView.class)
                .write(name, ByteBuffer.wrap(value.getBytes(StandardCharsets.US_ASCII)));
    }

    private static String hex(String value) {
        return HexFormat.of().formatHex(value.getBytes(StandardCharsets.US_ASCII));
    }

    private static String modeAndAttributes(Path path) throws IOException {
        return String.format("%04o %s", mode(path), extendedAttributes(path));
    }

    /** Every entry of a tree, by relative name, with its mode and its extended attributes. */
    private static Map<String, String> modesAndAttributes(Path root) throws IOException {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                entries.put(root.relativize(path).toString(), modeAndAttributes(path));
            }
        }
        return entries;
    }

    /** The tree copied by Files.walkFileTree and Files.copy with COPY_ATTRIBUTES, as an application would. */
    private static void copyTreeWithTheJdk(Path tree, Path target) throws IOException {
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                    throws IOException {
                Files.copy(directory, target.resolve(tree.relativize(directory).toString()), COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.copy(file, target.resolve(tree.relativize(file).toString()), COPY_ATTRIBUTES);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
