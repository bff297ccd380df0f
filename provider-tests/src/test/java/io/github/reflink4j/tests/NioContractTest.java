package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.util.List;

import com.google.common.io.MoreFiles;
import com.sun.nio.file.ExtendedCopyOption;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/** Where a wrapped path must behave exactly as the platform's own: each case run on both. */
class NioContractTest extends RealFileSystemTest {
    private static final String CANARY = "reflink4j: the one exception JFR must record";

    /** Guards {@code Files.isSameFile(path, null)}: a NullPointerException, as the platform throws. */
    @Test
    void isSameFile_withNull_throwsNullPointerException_likeThePlatform() throws IOException {
        Path plain = writeRandomFile(directoryOn(TestFileSystem.BTRFS).resolve("a"), 100, 1);
        Path wrapped = Reflink.wrap(plain);
        assertThrows(NullPointerException.class, () -> Files.isSameFile(plain, null));
        assertThrows(NullPointerException.class, () -> Files.isSameFile(wrapped, null));
    }

    /**
     * Guards the SecureDirectoryStream: the platform's directory streams are secure, so Guava's
     * race-free recursive delete works on them; a wrapped directory's stream must be too, with
     * the paths it hands out wrapped, or Guava refuses with InsecureRecursiveDeleteException.
     */
    @Test
    void guavaDeleteRecursively_deletesAWrappedTree_throughTheSecureDirectoryStream() throws IOException {
        Path dir = directoryOn(TestFileSystem.XFS);
        Files.createDirectories(dir.resolve("tree/a/b"));
        writeRandomFile(dir.resolve("tree/a/b/file"), 1000, 2);
        Files.createSymbolicLink(dir.resolve("tree/a/outside"), dir.resolve("kept"));
        writeRandomFile(dir.resolve("kept"), 10, 3);
        Path wrapped = Reflink.wrap(dir.resolve("tree"));
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(wrapped)) {
            SecureDirectoryStream<Path> secure = assertInstanceOf(SecureDirectoryStream.class, stream);
            Path entry = secure.iterator().next();
            assertEquals(wrapped.getFileSystem(), entry.getFileSystem(), "an entry of the secure stream");
        }

        MoreFiles.deleteRecursively(wrapped);

        assertFalse(Files.exists(dir.resolve("tree"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.exists(dir.resolve("kept")), "a link is deleted, never followed");
    }

    /**
     * Guards {@code ExtendedCopyOption.INTERRUPTIBLE}, which the platform provider accepts for a
     * copy: a wrapped copy accepts it too, and still clones.
     */
    @Test
    void copy_withInterruptible_isAccepted_likeThePlatform_andClones() throws IOException {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path plain = writeRandomFile(dir.resolve("a"), 1 << 20, 2);
        Files.copy(plain, dir.resolve("by-the-platform"), ExtendedCopyOption.INTERRUPTIBLE);
        Path wrapped = Reflink.wrap(plain);
        Path copy = Files.copy(wrapped, wrapped.resolveSibling("by-reflink4j"), ExtendedCopyOption.INTERRUPTIBLE);

        assertSameContent(plain, dir.resolve("by-reflink4j"));
        assertEquals(true, Extents.allShared(dir.resolve("by-reflink4j")), copy.toString());
    }

    /** Guards the enum's text: its name, as for every enum, in log lines and debuggers. */
    @Test
    void reflinkCopyOption_toString_isItsName() {
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            assertEquals(mode.name(), mode.toString());
        }
    }

    /**
     * Guards JDK 20's {@code exists} and {@code readAttributesIfExists} of a provider: a wrapped
     * path answers as the platform does (an existing file, a missing one, a dangling link with and
     * without NOFOLLOW_LINKS), and on JDK 20 and later a missing file costs no exception, as it
     * does not on the platform's own (counted with JFR's jdk.JavaExceptionThrow).
     */
    @Test
    void exists_andReadAttributesIfExists_answerAsThePlatform_withoutAnExceptionPerMissingFile() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path file = writeRandomFile(dir.resolve("file"), 10, 3);
        Path missing = dir.resolve("missing");
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), Path.of("nowhere"));
        Path wrapped = Reflink.wrap(dir);
        for (Path plain : new Path[] {file, missing, dangling}) {
            Path same = wrapped.resolve(plain.getFileName().toString());
            assertEquals(Files.exists(plain), Files.exists(same), plain.toString());
            assertEquals(
                    Files.exists(plain, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    Files.exists(same, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                    plain.toString());
            assertEquals(Files.notExists(plain), Files.notExists(same), plain.toString());
            assertEquals(Files.isRegularFile(plain), Files.isRegularFile(same), plain.toString());
            assertEquals(Files.isDirectory(plain), Files.isDirectory(same), plain.toString());
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(
                Runtime.version().feature() >= 20,
                "FileSystemProvider.exists exists from JDK 20 on; before, Files.exists builds an exception "
                        + "for a missing file on every provider");
        Path wrappedMissing = wrapped.resolve("missing");
        Files.exists(wrappedMissing); // warm up
        List<String> thrown;
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("jdk.JavaExceptionThrow");
            recording.start();
            for (int i = 0; i < 100; i++) {
                assertEquals(false, Files.exists(wrappedMissing));
                assertEquals(false, Files.isRegularFile(wrappedMissing)); // readAttributesIfExists
            }
            try {
                throw new IOException(CANARY);
            } catch (IOException expected) {
                // one exception the recording must see, or its count of the others proves nothing
            }
            recording.stop();
            Path dump = Files.createTempFile("reflink4j-exists", ".jfr");
            try {
                recording.dump(dump);
                thrown = jdk.jfr.consumer.RecordingFile.readAllEvents(dump).stream()
                        .filter(e -> e.getThread() != null
                                && e.getThread().getJavaThreadId()
                                        == Thread.currentThread().getId())
                        .map(e -> String.valueOf(e.getString("message")))
                        .toList();
            } finally {
                Files.delete(dump);
            }
        }
        assertEquals(
                1,
                thrown.stream().filter(CANARY::equals).count(),
                "JFR did not record the test's own exception, so it cannot count the others: " + thrown);
        assertEquals(
                List.of(CANARY),
                thrown,
                "exceptions built by 100 Files.exists and Files.isRegularFile of a missing wrapped path");
    }
}
