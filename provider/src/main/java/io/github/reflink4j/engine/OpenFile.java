package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.Path;

import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;

/** A descriptor this copy opened and must close, for try-with-resources. */
final class OpenFile implements AutoCloseable {
    final int fd;
    private final Path path;
    private boolean closed;

    private OpenFile(int fd, Path path) {
        this.fd = fd;
        this.path = path;
    }

    static OpenFile forReading(Path path, boolean followLinks, Path other) throws IOException {
        try {
            return new OpenFile(LinuxSyscalls.openForReading(path.toAbsolutePath().toString(), followLinks), path);
        } catch (NativeException e) {
            throw Failures.translate(e, path, other);
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                LinuxSyscalls.close(fd);
            } catch (NativeException e) {
                throw Failures.translate(e, path, null);
            }
        }
    }
}
