package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkFailedException;
import io.github.reflink4j.ReflinkFileSystem;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The first way in: {@code FileSystems.newFileSystem(URI.create("reflink:///"), Map.of("mode", ...))}. */
class ReflinkSchemeTest extends RealFileSystemTest {
    private static final URI ROOT = URI.create("reflink:///");
    private FileSystem fs;

    private FileSystem open(String mode) throws IOException {
        fs = FileSystems.newFileSystem(ROOT, Map.of("mode", mode));
        return fs;
    }

    @AfterEach
    void close() throws IOException {
        if (fs != null) {
            fs.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void filesCopy_withAlways_clonesOnBtrfsAndXfs_failsCleanlyElsewhere(TestFileSystem kind) throws IOException {
        Path dir = open("auto").getPath(directoryOn(kind).toString());
        Path source = writeRandomFile(dir.resolve("source"), 300_000, 1);
        Path target = dir.resolve("target");

        if (kind.clones()) {
            Files.copy(source, target, ReflinkCopyOption.ALWAYS);
            assertTrue(
                    Extents.allShared(Path.of(target.toString())),
                    Extents.of(Path.of(target.toString())).toString());
        } else {
            ReflinkFailedException e = assertThrows(
                    ReflinkFailedException.class, () -> Files.copy(source, target, ReflinkCopyOption.ALWAYS));
            assertEquals(target.toString(), e.getOtherFile());
            assertFalse(Files.exists(target));
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(TestFileSystem.class)
    void plainFilesCopy_followsTheFileSystemsMode(TestFileSystem kind) throws IOException {
        Path dir = open("auto").getPath(directoryOn(kind).toString());
        Path source = writeRandomFile(dir.resolve("source"), 300_000, 2);

        Files.copy(source, dir.resolve("auto"));
        assertSameContent(source, dir.resolve("auto"));
        assertEquals(
                kind.clones(), Extents.allShared(Path.of(dir.resolve("auto").toString())));
        fs.close();

        Path neverDir = open("never").getPath(dir.toString());
        Files.copy(neverDir.resolve("source"), neverDir.resolve("never"));
        assertTrue(Extents.noneShared(Path.of(dir.resolve("never").toString())));
        fs.close();

        Path alwaysDir = open("always").getPath(dir.toString());
        if (kind.clones()) {
            Files.copy(alwaysDir.resolve("source"), alwaysDir.resolve("always"));
            assertTrue(Extents.allShared(Path.of(dir.resolve("always").toString())));
        } else {
            assertThrows(
                    ReflinkFailedException.class,
                    () -> Files.copy(alwaysDir.resolve("source"), alwaysDir.resolve("always")));
        }
    }

    @Test
    void pathOfReflinkUri_isAPathOfTheOpenFileSystem_andRoundTrips() throws IOException {
        open("always");
        Path viaUri = Path.of(URI.create("reflink:///var/tmp/caf%C3%A9%20%E2%82%AC.txt"));

        assertSame(fs, viaUri.getFileSystem());
        assertEquals(fs.getPath("/var/tmp/café €.txt"), viaUri);
        assertEquals("reflink", viaUri.toUri().getScheme());
        assertEquals(viaUri, Path.of(viaUri.toUri()));
        assertEquals(ReflinkCopyOption.ALWAYS, ((ReflinkFileSystem) fs).defaultMode());
    }

    @Test
    void secondNewFileSystem_throwsAlreadyExists_untilTheFirstIsClosed() throws IOException {
        open("auto");
        assertThrows(FileSystemAlreadyExistsException.class, () -> FileSystems.newFileSystem(ROOT, Map.of()));
        fs.close();
        assertInstanceOf(ReflinkFileSystem.class, open("never"));
        assertTrue(Files.exists(fs.getPath("/")), "the platform file system must stay open");
    }

    @Test
    void badModeOrUnknownOption_isAnIllegalArgument_naming_theAllowedValues() {
        IllegalArgumentException mode = assertThrows(
                IllegalArgumentException.class, () -> FileSystems.newFileSystem(ROOT, Map.of("mode", "sometimes")));
        IllegalArgumentException key = assertThrows(
                IllegalArgumentException.class, () -> FileSystems.newFileSystem(ROOT, Map.of("Mode", "auto")));

        assertTrue(mode.getMessage().contains("always, auto or never"), mode.getMessage());
        assertTrue(key.getMessage().contains("'Mode'"), key.getMessage());
    }
}
