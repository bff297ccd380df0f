package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

import io.github.reflink4j.tests.support.OverlayMount;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The overlay a test mounts itself ({@link OverlayMount}): whatever the test did, closing it
 * leaves no mount on the file system below, which would keep that file system busy for every
 * later test and for {@code src/test-filesystems.sh --unmount}.
 */
class OverlayMountTest extends RealFileSystemTest {

    @Test
    void close_whileAFileInTheOverlayIsOpen_detachesItAnyway_andFailsSayingSo() throws IOException {
        OverlayMount overlay = OverlayMount.in(directoryOn(TestFileSystem.XFS));
        Path root = overlay.mount();
        Path file = writeRandomFile(root.resolve("held-open.bin"), 8192, 1);

        AssertionError failure;
        try (FileChannel open = FileChannel.open(file)) {
            failure = assertThrows(AssertionError.class, overlay::close);
            assertNotEquals(
                    0,
                    Shell.exec("mountpoint -q \"$1\"", root.toString()).exitCode(),
                    root + " is still a mount point while the file is open");
        }

        assertTrue(
                failure.getMessage().contains("cannot unmount the overlay at " + root)
                        && failure.getMessage().contains("detached it (umount -l)"),
                failure.getMessage());
        assertNotEquals(0, Shell.exec("mountpoint -q \"$1\"", root.toString()).exitCode(), root + " is still mounted");
    }
}
