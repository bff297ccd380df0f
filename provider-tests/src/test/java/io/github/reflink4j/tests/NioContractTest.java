package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import com.sun.nio.file.ExtendedCopyOption;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/** Where a wrapped path must behave exactly as the platform's own: each case run on both. */
class NioContractTest extends RealFileSystemTest {

    /** Guards {@code Files.isSameFile(path, null)}: a NullPointerException, as the platform throws. */
    @Test
    void isSameFile_withNull_throwsNullPointerException_likeThePlatform() throws IOException {
        Path plain = writeRandomFile(directoryOn(TestFileSystem.BTRFS).resolve("a"), 100, 1);
        Path wrapped = Reflink.wrap(plain);
        try {
            assertThrows(NullPointerException.class, () -> Files.isSameFile(plain, null));
            assertThrows(NullPointerException.class, () -> Files.isSameFile(wrapped, null));
        } finally {
            wrapped.getFileSystem().close(); // the reflink:/// wrapper, which other tests open anew
        }
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
        try {
            Path copy = Files.copy(wrapped, wrapped.resolveSibling("by-reflink4j"), ExtendedCopyOption.INTERRUPTIBLE);

            assertSameContent(plain, dir.resolve("by-reflink4j"));
            assertEquals(true, Extents.allShared(dir.resolve("by-reflink4j")), copy.toString());
        } finally {
            wrapped.getFileSystem().close();
        }
    }

    /** Guards the enum's text: its name, as for every enum, in log lines and debuggers. */
    @Test
    void reflinkCopyOption_toString_isItsName() {
        for (ReflinkCopyOption mode : ReflinkCopyOption.values()) {
            assertEquals(mode.name(), mode.toString());
        }
    }
}
