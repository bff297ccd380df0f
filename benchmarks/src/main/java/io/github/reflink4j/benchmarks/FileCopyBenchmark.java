package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One file copied by reflink4j (AUTO and NEVER), by the JDK's Files.copy, and by GNU
 * {@code cp --reflink=auto}, side by side in one run, on the directory given as {@code dir}.
 * Each operation copies into a fresh target, removed after the invocation.
 *
 * <p>{@code shape}: {@code dense} is a file of {@code sizeMiB} random bytes; {@code sparse} is a
 * 4 GiB file holding {@code sizeMiB} of data in four segments, the rest holes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FileCopyBenchmark {
    private static final long GIB = 1L << 30;

    @Param({"/var/tmp/reflink4j-fs/mnt/btrfs"})
    public String dir;

    @Param({"dense"})
    public String shape;

    @Param({"256"})
    public int sizeMiB;

    private Path source;
    private Path target;

    @Setup(Level.Trial)
    public void writeSource() throws IOException {
        source = Path.of(dir, "benchmark-source-" + shape + "-" + sizeMiB);
        target = Path.of(dir, "benchmark-target");
        Files.deleteIfExists(source);
        byte[] chunk = new byte[1 << 20];
        new Random(42).nextBytes(chunk);
        try (FileChannel channel = FileChannel.open(source, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            if (shape.equals("dense")) {
                for (int i = 0; i < sizeMiB; i++) {
                    channel.write(ByteBuffer.wrap(chunk), (long) i << 20);
                }
            } else {
                int perSegment = sizeMiB / 4;
                for (int segment = 0; segment < 4; segment++) {
                    for (int i = 0; i < perSegment; i++) {
                        channel.write(ByteBuffer.wrap(chunk), segment * GIB + ((long) i << 20));
                    }
                }
            }
            channel.force(true);
        }
        if (shape.equals("sparse")) {
            try (RandomAccessFile file = new RandomAccessFile(source.toFile(), "rw")) {
                file.setLength(4 * GIB);
            }
        }
    }

    @TearDown(Level.Invocation)
    public void removeTarget() throws IOException {
        Files.deleteIfExists(target);
    }

    @TearDown(Level.Trial)
    public void removeSource() throws IOException {
        Files.deleteIfExists(source);
    }

    @Benchmark
    public Object reflink4jAuto() throws IOException {
        return Reflink.copy(source, target, ReflinkCopyOption.AUTO);
    }

    @Benchmark
    public Object reflink4jNever() throws IOException {
        return Reflink.copy(source, target, ReflinkCopyOption.NEVER);
    }

    @Benchmark
    public Object jdkFilesCopy() throws IOException {
        return Files.copy(source, target);
    }

    @Benchmark
    public int gnuCpReflinkAuto() throws IOException, InterruptedException {
        return new ProcessBuilder("cp", "--reflink=auto", source.toString(), target.toString())
                .inheritIO()
                .start()
                .waitFor();
    }
}
