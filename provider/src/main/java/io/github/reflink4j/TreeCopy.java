package io.github.reflink4j;

import java.nio.file.CopyOption;
import java.util.Objects;

/**
 * The settings of a {@link Reflink#copyTree tree copy}, beyond its copy options: how many files
 * are copied at once and who follows the progress. Immutable; each setter returns a new value.
 *
 * <pre>{@code
 * Reflink.copyTree(source, target, TreeCopy.options()
 *         .parallelism(8)
 *         .listener(progress)
 *         .copyOptions(ReflinkCopyOption.ALWAYS, StandardCopyOption.COPY_ATTRIBUTES));
 * }</pre>
 */
public final class TreeCopy {
    private static final TreeCopyListener SILENT = new TreeCopyListener() { };

    private final int parallelism;
    private final TreeCopyListener listener;
    private final CopyOption[] copyOptions;

    private TreeCopy(int parallelism, TreeCopyListener listener, CopyOption[] copyOptions) {
        this.parallelism = parallelism;
        this.listener = listener;
        this.copyOptions = copyOptions;
    }

    /** One worker per core, no listener, mode AUTO. */
    public static TreeCopy options() {
        return new TreeCopy(Runtime.getRuntime().availableProcessors(), SILENT, new CopyOption[0]);
    }

    /** How many files are copied at once (at least 1). */
    public TreeCopy parallelism(int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("parallelism must be at least 1, got " + workers);
        }
        return new TreeCopy(workers, listener, copyOptions);
    }

    public TreeCopy listener(TreeCopyListener progress) {
        return new TreeCopy(parallelism, Objects.requireNonNull(progress, "listener"), copyOptions);
    }

    /** The options of each copy: a ReflinkCopyOption, REPLACE_EXISTING, COPY_ATTRIBUTES. */
    public TreeCopy copyOptions(CopyOption... options) {
        return new TreeCopy(parallelism, listener, options.clone());
    }

    public int parallelism() {
        return parallelism;
    }

    public TreeCopyListener listener() {
        return listener;
    }

    public CopyOption[] copyOptions() {
        return copyOptions.clone();
    }
}
