package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.reflink4j.linux.DedupeOutcome;
import io.github.reflink4j.linux.Errno;
import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Syscalls#dedupeRange(int, long, long, int[], long[])}: one FIDEDUPERANGE request with
 * several destinations answers for each on its own. An identical destination is shared, a
 * differing one is told so, and two the kernel refuses (a descriptor that only names a file,
 * O_PATH: EBADF; a file on another file system: EXDEV) carry their errno in their outcome while
 * the others succeed. The destinations are opened read-only: the kernel lets root, the owner or a
 * user who may write the file dedupe it (these tests run as root).
 */
class MultiDestinationDedupeTest extends RealFileSystemTest {
    private static final int SIZE = 1 << 20;

    @ParameterizedTest(name = "{0}")
    @EnumSource(
            value = TestFileSystem.class,
            names = {"BTRFS", "XFS"})
    void oneRequest_sharesTheIdenticalDestinations_tellsTheDifferingOne_andRefusesOnlyTheBadOnes(TestFileSystem fs)
            throws IOException, NativeException {
        Path dir = directoryOn(fs);
        Path source = writeRandomFile(dir.resolve("source"), SIZE, 1);
        Path same1 = writeRandomFile(dir.resolve("same-1"), SIZE, 1);
        Path different = writeRandomFile(dir.resolve("different"), SIZE, 2);
        Path pathOnly = writeRandomFile(dir.resolve("path-only"), SIZE, 1);
        Path same2 = writeRandomFile(dir.resolve("same-2"), SIZE, 1);
        Path elsewhere = writeRandomFile(directoryOn(TestFileSystem.EXT4).resolve("elsewhere"), SIZE, 1);
        Syscalls sys = Syscalls.linux();
        int in = sys.openForReading(Syscalls.AT_FDCWD, bytes(source), false);
        int[] targets = {
            sys.openForReading(Syscalls.AT_FDCWD, bytes(same1), false),
            sys.openForReading(Syscalls.AT_FDCWD, bytes(different), false),
            sys.openPath(Syscalls.AT_FDCWD, bytes(pathOnly)),
            sys.openForReading(Syscalls.AT_FDCWD, bytes(elsewhere), false),
            sys.openForReading(Syscalls.AT_FDCWD, bytes(same2), false),
        };
        DedupeOutcome[] outcomes;
        try {
            outcomes = sys.dedupeRange(in, 0, SIZE, targets, new long[targets.length]);
        } finally {
            sys.close(in);
            for (int fd : targets) {
                sys.close(fd);
            }
        }

        assertEquals(targets.length, outcomes.length);
        assertEquals(new DedupeOutcome(SIZE, false, 0), outcomes[0]);
        assertTrue(outcomes[1].differs() && outcomes[1].errno() == 0, outcomes[1].toString());
        assertEquals(0, outcomes[1].bytesDeduplicated());
        assertEquals(Errno.EBADF.value(), outcomes[2].errno(), outcomes[2].toString());
        assertEquals(Errno.EXDEV.value(), outcomes[3].errno(), outcomes[3].toString());
        assertEquals(new DedupeOutcome(SIZE, false, 0), outcomes[4]);
        assertTrue(Extents.allShared(source) && Extents.allShared(same1) && Extents.allShared(same2));
        assertTrue(Extents.noneShared(different) && Extents.noneShared(pathOnly));
        assertArrayEquals(randomBytes(SIZE, 1), Files.readAllBytes(same1));
        assertArrayEquals(randomBytes(SIZE, 2), Files.readAllBytes(different));
    }

    private static byte[] bytes(Path path) {
        return path.toString().getBytes(StandardCharsets.UTF_8);
    }
}
