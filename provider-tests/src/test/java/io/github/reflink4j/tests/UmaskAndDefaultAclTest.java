package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Without COPY_ATTRIBUTES a copy is created the way Files.copy creates it: the source's mode
 * filtered by the umask, or by the target directory's default ACL where there is one. Checked
 * in a JVM started under {@code umask 077} that copies the same file and tree both ways, with
 * reflink4j and with the JDK (Files.copy, and Files.walkFileTree + Files.copy for the tree).
 */
class UmaskAndDefaultAclTest extends RealFileSystemTest {

    /** A 0644 file, and a tree with directories 0755, 0750, 0700, 0777 and files 0644, 0755, 0600, 0666. */
    private static Path[] buildSources(Path dir) throws IOException {
        Path file = writeRandomFile(dir.resolve("source.bin"), 5000, 1);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        Path tree = dir.resolve("tree");
        Map<String, Integer> entries =
                new TreeMap<>(Map.of("a/f644", 0644, "a/b/f755", 0755, "c/f600", 0600, "d/f666", 0666, "top", 0644));
        entries.forEach((name, mode) -> writeRandomFile(tree.resolve(name), 100, name.hashCode()));
        for (Map.Entry<String, Integer> entry : entries.entrySet()) {
            Files.setAttribute(tree.resolve(entry.getKey()), "unix:mode", entry.getValue());
        }
        Files.setAttribute(tree.resolve("a/b"), "unix:mode", 0750);
        Files.setAttribute(tree.resolve("a"), "unix:mode", 0755);
        Files.setAttribute(tree.resolve("c"), "unix:mode", 0700);
        Files.setAttribute(tree.resolve("d"), "unix:mode", 0777);
        return new Path[] {file, tree};
    }

    private static ForkedJvm.Result copyBothWaysUnderUmask077(Path file, Path tree, Path out) {
        ForkedJvm.Result result = ForkedJvm.of(CopyBothWays.class)
                .shell("umask 077")
                .run(120, file.toString(), tree.toString(), out.toString());
        assertEquals(0, result.exitCode(), result.output());
        return result;
    }

    private static String permissions(Path path) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, NOFOLLOW_LINKS));
    }

    /** Every entry of a tree with its mode, by relative name. */
    private static String modes(Path root) throws IOException {
        Map<String, String> modes = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                modes.put(
                        root.relativize(path).toString(),
                        String.format("%04o", (Integer) Files.getAttribute(path, "unix:mode", NOFOLLOW_LINKS) & 07777));
            }
        }
        return modes.toString();
    }

    /** getfacl of every entry of a tree, in name order, names relative to the root. */
    private static String acls(Path root) {
        return Shell.run("cd \"$1\" && find . -print0 | LC_ALL=C sort -z | xargs -0 getfacl -p", root.toString());
    }

    private static String acl(Path file) {
        return Shell.run("cd \"$(dirname \"$1\")\" && getfacl -p \"$(basename \"$1\")\" | sed 1d", file.toString());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void underUmask077_reflinkCopies_getTheModesFilesCopyGives(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path[] sources = buildSources(dir);
        Path out = Files.createDirectory(dir.resolve("out"));

        copyBothWaysUnderUmask077(sources[0], sources[1], out);

        assertEquals("rw-------", permissions(out.resolve("jdk-file")), "Files.copy under umask 077");
        assertEquals(permissions(out.resolve("jdk-file")), permissions(out.resolve("reflink-file")), "Reflink.copy");
        assertEquals(modes(out.resolve("jdk-tree")), modes(out.resolve("reflink-tree")), "copyTree");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void withADefaultAclOnTheTargetDirectory_reflinkCopies_getTheAclsAndModesFilesCopyGives(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path[] sources = buildSources(dir);
        Path out = Files.createDirectory(dir.resolve("out"));
        if (Shell.exec("command -v setfacl && command -v getfacl").exitCode() != 0) {
            TestFileSystem.unavailable("setfacl and getfacl are missing (Debian package acl: apt-get install -y acl)");
        }
        Shell setfacl = Shell.exec("setfacl -d -m g::rwx,o::r \"$1\"", out.toString());
        if (setfacl.exitCode() != 0) {
            TestFileSystem.unavailable(fs + " takes no default ACL here: " + setfacl.stderr());
        }

        copyBothWaysUnderUmask077(sources[0], sources[1], out);

        assertEquals(
                "rw-r--r--",
                permissions(out.resolve("jdk-file")),
                "Files.copy: the default ACL, not the umask, decides");
        assertEquals(acl(out.resolve("jdk-file")), acl(out.resolve("reflink-file")), "Reflink.copy");
        assertEquals(modes(out.resolve("jdk-tree")), modes(out.resolve("reflink-tree")), "copyTree");
        assertEquals(acls(out.resolve("jdk-tree")), acls(out.resolve("reflink-tree")), "copyTree");
    }

    /** getfacl -c (no "# file:", "# owner:", "# group:" lines) of every entry of a tree, in name order, each under its relative name. */
    private static String aclsWithoutHeaders(Path root) {
        return Shell.run(
                "cd \"$1\" && find . -print0 | LC_ALL=C sort -z | "
                        + "while IFS= read -r -d '' entry; do printf '== %s\\n' \"$entry\"; getfacl -c -- \"$entry\"; done",
                root.toString());
    }

    /**
     * Guards the mode of directories created under a default ACL with a mask entry (and a named
     * user, which makes the mask matter): a tree copy must give every directory and file the mode
     * and the ACL that Files.copy gives it, in the same JVM (umask 022).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void withADefaultAclWithAMaskOnTheTargetDirectory_copyTree_givesTheModesAndAclsFilesCopyGives(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path tree = dir.resolve("tree");
        Map<String, Integer> directories = new TreeMap<>(Map.of(
                "d777", 0777, "d755", 0755, "d700", 0700, "d755/d777", 0777, "d777/d700", 0700, "d700/d755", 0755));
        for (String directory : directories.keySet()) {
            writeRandomFile(tree.resolve(directory).resolve("f666"), 100, directory.hashCode());
            writeRandomFile(tree.resolve(directory).resolve("f644"), 200, directory.hashCode() + 1);
            Files.setAttribute(tree.resolve(directory).resolve("f666"), "unix:mode", 0666);
            Files.setAttribute(tree.resolve(directory).resolve("f644"), "unix:mode", 0644);
        }
        List<String> deepestFirst = new ArrayList<>(directories.keySet());
        deepestFirst.sort((a, b) -> b.length() - a.length());
        for (String directory : deepestFirst) {
            Files.setAttribute(tree.resolve(directory), "unix:mode", directories.get(directory));
        }
        Files.setAttribute(tree, "unix:mode", 0755);
        Path out = Files.createDirectory(dir.resolve("out"));
        if (Shell.exec("command -v setfacl && command -v getfacl").exitCode() != 0) {
            TestFileSystem.unavailable("setfacl and getfacl are missing (Debian package acl: apt-get install -y acl)");
        }
        Shell setfacl = Shell.exec("setfacl -d -m u::rwx,u:nobody:rwx,g::rwx,m::r-x,o::--- \"$1\"", out.toString());
        if (setfacl.exitCode() != 0) {
            TestFileSystem.unavailable(fs + " takes no default ACL with a mask here: " + setfacl.stderr());
        }
        assertTrue(Shell.run("getfacl -c \"$1\"", out.toString()).contains("default:mask::r-x"), "the fixture itself");

        TreeCopySummary summary = Reflink.copyTree(tree, out.resolve("reflink-tree"));
        CopyBothWays.copyTreeWithTheJdk(tree, out.resolve("jdk-tree"));

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(
                "rwxr-x---", permissions(out.resolve("jdk-tree/d777")), "Files.copy: the mask, not the umask, decides");
        assertEquals(
                "rw-r-----",
                permissions(out.resolve("jdk-tree/d777/f666")),
                "Files.copy: the mask, not the umask, decides");
        assertEquals(modes(out.resolve("jdk-tree")), modes(out.resolve("reflink-tree")), "modes after copyTree");
        assertEquals(
                aclsWithoutHeaders(out.resolve("jdk-tree")),
                aclsWithoutHeaders(out.resolve("reflink-tree")),
                "getfacl -c after copyTree");
    }

    /** Run in a JVM under umask 077: the file and the tree copied by reflink4j and by the JDK, side by side. */
    public static final class CopyBothWays {
        public static void main(String[] args) throws IOException {
            Path file = Path.of(args[0]);
            Path tree = Path.of(args[1]);
            Path out = Path.of(args[2]);
            Reflink.copy(file, out.resolve("reflink-file"));
            Files.copy(file, out.resolve("jdk-file"));
            TreeCopySummary summary = Reflink.copyTree(tree, out.resolve("reflink-tree"));
            if (!summary.succeeded()) {
                throw new IOException("copyTree failed: " + summary.failures());
            }
            copyTreeWithTheJdk(tree, out.resolve("jdk-tree"));
            System.out.println("copied both ways");
        }

        /** The tree copied by Files.walkFileTree and Files.copy, as an application would without reflink4j. */
        static void copyTreeWithTheJdk(Path tree, Path jdk) throws IOException {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes)
                        throws IOException {
                    Files.copy(directory, jdk.resolve(tree.relativize(directory)));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path entry, BasicFileAttributes attributes) throws IOException {
                    Files.copy(entry, jdk.resolve(tree.relativize(entry)));
                    return FileVisitResult.CONTINUE;
                }
            });
        }
    }
}
