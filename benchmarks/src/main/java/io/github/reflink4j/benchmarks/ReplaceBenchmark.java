package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * The cost of a durable replacement: an existing target replaced with {@code REPLACE_EXISTING}
 * by reflink4j (which flushes copied data with fdatasync before renaming it over the target, and
 * flushes nothing after a clone), by the JDK's Files.copy (which deletes the target, copies, and
 * flushes nothing), by Files.copy followed by {@code force(true)} (the JDK made durable), and by
 * GNU {@code cp -f} (no flush), side by side in one run on {@code dir}. Before each operation
 * the target is rewritten and the page cache flushed ({@code sync}), so every variant starts
 * from the same clean state.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ReplaceBenchmark -p dir=$M/ext4,$M/xfs
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 8)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class ReplaceBenchmark {
    @Param({"/var/tmp/reflink4j-fs/mnt/ext4"})
    public String dir;

    @Param({"64"})
    public int sizeMiB;

    private Path source;
    private Path target;
    private byte[] chunk;

    @Setup(Level.Trial)
    public void writeSource() throws IOException {
        source = Path.of(dir, "replace-benchmark-source");
        target = Path.of(dir, "replace-benchmark-target");
        chunk = new byte[1 << 20];
        new Random(42).nextBytes(chunk);
        write(source, 0);
    }

    /** A fresh existing target with other bytes, on disk, before each replacement. */
    @Setup(Level.Invocation)
    public void writeTarget() throws IOException, InterruptedException {
        Files.deleteIfExists(target);
        write(target, 1);
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    private void write(Path file, int salt) throws IOException {
        Files.deleteIfExists(file);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < sizeMiB; i++) {
                chunk[0] = (byte) (i + salt);
                channel.write(ByteBuffer.wrap(chunk), (long) i << 20);
            }
            channel.force(true);
        }
    }

    @TearDown(Level.Trial)
    public void removeFiles() throws IOException {
        Files.deleteIfExists(source);
        Files.deleteIfExists(target);
    }

    @Benchmark
    public Object reflink4jAuto() throws IOException {
        return Reflink.copy(source, target, ReflinkCopyOption.AUTO, StandardCopyOption.REPLACE_EXISTING);
    }

    @Benchmark
    public Object reflink4jNever() throws IOException {
        return Reflink.copy(source, target, ReflinkCopyOption.NEVER, StandardCopyOption.REPLACE_EXISTING);
    }

    @Benchmark
    public Object jdkFilesCopy() throws IOException {
        return Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
    }

    @Benchmark
    public Object jdkFilesCopyThenForce() throws IOException {
        Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        return target;
    }

    @Benchmark
    public int gnuCpForce() throws IOException, InterruptedException {
        return new ProcessBuilder("cp", "-f", "--reflink=auto", source.toString(), target.toString())
                .inheritIO()
                .start()
                .waitFor();
    }
}
