package io.github.reflink4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.github.reflink4j.CopyResult;
import io.github.reflink4j.TreeCopyListener;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr (files, bytes, rate, time left), never on stdout. Shown at once with
 * --progress; otherwise only when stderr is a terminal and the copy runs for more than a second.
 */
final class ProgressDisplay implements TreeCopyListener, AutoCloseable {
    private static final long MIB = 1 << 20;

    private final AtomicLong files = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final ScheduledExecutorService timer;
    private volatile long totalFiles;
    private volatile long totalBytes;
    private ProgressBar bar;

    private ProgressDisplay(boolean immediately) {
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "reflink-progress");
            thread.setDaemon(true);
            return thread;
        });
        timer.schedule(this::show, immediately ? 0 : 1000, TimeUnit.MILLISECONDS);
    }

    /** A display per the user's wish: forced on, or automatic; null when it can never show. */
    static ProgressDisplay create(boolean forced, boolean json) {
        if (forced) {
            return new ProgressDisplay(true);
        }
        boolean interactive = System.console() != null && !json;
        return interactive ? new ProgressDisplay(false) : null;
    }

    void addWork(long moreFiles, long moreBytes) {
        totalFiles += moreFiles;
        totalBytes += moreBytes;
        update();
    }

    @Override
    public void fileCopied(Path source, Path target, CopyResult result) {
        files.incrementAndGet();
        bytes.addAndGet(result.bytes());
        update();
    }

    @Override
    public void failed(Path source, Path target, IOException error) {
        files.incrementAndGet();
        update();
    }

    private synchronized void show() {
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName("Copying").setInitialMax(Math.max(1, totalBytes / MIB))
                    .setUnit(" MiB", 1).showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(new PrintStream(System.err, true))).build();
            update();
        }
    }

    private synchronized void update() {
        if (bar != null) {
            bar.maxHint(Math.max(1, totalBytes / MIB));
            bar.stepTo(bytes.get() / MIB);
            bar.setExtraMessage(" " + files.get() + "/" + totalFiles + " files");
        }
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        if (bar != null) {
            bar.stepTo(Math.max(1, totalBytes / MIB));
            bar.close();
        }
    }
}
