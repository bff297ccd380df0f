package io.github.reflink4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.github.reflink4j.tests.support.RealFileSystemTest;
import io.github.reflink4j.tests.support.TestFileSystem;
import jnr.ffi.Runtime;
import org.junit.jupiter.api.Test;

/**
 * A signal can interrupt a system call (EINTR); the binding retries it, so that the engine never
 * sees EINTR, except for close, which Linux completes even when it reports EINTR and which must
 * therefore never be repeated (a retry could close a descriptor another thread just opened).
 * Injected: a proxy in front of the real C library answers the first call of each function with
 * -1 and errno EINTR, as an interrupted call does, then lets the calls through to ext4.
 */
class InterruptedSystemCallTest extends RealFileSystemTest {
    private static final Set<String> INTERRUPTED = Set.of(
            "openat",
            "statx",
            "copy_file_range",
            "pread",
            "pwrite",
            "ftruncate",
            "fdatasync",
            "flock",
            "renameat",
            "unlinkat",
            "close");

    private final Map<String, Integer> calls = new HashMap<>();

    private Syscalls interruptedOnce() {
        JnrSyscalls.LibC real = JnrSyscalls.loadLibrary();
        Runtime runtime = Runtime.getRuntime(real);
        JnrSyscalls.LibC proxy = (JnrSyscalls.LibC) Proxy.newProxyInstance(
                JnrSyscalls.LibC.class.getClassLoader(),
                new Class<?>[] {JnrSyscalls.LibC.class},
                (self, method, args) -> {
                    int n = calls.merge(method.getName(), 1, Integer::sum);
                    if (n == 1 && INTERRUPTED.contains(method.getName())) {
                        if (method.getName().equals("close")) {
                            method.invoke(real, args); // Linux closes the descriptor and still says EINTR
                        }
                        runtime.setLastError(Errno.EINTR.value());
                        return method.getReturnType() == long.class ? (Object) (-1L) : (Object) (-1);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return JnrSyscalls.over(proxy, runtime);
    }

    @Test
    void everyCallInterruptedBySignal_isRetried_closeIsNot() throws IOException, NativeException {
        Path dir = directoryOn(TestFileSystem.EXT4);
        byte[] data = randomBytes(100_000, 5);
        Files.write(dir.resolve("source"), data);
        Syscalls sys = interruptedOnce();

        int directory = sys.openDirectory(Syscalls.AT_FDCWD, dir.toString().getBytes(StandardCharsets.UTF_8), true);
        int in = sys.openForReading(directory, bytes("source"), false);
        int out = sys.createExclusive(directory, bytes("copy"), 0600);
        int second = sys.openForReading(directory, bytes("source"), false);
        assertEquals(true, sys.tryLock(out));
        assertEquals(data.length, sys.status(in).size());
        long copied = sys.copyFileRange(in, 0, out, 0, 50_000);
        ByteBuffer buffer = ByteBuffer.allocateDirect(data.length - (int) copied);
        while (buffer.hasRemaining()) {
            sys.pread(in, buffer, copied + buffer.position());
        }
        buffer.flip();
        while (buffer.hasRemaining()) {
            sys.pwrite(out, buffer, copied + buffer.position());
        }
        sys.truncate(out, data.length);
        sys.syncData(out);
        sys.rename(directory, bytes("copy"), directory, bytes("renamed"));
        sys.close(second); // interrupted: closed all the same, and not retried
        // the number may already belong to a file the JVM opened since (a class file): it must not be the source
        assertNotEquals(dir.resolve("source").toString(), openFile(second), "the interrupted close left it open");
        sys.close(out);
        sys.close(in);
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("renamed")));
        sys.unlink(directory, bytes("renamed"), false);
        sys.close(directory);

        for (String function : INTERRUPTED) {
            if (!function.equals("close")) {
                assertEquals(true, calls.getOrDefault(function, 0) >= 2, function + " was not retried: " + calls);
            }
        }
        assertEquals(4, calls.get("close"), "close is called once per descriptor, never again: " + calls);
    }

    /** What the descriptor number names now, or "" when it is closed. */
    private static String openFile(int fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
        } catch (IOException e) {
            return "";
        }
    }

    private static byte[] bytes(String name) {
        return name.getBytes(StandardCharsets.UTF_8);
    }
}
