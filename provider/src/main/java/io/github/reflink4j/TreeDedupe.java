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

    /** One thread per core, no listener, a real run. */
    public static TreeDedupe options() {
        return new TreeDedupe(Runtime.getRuntime().availableProcessors(), TreeDedupeListener.SILENT, false);
    }

    /** How many groups of candidates are probed, hashed and deduplicated at once (at least 1). */
    public TreeDedupe parallelism(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + threads);
        }
        return new TreeDedupe(threads, listener, dryRun);
    }

    public TreeDedupe listener(TreeDedupeListener progress) {
        return new TreeDedupe(parallelism, Objects.requireNonNull(progress, "listener"), dryRun);
    }

    /**
     * A dry run changes nothing and asks the kernel nothing: it reads the candidates in full
     * (CRC32C) to tell which are identical and reports them through
     * {@link TreeDedupeListener#wouldDedupe}; its summary counts the bytes that would be shared.
     */
    public TreeDedupe dryRun(boolean onlyList) {
        return new TreeDedupe(parallelism, listener, onlyList);
    }

    public int parallelism() {
        return parallelism;
    }

    public TreeDedupeListener listener() {
        return listener;
    }

    public boolean isDryRun() {
        return dryRun;
    }
}
