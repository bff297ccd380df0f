package io.github.reflink4j.tests.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;

/** A path of a file system other than any under test: a Jimfs of its own, the same in every variant. */
final class ForeignPaths {
    private static final FileSystem FOREIGN = create();

    private ForeignPaths() {}

    private static FileSystem create() {
        FileSystem fileSystem = Jimfs.newFileSystem("foreign", Configuration.unix());
        try {
            Files.createDirectories(fileSystem.getPath("/foreign"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fileSystem;
    }

    /** {@code /foreign/copied} of the foreign file system (the argument only documents where it is used). */
    static Path of(Path underTest) {
        return FOREIGN.getPath("/foreign/copied");
    }
}
