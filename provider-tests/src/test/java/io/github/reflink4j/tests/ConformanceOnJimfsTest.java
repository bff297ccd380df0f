package io.github.reflink4j.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import io.github.reflink4j.Reflink;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The wrapper's NIO contract over Jimfs, which cannot clone: ALWAYS is unsupported, AUTO copies. */
class ConformanceOnJimfsTest extends ProviderConformanceTest {
    private FileSystem jimfs;

    @Override
    protected Path createWrappedDirectory() throws IOException {
        jimfs = Jimfs.newFileSystem(Configuration.unix().toBuilder()
                .setAttributeViews("basic", "posix", "unix")
                .setWatchServiceConfiguration(com.google.common.jimfs.WatchServiceConfiguration.polling(
                        10, java.util.concurrent.TimeUnit.MILLISECONDS))
                .build());
        return Files.createDirectories(Reflink.wrap(jimfs).getPath("/work"));
    }

    @AfterEach
    void closeJimfs() throws IOException {
        Reflink.wrap(jimfs).close();
    }

    @Test
    void always_isUnsupported_autoAndNever_copyThroughJimfs_andNothingIsLeft() throws IOException {
        Path source = Files.write(root.resolve("source"), new byte[] {1, 2, 3});

        assertThrows(
                ReflinkUnsupportedException.class,
                () -> Files.copy(source, root.resolve("always"), ReflinkCopyOption.ALWAYS));
        Files.copy(source, root.resolve("auto"));
        Files.copy(source, root.resolve("never"), ReflinkCopyOption.NEVER);

        assertFalse(Files.exists(root.resolve("always")));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(root.resolve("auto")));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(root.resolve("never")));
    }
}
