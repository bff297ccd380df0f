package io.github.reflink4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code FilesCopy SOURCE TARGET}: the JDK's own {@code Files.copy} as a whole process, the
 * reference beside {@code reflink cp} and GNU {@code cp} in {@code src/benchmarks.sh}. It loads
 * nothing of reflink4j.
 */
public final class FilesCopy {
    private FilesCopy() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: FilesCopy SOURCE TARGET");
            System.exit(2);
        }
        Files.copy(Path.of(args[0]), Path.of(args[1]));
    }
}
