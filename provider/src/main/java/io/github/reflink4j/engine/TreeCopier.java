package io.github.reflink4j.engine;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.TreeCopy;
import io.github.reflink4j.TreeCopyFailure;
import io.github.reflink4j.TreeCopyListener;
import io.github.reflink4j.TreeCopySummary;
import io.github.reflink4j.linux.FileStatus;
import io.github.reflink4j.linux.LinuxSyscalls;
import io.github.reflink4j.linux.NativeException;

/**
 * Copies a directory tree: scans it, creates the directories (parents first), copies files and
 * links in parallel through {@link CopyEngine}, then gives directories their attributes,
 * deepest first (so that a read-only directory is made read-only only once it is filled, and
 * its times are not bumped by the files created in it). Symbolic links are copied as links and
 * never followed, so nothing outside the tree is read. A failed entry is reported and the copy
 * goes on.
 */
public final class TreeCopier {
    private final Path source;
    private final Path target;
    private final CopyRequest request;
    private final TreeCopyListener listener;
    private final int parallelism;

    private final List<Path> directories = new ArrayList<>();
    private final List<Path> files = new ArrayList<>();
    private final List<Path> links = new ArrayList<>();
    private final List<TreeCopyFailure> failures = Collections.synchronizedList(new ArrayList<>());
    private final Set<Path> failedDirectories = new HashSet<>();
    private final LongAdder filesCopied = new LongAdder();
    private final LongAdder linksCopied = new LongAdder();
    private final LongAdder cloned = new LongAdder();
    private final LongAdder copied = new LongAdder();
    private long totalBytes;

    private TreeCopier(Path source, Path target, TreeCopy settings) {
        this.source = source;
        this.target = target;
        CopyRequest parsed = CopyRequest.parse(io.github.reflink4j.ReflinkCopyOption.AUTO, settings.copyOptions());
        this.request = new CopyRequest(parsed.mode(), parsed.replaceExisting(), parsed.copyAttributes(), false);
        this.listener = settings.listener();
        this.parallelism = settings.parallelism();
    }

    public static TreeCopySummary copy(Path source, Path target, TreeCopy settings) throws IOException {
        if (!Files.isDirectory(source)) {
            throw new NotDirectoryException(source.toString());
        }
        refuseTargetInsideSource(source, target);
        return new TreeCopier(source, target, settings).run();
    }

    private TreeCopySummary run() throws IOException {
        scan();
        listener.started(files.size(), totalBytes);
        for (Path directory : directories) {
            createDirectory(directory);
        }
        copyFilesAndLinks();
        List<Path> deepestFirst = new ArrayList<>(directories);
        Collections.reverse(deepestFirst);
        for (Path directory : deepestFirst) {
            if (!failedDirectories.contains(directory)) {
                applyDirectoryAttributes(directory);
            }
        }
        return new TreeCopySummary(filesCopied.sum(), directories.size() - failedDirectories.size(),
                linksCopied.sum(), cloned.sum(), copied.sum(), failures);
    }

    private void scan() throws IOException {
        Files.walkFileTree(source, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
                directories.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    files.add(file);
                    totalBytes += attributes.size();
                } else {
                    links.add(file); // symbolic links and special files: copied as they are
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException error) {
                fail(file, error);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException error) {
                if (error != null) {
                    fail(dir, error);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void createDirectory(Path directory) {
        if (insideFailedDirectory(directory)) {
            failedDirectories.add(directory);
            return;
        }
        Path copy = targetOf(directory);
        try {
            Files.createDirectory(copy);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(copy, LinkOption.NOFOLLOW_LINKS)) {
                failedDirectories.add(directory);
                fail(directory, e);
            }
        } catch (IOException e) {
            failedDirectories.add(directory);
            fail(directory, e);
        }
    }

    private void copyFilesAndLinks() throws IOException {
        AtomicInteger threads = new AtomicInteger();
        ExecutorService workers = Executors.newFixedThreadPool(parallelism, task -> {
            Thread thread = new Thread(task, "reflink4j-tree-copy-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            List<Future<?>> tasks = new ArrayList<>(files.size() + links.size());
            for (Path file : files) {
                if (!insideFailedDirectory(file.getParent())) {
                    tasks.add(workers.submit(() -> copyFile(file)));
                }
            }
            for (Path link : links) {
                if (!insideFailedDirectory(link.getParent())) {
                    tasks.add(workers.submit(() -> copyLink(link)));
                }
            }
            for (Future<?> task : tasks) {
                task.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("tree copy interrupted");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            workers.shutdownNow();
        }
    }

    private void copyFile(Path file) {
        Path copy = targetOf(file);
        try {
            CopyResult result = CopyEngine.copy(file, copy, request);
            filesCopied.increment();
            cloned.add(result.clonedBytes());
            copied.add(result.copiedBytes());
            listener.fileCopied(file, copy, result);
        } catch (IOException e) {
            fail(file, e);
        }
    }

    private void copyLink(Path link) {
        try {
            CopyEngine.copy(link, targetOf(link), request);
            linksCopied.increment();
        } catch (IOException e) {
            fail(link, e);
        }
    }

    /** Permission bits always; owner, xattrs and times with COPY_ATTRIBUTES, as for files. */
    private void applyDirectoryAttributes(Path directory) {
        Path copy = targetOf(directory);
        try {
            if (CopyEngine.nativeRefusal(directory, copy) != null) {
                if (request.copyAttributes()) {
                    BasicFileAttributes attributes = Files.readAttributes(directory, BasicFileAttributes.class);
                    Files.getFileAttributeView(copy, BasicFileAttributeView.class).setTimes(
                            attributes.lastModifiedTime(), attributes.lastAccessTime(), null);
                }
                return;
            }
            try (OpenFile in = OpenFile.forReading(directory, false, copy);
                 OpenFile out = OpenFile.forReading(copy, false, directory)) {
                FileStatus status;
                try {
                    status = LinuxSyscalls.status(in.fd);
                } catch (NativeException e) {
                    throw Failures.translate(e, directory, copy);
                }
                AttributeCopier.apply(in.fd, status, out.fd, request.copyAttributes(), directory, copy);
            }
        } catch (IOException e) {
            fail(directory, e);
        }
    }

    private boolean insideFailedDirectory(Path path) {
        for (Path p = path; p != null && p.startsWith(source); p = p.getParent()) {
            if (failedDirectories.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private void fail(Path entry, IOException error) {
        Path copy = targetOf(entry);
        failures.add(new TreeCopyFailure(entry, copy, error));
        listener.failed(entry, copy, error);
    }

    /** Where an entry of the source tree goes; by names, so the two trees may be on different file systems. */
    private Path targetOf(Path entry) {
        Path copy = target;
        for (Path name : source.relativize(entry)) {
            if (!name.toString().isEmpty()) {
                copy = copy.resolve(name.toString());
            }
        }
        return copy;
    }

    private static void refuseTargetInsideSource(Path source, Path target) throws IOException {
        Path realSource = source.toRealPath();
        Path existing = target.toAbsolutePath().normalize();
        Path rest = existing.getFileSystem().getPath("");
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            rest = existing.getFileName().resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null || existing.getFileSystem() != realSource.getFileSystem()) {
            return;
        }
        Path realTarget = existing.toRealPath().resolve(rest).normalize();
        if (realTarget.startsWith(realSource)) {
            throw new FileSystemException(source.toString(), target.toString(),
                    "the target is inside the source tree: the copy would copy itself without end");
        }
    }
}
