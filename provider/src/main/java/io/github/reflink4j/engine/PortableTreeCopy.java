package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.ReflinkCopyOption;
import io.github.reflink4j.ReflinkUnsupportedException;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;

/**
 * A tree copy where reflink4j cannot go native (a file system other than the platform's, such
 * as Jimfs, or no native binding): ALWAYS refuses with the reason; AUTO and NEVER walk the tree
 * with {@code Files.walkFileTree} and copy each entry with {@code Files.copy}, one at a time,
 * links as links. Hard links are not kept here.
 */
final class PortableTreeCopy {
    private PortableTreeCopy() {}

    static TreeCopySummary copy(Path source, Path target, TreeCopy settings, String refusal) throws IOException {
        CopyRequest parsed = CopyRequest.parse(ReflinkCopyOption.AUTO, settings.copyOptions());
        if (parsed.mode() == ReflinkCopyOption.ALWAYS) {
            throw new ReflinkUnsupportedException(source.toString(), target.toString(), "clone", refusal);
        }
        if (!Files.isDirectory(source)) {
            throw new NotDirectoryException(source.toString());
        }
        CopyRequest request = new CopyRequest(parsed.mode(), parsed.replaceExisting(), parsed.copyAttributes(), false);
        TreeCopyListener listener = settings.listener();
        List<TreeCopyFailure> failures = new ArrayList<>();
        long[] counts = new long[4]; // files, directories, links, bytes
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path directory, BasicFileAttributes attributes) {
                Path copy = targetOf(source, target, directory);
                try {
                    Files.copy(directory, copy, request.standardOptions());
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    // an existing directory is merged into, also with REPLACE_EXISTING (with which
                    // Files.copy refuses a directory that is not empty)
                    if (!Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
                        return failed(directory, copy, e, FileVisitResult.SKIP_SUBTREE);
                    }
                } catch (IOException e) {
                    return failed(directory, copy, e, FileVisitResult.SKIP_SUBTREE);
                }
                counts[1]++;
                listener.directoryCreated(directory, copy);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                Path copy = targetOf(source, target, file);
                try {
                    CopyResult result = CopyEngine.portableCopy(file, copy, request, refusal);
                    if (attributes.isRegularFile()) {
                        counts[0]++;
                        counts[3] += result.bytes();
                        listener.fileCopied(file, copy, result);
                    } else {
                        counts[2]++;
                    }
                } catch (IOException e) {
                    failed(file, copy, e, FileVisitResult.CONTINUE);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException error) {
                return failed(file, targetOf(source, target, file), error, FileVisitResult.CONTINUE);
            }

            private FileVisitResult failed(Path entry, Path copy, IOException error, FileVisitResult then) {
                failures.add(new TreeCopyFailure(entry, copy, error));
                listener.failed(entry, copy, error);
                return then;
            }
        });
        return new TreeCopySummary(counts[0], counts[1], counts[2], 0, counts[3], failures);
    }

    /** Where an entry goes; by names, so the two trees may be on different file systems. */
    private static Path targetOf(Path source, Path target, Path entry) {
        Path copy = target;
        for (Path name : source.relativize(entry)) {
            if (!name.toString().isEmpty()) {
                copy = copy.resolve(name.toString());
            }
        }
        return copy;
    }
}
