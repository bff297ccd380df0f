package io.github.reflink4j;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Follows a {@link Reflink#copyTree tree copy} as it goes, for a progress bar or a log. Called
 * from the copying threads, concurrently: implementations must be thread-safe and quick.
 *
 * <p>A tree copy streams: it starts copying at once, while it is still listing the source, so
 * no total is known up front. A progress display shows what is done (files, bytes, rate) and,
 * where it wants an estimate of what is left, counts the source concurrently itself.
 *
 * <pre>{@code
 * LongAdder done = new LongAdder();
 * TreeCopyListener listener = new TreeCopyListener() {
 *     public void fileCopied(Path source, Path target, CopyResult result) {
 *         done.add(result.bytes());
 *     }
 * };
 * Reflink.copyTree(source, target, TreeCopy.options().listener(listener));
 * }</pre>
 */
public interface TreeCopyListener {
    /** A listener that is told nothing: the default of {@link TreeCopy#options()}. */
    TreeCopyListener SILENT = new TreeCopyListener() {};

    /**
     * A directory of the target was created (or an existing one is merged into), before anything
     * is copied into it. Until the copy is done with it, its permissions are the source's limited
     * to the owner; it gets its final mode, owner and times after its contents.
     *
     * @param source the source directory
     * @param target the target directory
     */
    default void directoryCreated(Path source, Path target) {}

    /**
     * A regular file was copied.
     *
     * @param source the source file
     * @param target the target file
     * @param result how it was copied
     */
    default void fileCopied(Path source, Path target, CopyResult result) {}

    /**
     * An entry could not be copied; the copy goes on.
     *
     * @param source the entry that failed
     * @param target where it was to go
     * @param error why it failed
     */
    default void failed(Path source, Path target, IOException error) {}
}
