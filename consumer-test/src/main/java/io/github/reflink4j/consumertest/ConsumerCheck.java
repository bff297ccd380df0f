package io.github.reflink4j.consumertest;

import io.github.reflink4j.CopyMethod;
import io.github.reflink4j.CopyResult;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import java.io.IOException;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.spi.FileSystemProvider;
import java.util.Map;
import java.util.Random;

/**
 * Uses reflink4j's public API as an application would, in a directory on a file system that
 * clones (btrfs), and fails with an exception on the first thing that is not as documented.
 * It prints what the caller checks from outside: the module reflink4j was loaded as, the
 * native binding, and the files that must share all their blocks (for {@code filefrag}).
 *
 * <pre>{@code
 * java --enable-native-access=ALL-UNNAMED -cp consumer.jar:lib/* \
 *     io.github.reflink4j.consumertest.ConsumerCheck /mnt/btrfs/scratch
 * }</pre>
 */
public final class ConsumerCheck {
    private static final int SIZE = 1 << 20;

    private ConsumerCheck() {}

    /**
     * Runs the checks.
     *
     * @param args one argument: an empty directory on a file system that clones
     * @throws IOException if a copy fails
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: ConsumerCheck EMPTY_DIRECTORY_ON_BTRFS");
        }
        Path directory = Path.of(args[0]).toAbsolutePath();
        Path source = directory.resolve("source.bin");
        byte[] data = new byte[SIZE];
        new Random(20261126L).nextBytes(data);
        Files.write(source, data);

        // the facade
        Path byReflinkCopy = directory.resolve("by-reflink-copy.bin");
        CopyResult result = Reflink.copy(source, byReflinkCopy, ReflinkCopyOption.ALWAYS);
        check(result.method() == CopyMethod.CLONE, "Reflink.copy(ALWAYS) did not clone: " + result);
        check(result.bytes() == SIZE, "Reflink.copy reported " + result.bytes() + " bytes, not " + SIZE);
        sameContent(source, byReflinkCopy);

        // the provider, found by its scheme the way FileSystems finds it: through META-INF/services
        // on the class path, through the module's "provides" on the module path
        boolean installed = FileSystemProvider.installedProviders().stream()
                .anyMatch(provider -> "reflink".equals(provider.getScheme()));
        check(installed, "no installed FileSystemProvider has the scheme reflink");
        Path byFilesCopy = directory.resolve("by-files-copy.bin");
        try (FileSystem reflink = FileSystems.newFileSystem(URI.create("reflink:///"), Map.of("mode", "always"))) {
            Files.copy(reflink.getPath(source.toString()), reflink.getPath(byFilesCopy.toString()),
                    ReflinkCopyOption.ALWAYS);
        }
        sameContent(source, byFilesCopy);
        check(Files.readAllBytes(source).length == SIZE, "the source changed");

        Module module = Reflink.class.getModule();
        System.out.println("reflink4j-module=" + (module.isNamed() ? module.getName() : "unnamed"));
        System.out.println("binding=" + Reflink.nativeBinding()
                .orElseThrow(() -> new IllegalStateException("reflink4j has no native binding")));
        System.out.println("shared=" + source);
        System.out.println("shared=" + byReflinkCopy);
        System.out.println("shared=" + byFilesCopy);
    }

    private static void sameContent(Path expected, Path actual) throws IOException {
        long mismatch = Files.mismatch(expected, actual);
        check(mismatch == -1, actual + " differs from " + expected + " at byte " + mismatch);
    }

    private static void check(boolean condition, String failure) {
        if (!condition) {
            throw new IllegalStateException(failure);
        }
    }
}
