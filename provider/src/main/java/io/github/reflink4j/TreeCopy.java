package io.github.reflink4j;

import java.nio.file.CopyOption;
import java.util.Objects;

/**
 * The settings of a {@link Reflink#copyTree tree copy}, beyond its copy options: how many files
 * are copied at once, who follows the progress, and whether hard links are kept. Immutable; each
 * setter returns a new value.
 *
 * <pre>{@code
 * Reflink.copyTree(source, target, TreeCopy.options()
 *         .parallelism(8)
 *         .listener(progress)
 *         .preserveHardLinks(true)
 *         .copyOptions(ReflinkCopyOption.ALWAYS, StandardCopyOption.COPY_ATTRIBUTES));
 * }</pre>
 */
public final class TreeCopy {
    private final int parallelism;
    private final TreeCopyListener listener;
    private final CopyOption[] copyOptions;
    private final boolean preserveHardLinks;

    private TreeCopy(int parallelism, TreeCopyListener listener, CopyOption[] copyOptions, boolean preserveHardLinks) {
        this.parallelism = parallelism;
        this.listener = listener;
        this.copyOptions = copyOptions;
        this.preserveHardLinks = preserveHardLinks;
    }

    /**
     * One worker per core, no listener, mode AUTO, hard links not kept.
     *
     * @return the default settings, to change with the methods below
     */
    public static TreeCopy options() {
        return new TreeCopy(
                Runtime.getRuntime().availableProcessors(), TreeCopyListener.SILENT, new CopyOption[0], false);
    }

    /**
     * How many files are copied at once (at least 1).
     *
     * @param workers the number of files copied at once
     * @return these settings with that parallelism
     * @throws IllegalArgumentException for fewer than one worker
     */
    public TreeCopy parallelism(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + workers);
        }
        return new TreeCopy(workers, listener, copyOptions, preserveHardLinks);
    }

    /**
     * The listener told of each directory, file and failure as the copy goes; called from the workers' threads.
     *
     * @param progress the listener
     * @return these settings with that listener
     */
    public TreeCopy listener(TreeCopyListener progress) {
        return new TreeCopy(parallelism, Objects.requireNonNull(progress, "listener"), copyOptions, preserveHardLinks);
    }

    /**
     * The options of each copy: a ReflinkCopyOption, REPLACE_EXISTING, COPY_ATTRIBUTES.
     *
     * @param options the options, as {@link Reflink#copy(java.nio.file.Path, java.nio.file.Path,
     *                CopyOption...)} takes them
     * @return these settings with those options
     */
    public TreeCopy copyOptions(CopyOption... options) {
        return new TreeCopy(parallelism, listener, options.clone(), preserveHardLinks);
    }

    /**
     * Whether names that share one inode in the source (hard links) become names of one inode in
     * the target, its data copied once, as {@code cp -a} and {@code --preserve=links} do. Off by
     * default, as in {@code Files.copy}: each name becomes a file of its own.
     *
     * @param keep true to keep hard links as hard links
     * @return these settings with hard links kept or not
     */
    public TreeCopy preserveHardLinks(boolean keep) {
        return new TreeCopy(parallelism, listener, copyOptions, keep);
    }

    /**
     * Whether hard links stay hard links.
     *
     * @return the value set by {@link #preserveHardLinks(boolean)}
     */
    public boolean preservesHardLinks() {
        return preserveHardLinks;
    }

    /**
     * How many files are copied at once.
     *
     * @return the number of workers
     */
    public int parallelism() {
        return parallelism;
    }

    /**
     * The listener of the copy.
     *
     * @return the listener, {@link TreeCopyListener#SILENT} unless set
     */
    public TreeCopyListener listener() {
        return listener;
    }

    /**
     * The options of each copy.
     *
     * @return a copy of the options
     */
    public CopyOption[] copyOptions() {
        return copyOptions.clone();
    }
}
