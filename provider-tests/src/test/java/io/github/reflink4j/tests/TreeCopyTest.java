package io.github.reflink4j.tests;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Reflink.copyTree: whole trees, every file proven shared on btrfs and xfs. */
class TreeCopyTest extends RealFileSystemTest {

    /** A tree with nesting, empty files and directories, links inside and out, a read-only directory. */
    static Path buildTree(Path root) throws IOException {
        Files.createDirectories(root.resolve("a/b/c"));
        Files.createDirectories(root.resolve("empty-dir"));
        Files.createDirectories(root.resolve("read-only"));
        writeRandomFile(root.resolve("top.bin"), 100_000, 1);
        writeRandomFile(root.resolve("a/mid.bin"), 300_000, 2);
        writeRandomFile(root.resolve("a/b/c/deep.bin"), 1 << 20, 3);
        writeRandomFile(root.resolve("read-only/inside.bin"), 50_000, 4);
        Files.createFile(root.resolve("a/empty"));
        Files.createSymbolicLink(root.resolve("a/link-in"), Path.of("b/c/deep.bin"));
        Files.createSymbolicLink(root.resolve("link-out"), Path.of("/etc/hostname"));
        Files.createSymbolicLink(root.resolve("link-to-dir"), Path.of("a"));
        Files.setPosixFilePermissions(root.resolve("read-only"), PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setLastModifiedTime(root.resolve("a/b"), FileTime.fromMillis(1_000_000_000_000L));
        return root;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void tree_isCopied_withLinksAsLinks_andEveryFileSharedWhereTheFileSystemClones(TestFileSystem fs)
            throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target, StandardCopyOption.COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), summary.failures().toString());
        assertEquals(5, summary.files());
        assertEquals(6, summary.directories());
        assertEquals(3, summary.symlinks());
        long data = 100_000 + 300_000 + (1 << 20) + 50_000;
        assertEquals(fs.clones() ? data : 0, summary.clonedBytes());
        assertEquals(fs.clones() ? 0 : data, summary.copiedBytes());
        for (String file : List.of("top.bin", "a/mid.bin", "a/b/c/deep.bin", "read-only/inside.bin", "a/empty")) {
            assertSameContent(source.resolve(file), target.resolve(file));
            if (fs.clones() && !file.equals("a/empty")) {
                assertEquals(
                        Files.size(target.resolve(file)),
                        Reflink.sharing(target.resolve(file)).sharedBytes(),
                        file);
                assertTrue(Extents.allShared(target.resolve(file)), file + " " + Extents.of(target.resolve(file)));
            }
        }
        assertEquals(Path.of("b/c/deep.bin"), Files.readSymbolicLink(target.resolve("a/link-in")));
        assertEquals(Path.of("/etc/hostname"), Files.readSymbolicLink(target.resolve("link-out")));
        assertTrue(Files.isSymbolicLink(target.resolve("link-to-dir")), "a link to a directory must stay a link");
        assertTrue(Files.isDirectory(target.resolve("empty-dir"), NOFOLLOW_LINKS));
        assertEquals(
                "r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target.resolve("read-only"))));
        assertEquals(
                FileTime.fromMillis(1_000_000_000_000L),
                Files.getLastModifiedTime(target.resolve("a/b")),
                "directory times are applied last, after the files in them");
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void targetInsideSource_isRefused_beforeAnythingIsCopied(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));

        FileSystemException e =
                assertThrows(FileSystemException.class, () -> Reflink.copyTree(source, source.resolve("a/inside")));
        assertThrows(FileSystemException.class, () -> Reflink.copyTree(source, source));

        assertTrue(e.getMessage().contains("inside the source"), e.getMessage());
        assertFalse(Files.exists(source.resolve("a/inside")));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void oneFailingFile_isReported_andTheRestIsCopied(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));
        Path target = Files.createDirectories(dir.resolve("target/a"));
        Files.writeString(target.resolve("mid.bin"), "already here");
        List<Path> reported = Collections.synchronizedList(new ArrayList<>());
        AtomicLong copiedBytes = new AtomicLong();
        TreeCopyListener listener = new TreeCopyListener() {
            @Override
            public void fileCopied(Path from, Path to, CopyResult result) {
                copiedBytes.addAndGet(result.bytes());
            }

            @Override
            public void failed(Path from, Path to, IOException error) {
                reported.add(from);
            }
        };

        TreeCopySummary summary = Reflink.copyTree(
                source,
                dir.resolve("target"),
                TreeCopy.options().listener(listener).parallelism(3));

        assertEquals(1, summary.failures().size(), summary.failures().toString());
        assertEquals(source.resolve("a/mid.bin"), summary.failures().get(0).source());
        assertInstanceOf(
                FileAlreadyExistsException.class, summary.failures().get(0).error());
        assertEquals(List.of(source.resolve("a/mid.bin")), reported);
        assertEquals("already here", Files.readString(target.resolve("mid.bin")));
        assertEquals(4, summary.files());
        assertEquals(100_000 + (1 << 20) + 50_000, copiedBytes.get());
        assertSameContent(source.resolve("a/b/c/deep.bin"), dir.resolve("target/a/b/c/deep.bin"));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"EXT4", "TMPFS"})
    void always_onNonCloningFileSystem_reportsEveryFile_andCopiesNone(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = buildTree(dir.resolve("source"));

        TreeCopySummary summary = Reflink.copyTree(source, dir.resolve("target"), ReflinkCopyOption.ALWAYS);

        assertEquals(5, summary.failures().size());
        assertEquals(0, summary.files());
        try (Stream<Path> walk = Files.walk(dir.resolve("target"))) {
            assertEquals(
                    0,
                    walk.filter(p -> Files.isRegularFile(p, NOFOLLOW_LINKS)).count(),
                    "a failed ALWAYS left a file behind");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void tenThousandFileTree_everyFileCopied_andSharedOnBtrfsAndXfs(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = dir.resolve("source");
        List<String> names = new ArrayList<>();
        byte[] block = new byte[8192]; // larger than btrfs's inline limit, so each file has a real extent
        Random random = new Random(7);
        for (int d = 0; d < 100; d++) {
            Path sub = Files.createDirectories(source.resolve("d" + d));
            for (int f = 0; f < 100; f++) {
                random.nextBytes(block);
                Files.write(sub.resolve("f" + f), block);
                names.add("d" + d + "/f" + f);
            }
        }

        TreeCopySummary summary = Reflink.copyTree(source, dir.resolve("target"));

        assertTrue(
                summary.succeeded(),
                summary.failures().stream().limit(3).toList().toString());
        assertEquals(10_000, summary.files());
        assertEquals(101, summary.directories());
        assertEquals(fs.clones() ? 10_000L * 8192 : 0, summary.clonedBytes());
        for (String name : names) {
            Path copy = dir.resolve("target").resolve(name);
            assertEquals(8192, Files.size(copy), name);
            if (fs.clones()) {
                assertEquals(8192, Reflink.sharing(copy).sharedBytes(), name);
            }
        }
        Collections.shuffle(names, random);
        for (String name : names.subList(0, 50)) {
            assertSameContent(source.resolve(name), dir.resolve("target").resolve(name));
            assertEquals(fs.clones(), Extents.allShared(dir.resolve("target").resolve(name)), name);
        }
    }
}
