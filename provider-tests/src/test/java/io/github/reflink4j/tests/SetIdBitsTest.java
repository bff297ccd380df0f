package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * COPY_ATTRIBUTES by a user who cannot give the copy to the source's owner: the copy is the
 * copier's, so it must not keep the setuid and setgid bits (as with cp -p and the JDK), or anyone
 * could hand themselves a set-id program of another user's; by the owner, or by root, the bits
 * stay.
 */
class SetIdBitsTest extends RealFileSystemTest {
    private static final int NOBODY = 65534;

    /** Copies args[1] to args[2] with COPY_ATTRIBUTES in mode args[0], as whoever runs it. */
    public static final class CopyWithAttributes {
        public static void main(String[] args) throws Exception {
            Reflink.copy(
                    Path.of(args[1]),
                    Path.of(args[2]),
                    ReflinkCopyOption.valueOf(args[0]),
                    StandardCopyOption.COPY_ATTRIBUTES);
            System.out.println("copied");
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "EXT4"})
    void setIdBits_areDropped_whenTheCopierCannotGiveTheCopyToTheSourcesOwner(TestFileSystem fs) throws Exception {
        Path dir = directoryOn(fs);
        Files.setAttribute(dir, "unix:mode", 0777);
        Path source = writeRandomFile(dir.resolve("program"), 4096, 3);
        Files.setAttribute(source, "unix:mode", 06755); // root's, set-user-id and set-group-id
        Path byNobody = dir.resolve("copied-by-nobody");
        Path byRoot = dir.resolve("copied-by-root");

        ForkedJvm.Result result = ForkedJvm.of(CopyWithAttributes.class)
                .asUser(NOBODY)
                .run(60, "AUTO", source.toString(), byNobody.toString());
        Reflink.copy(source, byRoot, ReflinkCopyOption.AUTO, StandardCopyOption.COPY_ATTRIBUTES);

        assertEquals(0, result.exitCode(), result.output());
        assertEquals(NOBODY, Files.getAttribute(byNobody, "unix:uid"), "the copy is its copier's");
        assertEquals(0755, (Integer) Files.getAttribute(byNobody, "unix:mode") & 07777, "set-id bits kept");
        assertEquals(06755, (Integer) Files.getAttribute(byRoot, "unix:mode") & 07777, "root's copy keeps them");
        assertArrayEquals(Files.readAllBytes(source), Files.readAllBytes(byNobody));
        assertEquals(06755, (Integer) Files.getAttribute(source, "unix:mode") & 07777, "the source changed");
    }
}
