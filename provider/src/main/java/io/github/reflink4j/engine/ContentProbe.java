package io.github.reflink4j.engine;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

import io.github.reflink4j.linux.NativeException;
import io.github.reflink4j.linux.Syscalls;

/**
 * Cheap and full fingerprints of a file's content, read with pread into a direct buffer and
 * summed with CRC32C (a JDK intrinsic). A fingerprint only separates files that certainly differ:
 * files with equal fingerprints are still compared by the kernel, byte for byte, before anything
 * is shared, so a collision costs a request and never a byte.
 */
final class ContentProbe {
    /** The size of each probed block. */
    static final int BLOCK = 4096;
    /** Files up to this size are probed whole. */
    private static final int WHOLE = 5 * BLOCK;
    /** Where the blocks between the first and the last are sampled, as fractions of the size. */
    private static final int[] SAMPLES_IN_EIGHTHS = {2, 4, 6};
    /** The buffer a thread reads with; {@link #checksum} reads this much per pread. */
    static final int BUFFER = 1 << 20;

    private static final ThreadLocal<ByteBuffer> BUFFERS =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BUFFER));

    private ContentProbe() {}

    /**
     * The CRC32C of the file's first and last blocks and three blocks sampled between them (of the
     * whole file when it is small): five preads, whatever the size.
     */
    static long probe(Syscalls sys, int fd, long size) throws NativeException {
        CRC32C crc = new CRC32C();
        if (size <= WHOLE) {
            read(sys, fd, 0, (int) size, crc);
        } else {
            read(sys, fd, 0, BLOCK, crc);
            for (int eighths : SAMPLES_IN_EIGHTHS) {
                read(sys, fd, size / 8 * eighths / BLOCK * BLOCK, BLOCK, crc);
            }
            read(sys, fd, size - BLOCK, BLOCK, crc);
        }
        return crc.getValue();
    }

    /** The CRC32C of the whole file. */
    static long checksum(Syscalls sys, int fd, long size) throws NativeException {
        CRC32C crc = new CRC32C();
        for (long offset = 0; offset < size; offset += BUFFER) {
            read(sys, fd, offset, (int) Math.min(BUFFER, size - offset), crc);
        }
        return crc.getValue();
    }

    /** Whether {@code length} bytes at {@code offset} of two files are equal (length at most {@link #BUFFER}). */
    static boolean sameBytes(Syscalls sys, int a, int b, long offset, int length) throws NativeException {
        ByteBuffer first = BUFFERS.get();
        fill(sys, a, offset, length, first);
        ByteBuffer firstBytes = first.duplicate();
        // the second file's bytes go to the heap: the thread's one direct buffer holds the first's
        ByteBuffer second = ByteBuffer.allocate(length);
        while (second.hasRemaining()) {
            int n = sys.pread(b, second, offset + second.position());
            if (n <= 0) {
                return false; // shorter than listed: not the same
            }
        }
        second.flip();
        return firstBytes.equals(second) && first.limit() == length;
    }

    private static void read(Syscalls sys, int fd, long offset, int length, CRC32C crc) throws NativeException {
        ByteBuffer buffer = BUFFERS.get();
        fill(sys, fd, offset, length, buffer);
        crc.update(buffer);
    }

    /** Reads {@code length} bytes at {@code offset} into the buffer, flipped for reading; fewer at EOF. */
    private static void fill(Syscalls sys, int fd, long offset, int length, ByteBuffer buffer) throws NativeException {
        buffer.clear().limit(length);
        while (buffer.hasRemaining()) {
            int n = sys.pread(fd, buffer, offset + buffer.position());
            if (n <= 0) {
                break;
            }
        }
        buffer.flip();
    }
}
