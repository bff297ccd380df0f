package io.github.reflink4j.cli;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The regular files under a path (the path itself when it is one), links not followed; what
 * cannot be read is reported through {@link Output#fail} and the walk goes on.
 */
final class RegularFiles {
    /** What to do with each regular file. */
    interface Action {
        void accept(Path file, BasicFileAttributes attributes);
    }

    private RegularFiles() {}

    static void forEach(Path root, Output output, Action action) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    if (attributes.isRegularFile()) {
                        action.accept(file, attributes);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    output.fail(file, null, e);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            output.fail(root, null, e);
        }
    }
}
