package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.github.reflink4j.Reflink;
import io.github.reflink4j.TreeCopy;
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
 * A tree of {@code files} files of 8 KiB in directories of 100, copied by reflink4j's copyTree
 * (one worker per core, and one worker), by a JDK walk calling Files.copy per file, and by GNU
 * {@code cp -r --reflink=auto}, side by side, on the directory {@code dir}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TreeCopyBenchmark {
    @Param({"/var/tmp/reflink4j-fs/mnt/btrfs"})
    public String dir;

    @Param({"10000"})
    public int files;

    private Path source;
    private Path target;

    @Setup(Level.Trial)
    public void writeTree() throws IOException, InterruptedException {
        source = Path.of(dir, "benchmark-tree");
        target = Path.of(dir, "benchmark-tree-copy");
        delete(source);
        byte[] data = new byte[8192];
        Random random = new Random(1);
        for (int i = 0; i < files; i++) {
            Path directory = Files.createDirectories(source.resolve("d" + i / 100));
            random.nextBytes(data);
            Files.write(directory.resolve("f" + i), data);
        }
        new ProcessBuilder("sync").inheritIO().start().waitFor(60, TimeUnit.SECONDS);
    }

    @TearDown(Level.Invocation)
    public void removeCopy() throws IOException {
        delete(target);
    }

    @TearDown(Level.Trial)
    public void removeTree() throws IOException {
        delete(source);
    }

    @Benchmark
    public Object reflink4jCopyTree() throws IOException {
        return Reflink.copyTree(source, target);
    }

    @Benchmark
    public Object reflink4jCopyTreeOneWorker() throws IOException {
        return Reflink.copyTree(source, target, TreeCopy.options().parallelism(1));
    }

    @Benchmark
    public long jdkWalkAndFilesCopy() throws IOException {
        try (Stream<Path> walk = Files.walk(source)) {
            long copied = 0;
            for (Path path : (Iterable<Path>) walk::iterator) {
                Files.copy(path, target.resolve(source.relativize(path).toString()));
                copied++;
            }
            return copied;
        }
    }

    @Benchmark
    public int gnuCpRecursiveReflinkAuto() throws IOException, InterruptedException {
        return new ProcessBuilder("cp", "-r", "--reflink=auto", source.toString(), target.toString())
                .inheritIO()
                .start()
                .waitFor();
    }

    private static void delete(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path path : all) {
                Files.delete(path);
            }
        }
    }
}
