package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * The native binding loads on first use. Loading reads the library through interruptible
 * channels, so a first use from an interrupted thread once failed the load, and reflink4j stayed
 * without its binding for the rest of the JVM's life. In a fresh JVM: the first call comes from
 * an interrupted thread, which gets the interrupt back; the next call clones.
 */
class FirstUseFromInterruptedThreadTest extends RealFileSystemTest {

    /** Interrupts itself, copies (stopped by the interrupt or not), then clones with the status cleared. */
    public static final class FirstCallInterrupted {
        public static void main(String[] args) throws Exception {
            Thread.currentThread().interrupt();
            try {
                Reflink.auto(Path.of(args[0]), Path.of(args[1]));
                System.out.println("first call: copied");
            } catch (InterruptedIOException e) {
                System.out.println("first call: interrupted");
            }
            System.out.println("still interrupted: " + Thread.interrupted());
            CopyResult second = Reflink.always(Path.of(args[0]), Path.of(args[2]));
            System.out.println("second call: " + second.method());
        }
    }

    @Test
    void aFirstCallFromAnInterruptedThread_keepsTheInterrupt_andDoesNotDisableTheBinding() throws Exception {
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path source = writeRandomFile(dir.resolve("source"), 1 << 20, 4);
        ForkedJvm.Result run = ForkedJvm.of(FirstCallInterrupted.class)
                .run(
                        120,
                        source.toString(),
                        dir.resolve("first").toString(),
                        dir.resolve("second").toString());
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("still interrupted: true"), run.output());
        assertTrue(run.output().contains("second call: " + CopyMethod.CLONE), run.output());
        assertTrue(Extents.allShared(dir.resolve("second")), "filefrag: the second copy shares the source's blocks");
        assertEquals(-1, Files.mismatch(source, dir.resolve("second")));
    }
}
