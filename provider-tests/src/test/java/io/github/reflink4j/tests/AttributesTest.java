package io.github.reflink4j.tests;

import static java.nio.file.StandardCopyOption.COPY_ATTRIBUTES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Instant;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * COPY_ATTRIBUTES keeps owner, mode bits (setuid too), user xattrs and times, applied after
 * the data: a clone bumps mtime and strips setuid, so they must survive it.
 */
class AttributesTest extends RealFileSystemTest {
    private static final FileTime MODIFIED = FileTime.from(Instant.parse("2001-02-03T04:05:06.789Z"));
    private static final FileTime ACCESSED = FileTime.from(Instant.parse("2002-03-04T05:06:07.891Z"));

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyAttributes_keepsTimesUserXattrsAndSetuid_inEveryMode(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = prepareSource(dir);

        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            if (mode == ReflinkCopyOption.ALWAYS && !fs.clones()) {
                continue;
            }
            Path target = dir.resolve("target-" + mode.name());
            Files.setAttribute(source, "lastAccessTime", ACCESSED); // the previous copy read the source
            Reflink.copy(source, target, mode, COPY_ATTRIBUTES);

            assertEquals(MODIFIED, Files.getLastModifiedTime(target), mode.toString());
            assertEquals(ACCESSED, Files.getAttribute(target, "lastAccessTime"), mode.toString());
            assertEquals(04750, mode(target), mode + ": mode " + Integer.toOctalString(mode(target)));
            assertArrayEquals(
                    "hello".getBytes(StandardCharsets.UTF_8), xattr(target, "reflink4j.test"), mode.toString());
            if (isRoot()) {
                assertEquals(1234, Files.getAttribute(target, "unix:uid"), mode.toString());
                assertEquals(4321, Files.getAttribute(target, "unix:gid"), mode.toString());
            }
        }
        if (fs.clones()) {
            assertTrue(Extents.allShared(dir.resolve("target-ALWAYS")));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void withoutCopyAttributes_onlyPermissionBitsAreKept(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = prepareSource(dir);

        Path target = dir.resolve("target");
        Reflink.auto(source, target);

        assertEquals(0750, mode(target), "setuid must not be given away without COPY_ATTRIBUTES");
        assertNotEquals(MODIFIED, Files.getLastModifiedTime(target));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyAttributes_ownerIsCopied_whenRunAsRoot(TestFileSystem fs) throws IOException {
        if (!isRoot()) {
            TestFileSystem.unavailable("only root can give a file to another owner");
        }
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), 1000, 1);
        Files.setAttribute(source, "unix:uid", 4242);
        Files.setAttribute(source, "unix:gid", 2424);

        Reflink.auto(source, dir.resolve("target"), COPY_ATTRIBUTES);

        assertEquals(4242, Files.getAttribute(dir.resolve("target"), "unix:uid"));
        assertEquals(2424, Files.getAttribute(dir.resolve("target"), "unix:gid"));
    }

    /**
     * Guards the mode of a FIFO (a special file, made anew by mknod, through the umask) in a tree
     * copied with COPY_ATTRIBUTES: exactly the source's 0666, as {@code cp -a} gives it, not 0644
     * under the test JVM's umask 022. (GNU cp -a is the witness; JDK 17's Files.copy opens a FIFO and blocks.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void copyTree_withCopyAttributes_fifoKeepsItsExactMode(TestFileSystem fs) throws IOException {
        Path dir = directoryOn(fs);
        Path source = Files.createDirectory(dir.resolve("source"));
        Shell.run("mkfifo -m 0666 \"$1\"/fifo", source.toString());
        assertEquals(0666, mode(source.resolve("fifo")), "the fixture itself");
        assertEquals(022, TreePermissionsTest.umask() & 022, "the test JVM's umask takes 022 away from 0666");
        Shell.run(
                "cp -a \"$1\"/fifo \"$2\"",
                source.toString(),
                dir.resolve("gnu-fifo").toString());
        assertEquals(0666, mode(dir.resolve("gnu-fifo")), "GNU cp -a, the witness");
        Path target = dir.resolve("target");

        TreeCopySummary summary = Reflink.copyTree(source, target, COPY_ATTRIBUTES);

        assertTrue(summary.succeeded(), TreeCopySafetyTest.failures(summary));
        assertEquals(
                "fifo",
                Shell.run("stat -c %F \"$1\"", target.resolve("fifo").toString())
                        .trim());
        assertTrue(
                Files.readAttributes(target.resolve("fifo"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                        .isOther(),
                "a special file");
        assertEquals(
                "rw-rw-rw-",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(target.resolve("fifo"), LinkOption.NOFOLLOW_LINKS)),
                "the copied FIFO's mode");
    }

    private static Path prepareSource(Path dir) throws IOException {
        Path source = writeRandomFile(dir.resolve("source"), 3 * 4096 + 5, 7);
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(source, UserDefinedFileAttributeView.class);
        xattrs.write("reflink4j.test", ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)));
        if (isRoot()) {
            Files.setAttribute(source, "unix:uid", 1234);
            Files.setAttribute(source, "unix:gid", 4321);
        }
        Files.setAttribute(source, "unix:mode", 04750);
        Files.setLastModifiedTime(source, MODIFIED);
        Files.setAttribute(source, "lastAccessTime", ACCESSED);
        return source;
    }

    private static int mode(Path file) throws IOException {
        return (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 07777;
    }

    private static byte[] xattr(Path file, String name) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        ByteBuffer buffer = ByteBuffer.allocate(view.size(name));
        view.read(name, buffer);
        return buffer.array();
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
