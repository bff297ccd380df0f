package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.tests.support.Extents;
import io.github.reflink4j.tests.support.ForkedJvm;
import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.Shell;
import io.github.reflink4j.tests.support.TestFileSystem;
import org.junit.jupiter.api.Test;

/**
 * A clone into a new file costs about what it costs in C: open the source, create the target,
 * FICLONE, close both (5 system calls), plus at most one statx. Counted by strace in a forked
 * JVM, on the thread that copies, between two marker system calls (a stat of a unique name)
 * around one {@code Reflink.always} after a warm-up (futex calls, the JVM's own hand-offs between
 * its threads, not counted). The old engine made about 9.
 */
class SystemCallCountTest extends RealFileSystemTest {
    private static final int MOST = 6;
    private static final int ROUNDS = 5;

    @Test
    void oneCloneIntoANewFile_btrfs_takesAtMostSixSystemCalls() throws IOException {
        if (Shell.exec("command -v strace").exitCode() != 0) {
            TestFileSystem.unavailable("strace is missing (Debian package strace: apt-get install -y strace)");
        }
        Path dir = directoryOn(TestFileSystem.BTRFS);
        Path trace = dir.resolve("strace.out");
        String token = UUID.randomUUID().toString();

        ForkedJvm.Result run = ForkedJvm.of(OneCloneProgram.class)
                .launcher("strace", "-f", "-o", trace.toString())
                .run(300, dir.toString(), token);

        if (run.exitCode() != 0 && run.output().contains("ptrace")) {
            TestFileSystem.unavailable("strace cannot trace here: " + run.output());
        }
        assertEquals(0, run.exitCode(), run.output());
        assertTrue(Extents.allShared(dir.resolve("clone-0")), "the measured copy is a clone");
        List<String> lines = Files.readAllLines(trace, StandardCharsets.ISO_8859_1);
        List<List<String>> rounds = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            rounds.add(callsBetween(
                    lines,
                    "/reflink4j-marker-begin-" + round + "-" + token,
                    "/reflink4j-marker-end-" + round + "-" + token));
        }
        List<String> fewest =
                rounds.stream().min(Comparator.comparingInt(List::size)).orElseThrow();
        StringBuilder all = new StringBuilder();
        for (int round = 0; round < ROUNDS; round++) {
            all.append("\nround ")
                    .append(round)
                    .append(", ")
                    .append(rounds.get(round).size())
                    .append(" calls:");
            rounds.get(round).forEach(call -> all.append("\n  ").append(call));
        }
        // the fewest of the rounds, so that a stray call of the JVM's own (a page fault's mmap, a
        // signal) does not count against the engine
        assertTrue(
                fewest.size() <= MOST,
                "at least " + fewest.size() + " system calls for one clone, not at most " + MOST
                        + " (open, open, FICLONE, close, close, and one statx):" + all);
        assertTrue(
                fewest.stream().anyMatch(call -> call.contains("FICLONE") || call.contains("0x40049409")),
                "no FICLONE among the calls:" + all);
    }

    /**
     * The system calls, each once (a call strace split into "unfinished" and "resumed" counts
     * at its start), that the thread which made the begin marker made after it and before the
     * end marker.
     */
    private static List<String> callsBetween(List<String> lines, String begin, String end) {
        String thread = null;
        List<String> calls = new ArrayList<>();
        for (String line : lines) {
            String[] tidAndCall = line.split(" ", 2);
            if (thread == null) {
                if (line.contains(begin)) {
                    thread = tidAndCall[0];
                }
                continue;
            }
            if (!tidAndCall[0].equals(thread) || tidAndCall.length < 2) {
                continue;
            }
            String call = tidAndCall[1].trim();
            if (call.contains(end)) {
                return calls;
            }
            // futex is the JVM's own hand-off between its threads (a method queued for the JIT
            // compiler, a safepoint), which the engine never asks for; under load and with a
            // coverage agent such hand-offs fell in every round, so they are not counted
            if (!call.startsWith("<...")
                    && !call.startsWith("---")
                    && !call.startsWith("+++")
                    && !call.startsWith("futex(")) {
                calls.add(call);
            }
        }
        throw new AssertionError(
                "markers " + begin + " and " + end + " not both found in the trace (" + lines.size() + " lines)");
    }

    /** Run under strace: warms up, then clones fresh 4 KiB files, each between two marker stats. */
    public static final class OneCloneProgram {
        public static void main(String[] args) throws IOException {
            Path dir = Path.of(args[0]);
            String token = args[1];
            Path warm = Files.write(dir.resolve("warm"), randomBytes(4096, 1));
            for (int i = 0; i < 200; i++) {
                Reflink.always(warm, dir.resolve("warm-" + i));
            }
            for (int round = 0; round < ROUNDS; round++) {
                Path fresh = Files.write(dir.resolve("fresh-" + round), randomBytes(4096, round + 2));
                Path clone = dir.resolve("clone-" + round);
                Path begin = Path.of("/reflink4j-marker-begin-" + round + "-" + token);
                Path end = Path.of("/reflink4j-marker-end-" + round + "-" + token);
                boolean marked = Files.exists(begin);
                Reflink.always(fresh, clone);
                marked |= Files.exists(end);
                System.out.println("round " + round + (marked ? ": a marker exists" : ": cloned"));
            }
        }
    }
}
