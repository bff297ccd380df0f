package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.TreeCopyListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr, never on stdout: files and bytes done, the rate, and the time left.
 * A tree copy streams and knows no total up front, so the total is estimated by counting the
 * source concurrently on a thread of its own (marked "+" while that count is still going); the
 * count starts only once the bar shows. Shown at once with --progress; otherwise only when
 * stderr is a terminal and the copy runs for more than a second.
 */
final class ProgressDisplay implements TreeCopyListener, AutoCloseable {
    private static final long MIB = 1 << 20;

    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong totalFiles = new AtomicLong();
    private final AtomicLong totalBytes = new AtomicLong();
    private final AtomicInteger countsRunning = new AtomicInteger();
    private final ScheduledExecutorService timer;
    private final List<Path> toCount = new ArrayList<>();
    private final String task;
    private ProgressBar bar;

    private ProgressDisplay(boolean immediately, String task) {
        this.task = task;
        timer = Executors.newScheduledThreadPool(1, runnable -> {
            Thread thread = new Thread(runnable, "reflink-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.schedule(this::show, immediately ? 0 : 1000, TimeUnit.MILLISECONDS);
    }

    /** A display per the user's wish: forced on, or automatic; null when it can never show. */
    static ProgressDisplay create(boolean forced, boolean json) {
        return create(forced, json, "Copying");
    }

    /** The same, for a {@code task} other than copying ("Deduplicating"). */
    static ProgressDisplay create(boolean forced, boolean json, String task) {
        if (forced) {
            return new ProgressDisplay(true, task);
        }
        boolean interactive = System.console() != null && !json;
        return interactive ? new ProgressDisplay(false, task) : null;
    }

    /** More files of known size to work on (a single-file argument of cp; a dedupe's candidates). */
    void addWork(long moreFiles, long moreBytes) {
        totalFiles.addAndGet(moreFiles);
        totalBytes.addAndGet(moreBytes);
        update();
    }

    /**
     * Counts the regular files under {@code tree} concurrently, for the estimate of what is left;
     * once the bar shows, so a quick copy costs no count.
     */
    synchronized void countInBackground(Path tree) {
        countsRunning.incrementAndGet();
        if (bar == null) {
            toCount.add(tree);
        } else {
            startCount(tree);
        }
    }

    private void startCount(Path tree) {
        Thread counter = new Thread(
                () -> {
                    try {
                        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                            @Override
                            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                                if (attributes.isRegularFile()) {
                                    totalFiles.incrementAndGet();
                                    totalBytes.addAndGet(attributes.size());
                                }
                                return FileVisitResult.CONTINUE;
                            }

                            @Override
                            public FileVisitResult visitFileFailed(Path file, IOException error) {
                                return FileVisitResult.CONTINUE; // the copy reports it; the count only estimates
                            }
                        });
                    } catch (IOException e) {
                        // the estimate stays what was counted; the copy reports the error
                    } finally {
                        countsRunning.decrementAndGet();
                        update();
                    }
                },
                "reflink-progress-count");
        counter.setDaemon(true);
        counter.start();
    }

    @Override
    public void fileCopied(Path source, Path target, CopyResult result) {
        done(1, result.bytes());
    }

    /** Files and bytes done (or set aside, by a dedupe). */
    void done(long moreFiles, long moreBytes) {
        files.addAndGet(moreFiles);
        bytes.addAndGet(moreBytes);
        update();
    }

    @Override
    public void failed(Path source, Path target, IOException error) {
        files.incrementAndGet();
        update();
    }

    private synchronized void show() {
        if (bar == null) {
            bar = Bars.onStandardError(task, Math.max(1, totalBytes.get() / MIB));
            toCount.forEach(this::startCount);
            toCount.clear();
            update();
        }
    }

    private synchronized void update() {
        if (bar != null) {
            long done = bytes.get() / MIB;
            bar.maxHint(Math.max(Math.max(1, done), totalBytes.get() / MIB));
            bar.stepTo(done);
            long total = Math.max(files.get(), totalFiles.get());
            bar.setExtraMessage(" " + files.get() + "/" + total + (countsRunning.get() > 0 ? "+" : "") + " files");
        }
    }

    /**
     * Makes the bar; a class of its own, so that the progress bar library is loaded only when a
     * bar shows (the JVM's verifier loads the classes a method assigns to each other with its class).
     */
    private static final class Bars {
        static ProgressBar onStandardError(String task, long maxMiB) {
            return new ProgressBarBuilder()
                    .setTaskName(task)
                    .setInitialMax(maxMiB)
                    .setUnit(" MiB", 1)
                    .showSpeed()
                    .setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(
                            new PrintStream(System.err, true, ReflinkCommand.charsetOf("sun.stderr.encoding"))))
                    .build();
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (bar != null) {
            bar.maxHint(Math.max(1, bytes.get() / MIB));
            bar.stepTo(Math.max(1, bytes.get() / MIB));
            bar.setExtraMessage(" " + files.get() + " files");
            bar.close();
        }
    }
}
