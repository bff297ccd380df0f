package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.CommandRun;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Hard links in a tree: kept as names of one inode on request ({@code preserveHardLinks},
 * {@code reflink cp -a}, {@code --preserve=links}), its data copied once; by default each name
 * becomes a file of its own, as Files.copy makes it. A file whose other names lie outside the
 * tree is an ordinary file in the copy.
 */
class HardLinksTest extends RealFileSystemTest {
    private static final List<String> THREE_NAMES = List.of("a/f", "b/g", "c/d/h");
    private static final FileTime MODIFIED = FileTime.fromMillis(1_234_567_890_000L);
    /** More files with a name outside the tree than the forked JVM has descriptors (ulimit -n 256). */
    private static final int LINKED_FROM_OUTSIDE = 400;

    /**
     * source/a/f, source/b/g, source/c/d/h: three names of one 100,000-byte file; source/x/linked-in:
     * the second name of a file outside the tree; source/plain; source/link: a symbolic link to a/f;
     * source/c of mode 0750; plain's mtime set in the past.
     */
    private static Path buildTree(Path dir) throws IOException {
        Path source = dir.resolve("source");
        writeRandomFile(source.resolve("a/f"), 100_000, 1);
        Files.createDirectories(source.resolve("b"));
        Files.createDirectories(source.resolve("c/d"));
        Files.createDirectories(source.resolve("x"));
        Files.createLink(source.resolve("b/g"), source.resolve("a/f"));
        Files.createLink(source.resolve("c/d/h"), source.resolve("a/f"));
        writeRandomFile(dir.resolve("outside.bin"), 50_000, 2);
        Files.createLink(source.resolve("x/linked-in"), dir.resolve("outside.bin"));
        writeRandomFile(source.resolve("plain"), 10_000, 3);
        Files.setLastModifiedTime(source.resolve("plain"), MODIFIED);
        Files.createSymbolicLink(source.resolve("link"), Path.of("a/f"));
        Files.setPosixFilePermissions(source.resolve("c"), PosixFilePermissions.fromString("rwxr-x---"));
        assertEquals(3, nlink(source.resolve("a/f")), "the fixture itself");
        return source;
    }

    private static int nlink(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:nlink", NOFOLLOW_LINKS);
    }

    private static Set<Object> inodes(Path root, List<String> names) throws IOException {
        Set<Object> inodes = new HashSet<>();
        for (String name : names) {
            inodes.add(inode(root.resolve(name)));
        }
        return inodes;
    }

    /** The three names are one inode with three links, holding the source's data, shared where the file system clones. */
    private static void assertThreeNamesOfOneInode(TestFileSystem fs, Path source, Path target) throws IOException {
        assertEquals(
                1, inodes(target, THREE_NAMES).size(), "inodes of " + THREE_NAMES + ": " + inodes(target, THREE_NAMES));
        assertEquals(3, nlink(target.resolve("a/f")), "links to the copy of a/f");
        assertSameContent(source.resolve("a/f"), target.resolve("c/d/h"));
        if (fs.clones()) {
            assertTrue(
                    Extents.allShared(target.resolve("b/g")),
                    Extents.of(target.resolve("b/g")).toString());
        }
        assertEquals(1, nlink(target.resolve("x/linked-in")), "a file whose other name is outside the tree");
        assertNotEquals(inode(source.resolve("x/linked-in")), inode(target.resolve("x/linked-in")));
        assertSameContent(source.resolve("x/linked-in"), target.resolve("x/linked-in"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_preservingHardLinks_keepsNamesOfOneInodeAsOneInode_copyingItsDataOnce(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir);
        Path target = dir.resolve("target");

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().preserveHardLinks(true));

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertThreeNamesOfOneInode(fs, source, target);
        assertEquals(
                100_000 + 50_000 + 10_000,
                summary.clonedBytes() + summary.copiedBytes(),
                "bytes moved: each inode's data once");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_byDefault_makesEachNameAFileOfItsOwn(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir);
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(3, inodes(target, THREE_NAMES).size(), "each name a file of its own");
        List<Integer> links = new ArrayList<>();
        for (String name : THREE_NAMES) {
            links.add(nlink(target.resolve(name)));
        }
        assertEquals(List.of(1, 1, 1), links, "links of " + THREE_NAMES);
        for (String name : THREE_NAMES) {
            assertSameContent(source.resolve(name), target.resolve(name));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cpArchive_keepsHardLinks_symbolicLinks_modesAndTimes(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir);
        Path target = dir.resolve("target");

        CommandRun run = CommandRun.reflink("cp", "-a", source.toString(), target.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertThreeNamesOfOneInode(fs, source, target);
        assertEquals(Path.of("a/f"), Files.readSymbolicLink(target.resolve("link")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("c"))));
        assertEquals(MODIFIED, Files.getLastModifiedTime(target.resolve("plain")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void cpRecursive_preserveLinks_keepsHardLinks(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir);
        Path target = dir.resolve("target");

        CommandRun run = CommandRun.reflink("cp", "-r", "--preserve=links", source.toString(), target.toString());

        assertEquals(0, run.exitCode(), run.stderr());
        assertThreeNamesOfOneInode(fs, source, target);
        assertEquals(Path.of("a/f"), Files.readSymbolicLink(target.resolve("link")));
    }

    /**
     * Guards the descriptors kept for hard links: a file whose other names lie outside the tree
     * must not hold one for the rest of the copy, or 400 such files under {@code ulimit -n 256}
     * run out of descriptors.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_preservingHardLinks_400FilesWithASecondNameOutsideTheTree_under256Descriptors_copiesEveryFile(
            TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectories(dir.resolve("source/files"));
        Path outside = Files.createDirectory(dir.resolve("outside"));
        for (int i = 0; i < LINKED_FROM_OUTSIDE; i++) {
            Path file = Files.writeString(source.resolve(String.format("f%03d", i)), "file " + i);
            Files.createLink(outside.resolve(file.getFileName()), file);
        }
        Path target = dir.resolve("target");

        ForkedJvm.Result run = ForkedJvm.of(CopyTreeKeepingHardLinks.class)
                .shell("ulimit -n 256")
                .run(120, dir.resolve("source").toString(), target.toString());

        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("files=" + LINKED_FROM_OUTSIDE + " failures=0"), run.output());
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < LINKED_FROM_OUTSIDE; i++) {
            Path copy = target.resolve(String.format("files/f%03d", i));
            if (!Files.isRegularFile(copy, NOFOLLOW_LINKS)
                    || !Files.readString(copy).equals("file " + i)) {
                wrong.add(copy.getFileName().toString());
            }
        }
        assertEquals(List.of(), wrong, "files missing or wrong in the copy");
    }

    /** Run in a JVM of its own under {@code ulimit -n 256}: copies a tree keeping hard links, prints the summary. */
    public static final class CopyTreeKeepingHardLinks {
        public static void main(String[] args) throws IOException {
            TreeCopySummary summary = Reflink.copyTree(
                    Path.of(args[0]), Path.of(args[1]), TreeCopy.options().preserveHardLinks(true));
            System.out.println("files=" + summary.files() + " failures="
                    + summary.failures().size());
            for (TreeCopyFailure failure : summary.failures().stream().limit(3).toList()) {
                System.out.println("failed: " + failure.source().getFileName() + ": " + failure.error());
            }
            System.exit(summary.succeeded() ? 0 : 1);
        }
    }

    /**
     * Guards hard links past the engine's limit of open descriptors (64): 300 files in one
     * directory, each with a second name in another, all inside the tree. Every pair must come out
     * as one inode, however far apart the walk meets the two names.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_preservingHardLinks_300PairsInsideTheTree_keepsEveryPairAsOneInode(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = dir.resolve("source");
        Files.createDirectories(source.resolve("a"));
        Files.createDirectories(source.resolve("b"));
        int pairs = 300;
        for (int i = 0; i < pairs; i++) {
            Path first = Files.writeString(source.resolve("a/f" + i), "content " + i);
            Files.createLink(source.resolve("b/g" + i), first);
        }
        Path target = dir.resolve("target");

        TreeCopySummary summary =
                Reflink.copyTree(source, target, TreeCopy.options().preserveHardLinks(true));

        assertTrue(
                summary.succeeded(),
                summary.failures().stream().limit(3).toList().toString());
        List<String> notLinked = new ArrayList<>();
        for (int i = 0; i < pairs; i++) {
            Path first = target.resolve("a/f" + i);
            Path second = target.resolve("b/g" + i);
            assertEquals("content " + i, Files.readString(second));
            if (!inode(first).equals(inode(second))) {
                notLinked.add("f" + i);
            }
        }
        assertEquals(List.of(), notLinked, "pairs copied as two inodes");
        assertEquals(2, nlink(target.resolve("a/f0")));
    }
}
