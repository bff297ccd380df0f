package io.github.reflink4j;

import java.util.Objects;

/**
 * The settings of a {@link Reflink#dedupeTree tree dedupe}: who follows the progress, how many
 * threads read and ask the kernel at once, and whether to change anything at all. Immutable;
 * each setter returns a new value.
 *
 * <pre>{@code
 * TreeDedupeSummary s = Reflink.dedupeTree(List.of(Path.of("/srv/images")), TreeDedupe.options()
 *         .parallelism(2)
 *         .listener(progress)
 *         .dryRun(false));
 * }</pre>
 */
public final class TreeDedupe {
    private final int parallelism;
    private final TreeDedupeListener listener;
    private final boolean dryRun;

    private TreeDedupe(int parallelism, TreeDedupeListener listener, boolean dryRun) {
        this.parallelism = parallelism;
        this.listener = listener;
        this.dryRun = dryRun;
    }

    /**
     * One thread per core, no listener, a real run.
     *
     * @return the default settings, to change with the methods below
     */
    public static TreeDedupe options() {
        return new TreeDedupe(Runtime.getRuntime().availableProcessors(), TreeDedupeListener.SILENT, false);
    }

    /**
     * How many groups of candidates are probed, hashed and deduplicated at once (at least 1).
     *
     * @param threads the number of groups worked on at once
     * @return these settings with that parallelism
     * @throws IllegalArgumentException for fewer than one thread
     */
    public TreeDedupe parallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + threads);
        }
        return new TreeDedupe(threads, listener, dryRun);
    }

    /**
     * The listener told of each step as the run goes; called from the run's threads.
     *
     * @param progress the listener
     * @return these settings with that listener
     */
    public TreeDedupe listener(TreeDedupeListener progress) {
        return new TreeDedupe(parallelism, Objects.requireNonNull(progress, "listener"), dryRun);
    }

    /**
     * A dry run changes nothing and asks the kernel nothing: it reads the candidates in full
     * (CRC32C) to tell which are identical and reports them through
     * {@link TreeDedupeListener#wouldDedupe}; its summary counts the bytes that would be shared.
     *
     * @param onlyList true for a dry run
     * @return these settings with a dry run or a real one
     */
    public TreeDedupe dryRun(boolean onlyList) {
        return new TreeDedupe(parallelism, listener, onlyList);
    }

    /**
     * How many groups are worked on at once.
     *
     * @return the number of threads
     */
    public int parallelism() {
        return parallelism;
    }

    /**
     * The listener of the run.
     *
     * @return the listener, {@link TreeDedupeListener#SILENT} unless set
     */
    public TreeDedupeListener listener() {
        return listener;
    }

    /**
     * Whether the run only lists what it would deduplicate.
     *
     * @return the value set by {@link #dryRun(boolean)}
     */
    public boolean isDryRun() {
        return dryRun;
    }
}
